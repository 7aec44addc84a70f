import type { Engine } from '#lib/engines/types';
import type { ModelInfo } from '#lib/core/model';
import type { SamplingParams } from '#lib/sampling';
import { engineSummaries, RunStatistics, type SummaryLookup } from './run-statistics';
import { RunOutput, type RunTimes } from './run-output';
import type { GenerationResult } from '#lib/core/run';
import type { GenerateRequest, GenerationEvent, SamplingBackend } from './types';

/** What one run (a single generation or one lane) needs besides the prompt. */
export type RunSettings = Pick<
	GenerateRequest,
	'maxNewTokens' | 'stopSequences' | 'stopIds' | 'trace'
>;

/** One run's sampler and the context it samples against (prompt, then its own tokens). */
export class SamplingRun {
	readonly sampler: ReturnType<SamplingBackend['createSampler']>;
	readonly history: number[];
	#picked: number | null = null;

	constructor(
		readonly settings: RunSettings,
		params: SamplingParams,
		readonly prompt: readonly number[],
		model: ModelInfo,
		sampling: SamplingBackend,
		/** The model's token texts, when the parameters need them (see `tokenTextsFor`). */
		tokenTexts?: readonly string[]
	) {
		this.sampler = sampling.createSampler(params, {
			vocabSize: model.vocabSize,
			distribution: model.distribution,
			trace: settings.trace ? { topN: settings.trace.topN } : false,
			tokenTexts
		});
		this.history = [...prompt];
	}

	get seed(): number {
		return this.sampler.seed;
	}

	/**
	 * Evaluates `ids` with this run's sampler as the engine's `pick`. An engine that samples on
	 * its own (WebLLM) lets our sampler pick inside its step and forces that pick; for the others
	 * nothing is picked here and the sampler runs after evaluate().
	 */
	readonly evaluate = (engine: Engine, ids: readonly number[]): Promise<Float32Array> => {
		this.#picked = null;
		return engine.evaluate(ids, { pick: this.#pick });
	};

	#pick = (distribution: Float32Array): number =>
		(this.#picked = this.sampler.sample(distribution, this.history));

	/** The next token: the one picked inside the last evaluate(), or sampled now. */
	next(distribution: Float32Array): number {
		const picked = this.#picked;
		this.#picked = null;
		return picked ?? this.sampler.sample(distribution, this.history);
	}
}

/** One sampled step as the run saw it, for callers that keep the distributions. */
export interface DecodedStep {
	/** The context the token was sampled for (prompt and earlier tokens), before the token. */
	history: readonly number[];
	distribution: Float32Array;
	tokenId: number;
	sampler: SamplingRun['sampler'];
}

export interface DecodeDeps {
	engine: Engine;
	model: ModelInfo;
	signal?: AbortSignal;
	now: () => number;
	onStep?: (step: DecodedStep) => void;
	/** Resolves when the next model step may run (see GenerateDeps). */
	paced?: () => Promise<void>;
	/** The engine's summary of a distribution (the engine's own `summaryOf` when omitted). */
	summaryOf?: SummaryLookup;
}

/** Moments the run's stats are measured from. */
export type DecodeTimes = RunTimes & { prefillEndedAt: number };

/**
 * Generates from the state the prompt left: `first` is the distribution after the prompt (null
 * when the run was stopped before it), and the engine's context holds exactly the prompt. Per
 * step: pick, stream the token, feed it back; ends on a stop id or sequence, the token budget,
 * a full context or Stop (checked before every step, so Stop acts within one token).
 */
export async function decode(
	run: SamplingRun,
	first: Float32Array | null,
	deps: DecodeDeps,
	times: DecodeTimes,
	onEvent: (event: GenerationEvent) => void
): Promise<GenerationResult> {
	const { engine, model, signal, now, onStep, paced } = deps;
	const summaryOf = deps.summaryOf ?? engineSummaries(engine);
	const { settings, sampler, history } = run;
	const statistics = new RunStatistics();
	const output = new RunOutput(model, settings, (id) => engine.tokenBytes([id]), onEvent, now);
	let distribution = first;
	if (first === null) output.end('stopped');

	while (output.finishReason === null && distribution !== null) {
		if (signal?.aborted) {
			output.end('stopped');
			break;
		}
		const id = run.next(distribution);
		onStep?.({ history, distribution, tokenId: id, sampler });
		statistics.add(distribution, id, summaryOf(distribution));
		const trace = settings.trace ? (sampler.lastTrace ?? undefined) : undefined;
		history.push(id);
		await output.add(id, trace);
		if (output.finishReason !== null) break;
		if (engine.contextUsed >= model.contextLength) output.end('context-full');
		else if (signal?.aborted) output.end('stopped');
		else {
			await output.pace(paced);
			distribution = signal?.aborted ? null : await run.evaluate(engine, [id]);
			if (distribution === null) output.end('stopped');
		}
	}
	return output.result(times, {
		seed: run.seed,
		promptTokens: run.prompt.length,
		meanEntropy: statistics.meanEntropy,
		perplexity: statistics.perplexity
	});
}
