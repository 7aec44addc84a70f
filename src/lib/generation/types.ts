import type { PromptInput } from '#lib/core/prompt';
import type { GenerationResult, IgnoredParam, SamplingMode } from '#lib/core/run';
import type {
	createSampler,
	SamplingParams,
	StepTrace,
	validateSamplingParams
} from '#lib/sampling';

/** The sampler functions the generation loop needs (injected so tests can use fakes). */
export interface SamplingBackend {
	createSampler: typeof createSampler;
	validateSamplingParams: typeof validateSamplingParams;
}
export interface GenerateRequest {
	input: PromptInput;
	params: SamplingParams;
	/** At least 1; generation also ends when the context is full. */
	maxNewTokens: number;
	/** Texts that end generation; the output never contains them. */
	stopSequences?: string[];
	/** Token ids that end generation, besides the model's own EOS / end-of-turn ids. */
	stopIds?: number[];
	/** Record a sampler trace for every step, keeping the top `topN` candidates. */
	trace?: { topN: number } | null;
	/**
	 * `exact` (default): our sampler picks every token from the engine's full distribution.
	 * `native`: the engine's own sampler (WebLLM on the GPU), faster but without top-k, min-p,
	 * stage order, traces or seeds that match other engines. Engines without one refuse it.
	 */
	sampling?: SamplingMode;
}
export type GenerationEvent =
	| {
			type: 'start';
			/** The resolved seed (a random seed is chosen once and reported here). */
			seed: number;
			promptTokens: number[];
			/** Native mode only: what the engine's own sampler does not honour in this run. */
			ignoredParams?: IgnoredParam[];
	  }
	| {
			type: 'token';
			/** 0-based position among the generated tokens. */
			index: number;
			tokenId: number;
			/** This token's own text, decoded alone (may show U+FFFD for partial UTF-8). */
			piece: string;
			/**
			 * Text that became visible with this token. Empty while a multi-byte character is
			 * incomplete or while the text might still turn out to be a stop sequence.
			 */
			text: string;
			/** True for the end-of-generation token that ended the run (it adds no text). */
			isStop: boolean;
			trace?: StepTrace;
	  };

/** Most lanes one request may run. */
export const MAX_LANES = 16;

/** One lane: the shared prompt continued with its own parameters and seed. */
export interface LaneSpec {
	/** Unique within the request; events and outcomes carry it. */
	id: string;
	params: SamplingParams;
	sampling?: SamplingMode;
	trace?: { topN: number } | null;
}

/** One prompt, evaluated once, continued by 1–{@link MAX_LANES} lanes (together when the engine can). */
export interface LanesRequest {
	input: PromptInput;
	maxNewTokens: number;
	stopSequences?: string[];
	stopIds?: number[];
	lanes: LaneSpec[];
}

/** An error as it travels to the page: its name, message and, for bad input, the field. */
export interface LaneError {
	name: string;
	message: string;
	field?: string;
}

/**
 * How a lane ended. A lane that never started because of Stop is `ok` with a result that has no
 * tokens and finish reason `stopped`.
 */
export type LaneOutcome = { ok: true; result: GenerationResult } | { ok: false; error: LaneError };

export type LaneEvent =
	/** The shared prompt was evaluated (sent once, before the first exact lane starts). */
	| { type: 'prefill'; promptTokens: number[]; prefillMs: number }
	| { type: 'lane'; laneId: string; event: GenerationEvent }
	| { type: 'lane-end'; laneId: string; outcome: LaneOutcome };

export interface LanesResult {
	promptTokens: number[];
	/** Time of the shared prefill (0 when no lane needed it). */
	prefillMs: number;
	/**
	 * How many times the prompt went through the model: 1 for any number of exact lanes on an
	 * engine that can drop KV-cache entries; more when the engine has to replay it (WebLLM's
	 * rollback), when a failed lane lost the cache, or per native lane.
	 */
	promptEvaluations: number;
	/**
	 * The exact lanes decoded together: one model batch per step holding every live lane (an
	 * engine with sequences, when the lanes' tokens fit in the context).
	 */
	decodedTogether: boolean;
	/** Why exact lanes ran one after another instead; null when they decoded together or none ran. */
	sequentialReason: string | null;
	/** In request order. */
	lanes: { laneId: string; outcome: LaneOutcome }[];
}
