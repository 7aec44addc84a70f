import type { MultiSequenceEngine, SequenceStep } from '#lib/engines/types';
import type { ModelInfo } from '#lib/core/model';
import { SamplingRun } from './decode';
import { RunOutput } from './run-output';
import { engineSummaries, RunStatistics, type SummaryLookup } from './run-statistics';
import type { GenerateRequest, GenerationEvent, LaneOutcome, SamplingBackend } from './types';

/**
 * Exact lanes decoded together on an engine with sequences (generateLanes in lanes.ts calls
 * it): the prompt, already evaluated, is forked to one sequence per lane, and every step feeds
 * each live lane's last token in one batch. Each lane keeps its own sampler, stop rules and
 * output, so it streams and ends exactly as a standalone run with its settings would.
 */

export interface TogetherLane {
	laneId: string;
	request: GenerateRequest;
}

export interface TogetherDeps {
	engine: MultiSequenceEngine;
	model: ModelInfo;
	sampling: SamplingBackend;
	signal?: AbortSignal;
	now: () => number;
	paced?: () => Promise<void>;
	/** The engine's summary of a distribution, `first`'s included (the engine's own when omitted). */
	summaryOf?: SummaryLookup;
	/** The model's token texts, when a lane's parameters need them (DRY's breakers). */
	tokenTexts?: readonly string[];
}

/** Moments shared by every lane: the sweep's start and its prefill. */
export interface TogetherTimes {
	startedAt: number;
	prefillStartedAt: number;
	prefillEndedAt: number;
}

interface LiveLane {
	laneId: string;
	run: SamplingRun;
	output: RunOutput;
	statistics: RunStatistics;
	distribution: Float32Array;
	/** Tokens in this lane's context: the prompt and the tokens fed so far. */
	used: number;
}

/**
 * Runs the lanes from `first`, the distribution after the prompt the engine's context holds;
 * `onEnd` is called as each lane ends. Stop ends every live lane within one step. A failed
 * batch fails every lane it carried; an engine crash is thrown.
 */
export async function decodeTogether(
	lanes: readonly TogetherLane[],
	prompt: readonly number[],
	first: Float32Array,
	deps: TogetherDeps,
	times: TogetherTimes,
	onEvent: (laneId: string, event: GenerationEvent) => void,
	onEnd: (laneId: string, outcome: LaneOutcome) => void
): Promise<void> {
	const { engine, model, sampling, signal, now, paced } = deps;
	const summaryOf = deps.summaryOf ?? engineSummaries(engine);
	const tokenBytes = (id: number) => engine.tokenBytes([id]);
	const live: LiveLane[] = lanes.map(({ laneId, request }) => {
		const emit = (event: GenerationEvent) => onEvent(laneId, event);
		const run = new SamplingRun(request, request.params, prompt, model, sampling, deps.tokenTexts);
		emit({ type: 'start', seed: run.seed, promptTokens: [...prompt] });
		return {
			laneId,
			run,
			output: new RunOutput(model, request, tokenBytes, emit, now),
			statistics: new RunStatistics(),
			distribution: first,
			used: prompt.length
		};
	});
	const finish = (lane: LiveLane) =>
		onEnd(lane.laneId, {
			ok: true,
			result: lane.output.result(times, {
				seed: lane.run.seed,
				promptTokens: prompt.length,
				meanEntropy: lane.statistics.meanEntropy,
				perplexity: lane.statistics.perplexity
			})
		});

	await engine.forkSequences(lanes.length);
	try {
		let active = live.map((lane, index) => ({ lane, index }));
		while (active.length > 0) {
			if (signal?.aborted) {
				for (const { lane } of active) lane.output.end('stopped');
			}
			const steps: SequenceStep[] = [];
			const fed: LiveLane[] = [];
			for (const { lane, index } of active) {
				const { run, output, statistics } = lane;
				if (output.finishReason === null) {
					const id = run.next(lane.distribution);
					statistics.add(lane.distribution, id, summaryOf(lane.distribution));
					const trace = run.settings.trace ? (run.sampler.lastTrace ?? undefined) : undefined;
					run.history.push(id);
					await output.add(id, trace);
					if (output.finishReason === null && lane.used >= model.contextLength) {
						output.end('context-full');
					}
					if (output.finishReason === null) {
						steps.push({ lane: index, id });
						fed.push(lane);
					}
				}
				if (output.finishReason !== null) finish(lane);
			}
			active = active.filter(({ lane }) => lane.output.finishReason === null);
			if (steps.length === 0) break;
			if (paced) {
				// Every lane of the batch waits: each leaves the wait out of its decode phase.
				const before = now();
				await paced();
				const waited = now() - before;
				for (const lane of fed) lane.output.waited(waited);
			}
			if (signal?.aborted) continue;
			let rows: Float32Array[];
			try {
				rows = await engine.evaluateSequences(steps);
			} catch (error) {
				if (error instanceof Error && error.name === 'EngineCrashedError') throw error;
				active = [];
				const failure = laneFailure(error);
				for (const lane of fed) onEnd(lane.laneId, failure);
				break;
			}
			fed.forEach((lane, row) => {
				lane.distribution = rows[row];
				lane.used++;
			});
		}
	} finally {
		// A crashed engine is replaced; any other failure here is undone by the next prefill.
		await engine.endSequences().catch(() => {});
	}
}

function laneFailure(error: unknown): LaneOutcome {
	return {
		ok: false,
		error:
			error instanceof Error
				? { name: error.name, message: error.message }
				: { name: 'Error', message: String(error) }
	};
}
