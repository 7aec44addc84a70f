import { hasSequences, type DistributionSummary } from '#lib/engines/types';
import { decode, SamplingRun } from './decode';
import { decodeTogether } from './lanes-together';
import { engineSummaries, type SummaryLookup } from './run-statistics';
import type { GenerateDeps } from './generate';
import { checkNativeRequest, generateNative } from './native';
import { preparePrompt, prefill } from './prefill';
import { tokenTextsFor } from './token-texts';
import type {
	GenerateRequest,
	GenerationEvent,
	LaneError,
	LaneEvent,
	LaneOutcome,
	LaneSpec,
	LanesRequest,
	LanesResult
} from './types';
import type { GenerationResult } from '#lib/core/run';
import { validateLane, validateLanesRequest } from './validate';

export type { LaneError, LaneEvent, LaneOutcome, LaneSpec, LanesRequest, LanesResult };

/** Errors after which no lane can run; they end the whole request (the worker is restarted). */
const FATAL_ERRORS = new Set(['EngineCrashedError']);

/** A thrown value as a lane reports it: name, message, and the field for bad input. */
export function laneError(error: unknown): LaneError {
	if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
	const field = (error as { field?: unknown }).field;
	return {
		name: error.name,
		message: error.message,
		...(typeof field === 'string' ? { field } : {})
	};
}

/** The single-run request a lane amounts to (what a standalone generate() would be given). */
export function laneRequest(request: LanesRequest, lane: LaneSpec): GenerateRequest {
	return {
		input: request.input,
		params: lane.params,
		maxNewTokens: request.maxNewTokens,
		stopSequences: request.stopSequences,
		stopIds: request.stopIds,
		trace: lane.trace ?? null,
		sampling: lane.sampling ?? 'exact'
	};
}

type CheckedLane =
	| { lane: LaneSpec; request: GenerateRequest; error: null }
	| { lane: LaneSpec; request: null; error: LaneError };

/**
 * One prompt, many lanes.
 *
 * Together: on an engine with sequences (our llama.cpp build), up to its number of
 * sequences, the prompt is prefilled once as a single run prefills it, then
 * forked to one sequence per lane, and each step decodes every live lane's token in one batch
 * (lanes-together.ts). Otherwise the exact lanes run one after another on the single context,
 * and the result says why.
 *
 * Prefix reuse, one after another: the prompt is prefilled once, exactly as a single run prefills it (from an
 * empty context, in one call), and its next-token distribution is kept. Every exact lane then
 * rolls the context back to the prompt's length and starts from that distribution, so its
 * sampler sees what a standalone run's sampler would see, token for token:
 * - wllama drops the lane's KV-cache entries (llama.cpp's seq_rm), which leaves the prompt's
 *   entries as the prefill wrote them; llama.cpp puts the next token in the first free cell,
 *   the one a standalone run would use, so every decode step computes on the same data.
 * - WebLLM cannot drop entries: its rollback resets the cache and prefills the prompt again in
 *   one call, the same computation as a standalone prefill (counted in `promptEvaluations`).
 *
 * Native lanes (WebLLM's own sampler) run whole requests of WebLLM's, which bring their own
 * conversation state and always prefill the prompt themselves: they cannot reuse it, and each
 * counts as one prompt evaluation. A lane whose settings are invalid or that fails reports its
 * error; the others go on. After Stop, the lane in progress ends within one token and the lanes
 * not started end at once as `stopped`, with no tokens.
 */
export async function generateLanes(
	request: LanesRequest,
	deps: GenerateDeps,
	onEvent: (event: LaneEvent) => void = () => {}
): Promise<LanesResult> {
	const { engine, model, sampling, signal } = deps;
	const now = deps.now ?? (() => performance.now());
	validateLanesRequest(request, model);
	const checked = request.lanes.map((lane): CheckedLane => {
		try {
			const single = laneRequest(request, lane);
			single.params = validateLane(lane, model, sampling);
			if (single.sampling === 'native') checkNativeRequest(single, engine);
			return { lane, request: single, error: null };
		} catch (error) {
			return { lane, request: null, error: laneError(error) };
		}
	});
	const prompt = await preparePrompt(engine, model, request.input);
	// DRY's breakers need the model's token texts: read once, before any lane starts.
	const tokenTexts = await tokenTextsFor(
		engine,
		model,
		checked.flatMap((c) => (c.request?.sampling === 'exact' ? [c.request.params] : []))
	);
	const exactLanes = checked.flatMap((c) =>
		c.request?.sampling === 'exact' ? [{ laneId: c.lane.id, request: c.request }] : []
	);
	const sequential = exactLanes.length > 0 ? sequentialReason(exactLanes.length) : null;

	let promptEvaluations = 0;
	let prefillMs = 0;
	let first: Float32Array | null = null;
	const ownSummaries = engineSummaries(engine);
	let firstSummary: DistributionSummary | null = null;
	const prefillPrompt = async (): Promise<Float32Array> => {
		promptEvaluations++;
		const logits = await prefill(engine, prompt);
		// The engine summarizes its own array only: the copy keeps its summary, so no lane sums
		// the whole vocabulary in JS for its first token (and the figures stay a single run's).
		firstSummary = ownSummaries(logits);
		// Kept across the lanes' own evaluations, which may overwrite the engine's array.
		return logits.slice();
	};
	const summaryOf: SummaryLookup = (distribution) =>
		distribution === first ? firstSummary : ownSummaries(distribution);
	const sweepStartedAt = now();
	let prefillEndedAt = sweepStartedAt;
	if (!signal?.aborted && exactLanes.length > 0) {
		first = await prefillPrompt();
		prefillEndedAt = now();
		prefillMs = prefillEndedAt - sweepStartedAt;
		onEvent({ type: 'prefill', promptTokens: [...prompt], prefillMs });
	}
	/** Brings the context back to exactly the prompt; returns the distribution after it. */
	const restorePrompt = async (): Promise<Float32Array> => {
		// A failed lane or a native one may have left the cache without the prompt.
		if (first === null || engine.contextUsed < prompt.length) {
			first = await prefillPrompt();
		} else if (engine.contextUsed > prompt.length) {
			await engine.rollback(prompt.length);
			if (engine.rollbackReplays) promptEvaluations++;
		}
		return first;
	};

	const runExact = async (
		single: GenerateRequest,
		emit: (event: GenerationEvent) => void
	): Promise<GenerationResult> => {
		const startedAt = now();
		const run = new SamplingRun(single, single.params, prompt, model, sampling, tokenTexts);
		emit({ type: 'start', seed: run.seed, promptTokens: [...prompt] });
		const prefillStartedAt = now();
		const distribution = signal?.aborted ? null : await restorePrompt();
		const prefillEndedAt = now();
		return decode(
			run,
			distribution,
			{ engine, model, signal, now, paced: deps.paced, summaryOf },
			{ startedAt, prefillStartedAt, prefillEndedAt },
			emit
		);
	};

	const together = new Map<string, LaneOutcome>();
	const shared = first;
	const decodedTogether =
		exactLanes.length > 0 && sequential === null && shared !== null && hasSequences(engine);
	if (decodedTogether) {
		await decodeTogether(
			exactLanes,
			prompt,
			shared,
			{ engine, model, sampling, signal, now, paced: deps.paced, summaryOf, tokenTexts },
			{ startedAt: sweepStartedAt, prefillStartedAt: sweepStartedAt, prefillEndedAt },
			(laneId, event) => onEvent({ type: 'lane', laneId, event }),
			(laneId, outcome) => {
				together.set(laneId, outcome);
				onEvent({ type: 'lane-end', laneId, outcome });
			}
		);
	}

	const outcomes: LanesResult['lanes'] = [];
	for (const { lane, request: single, error } of checked) {
		const laneId = lane.id;
		const emit = (event: GenerationEvent) => onEvent({ type: 'lane', laneId, event });
		const done = together.get(laneId);
		if (done) {
			outcomes.push({ laneId, outcome: done });
			continue;
		}
		let outcome: LaneOutcome;
		if (single === null) outcome = { ok: false, error };
		else {
			try {
				let result: GenerationResult;
				if (single.sampling === 'native') {
					if (!signal?.aborted) promptEvaluations++;
					result = await generateNative(single, { engine, model, sampling, signal, now }, emit);
				} else {
					result = await runExact(single, emit);
				}
				outcome = { ok: true, result };
			} catch (thrown) {
				if (thrown instanceof Error && FATAL_ERRORS.has(thrown.name)) throw thrown;
				outcome = { ok: false, error: laneError(thrown) };
			}
		}
		onEvent({ type: 'lane-end', laneId, outcome });
		outcomes.push({ laneId, outcome });
	}
	return {
		promptTokens: prompt,
		prefillMs,
		promptEvaluations,
		decodedTogether,
		sequentialReason: sequential,
		lanes: outcomes
	};

	/** Why the exact lanes cannot decode together on this engine, or null when they can. */
	function sequentialReason(lanes: number): string | null {
		if (!hasSequences(engine)) {
			return `${model.name} runs on an engine that decodes one sequence at a time`;
		}
		if (engine.maxSequences === 0) {
			return `the context of ${model.contextLength} tokens is too long to hold a copy per lane`;
		}
		if (lanes > engine.maxSequences) {
			return `the engine decodes at most ${engine.maxSequences} lanes together`;
		}
		// Each lane has a context of its own (and ends when it is full, as a single run does).
		return null;
	}
}
