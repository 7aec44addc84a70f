import type { StepTrace } from '#lib/sampling';

/** How a run went, as every layer that shows, stores or compares runs speaks of it. */

export type { StepTrace };

export type SamplingMode = 'exact' | 'native';

/** A parameter a native-mode run did not apply the way our sampler would. */
export interface IgnoredParam {
	/** The parameter, as named in `SamplingParams` (e.g. `topK`, `order`, `seed`). */
	field: string;
	/** What the engine's own sampler does instead, in one sentence. */
	reason: string;
}

export type FinishReason =
	/** The model produced an end-of-generation token (or one of `stopIds`). */
	| 'eos'
	| 'stop-sequence'
	| 'max-tokens'
	| 'context-full'
	/** Stopped on request. */
	| 'stopped';

export interface GenerationStats {
	promptTokens: number;
	/** Sampled tokens, counting a final end-of-generation token. */
	generatedTokens: number;
	/** From the request to the first sampled token (tokenizing and prefill included). */
	timeToFirstTokenMs: number | null;
	prefillMs: number;
	/** Sampled tokens per second after prefill. */
	tokensPerSecond: number | null;
	totalMs: number;
	/**
	 * Mean entropy, in nats, of the model's own next-token distribution (temperature 1) over the
	 * run's steps; null when no token was sampled.
	 */
	meanEntropy: number | null;
	/**
	 * Perplexity of the run's own tokens under that distribution, `exp(mean(−ln p(token)))`
	 * (Infinity if a token had probability 0); null when no token was sampled.
	 */
	perplexity: number | null;
}

export interface GenerationResult {
	/** The whole generated text (all event texts plus anything held back until the end). */
	text: string;
	tokenIds: number[];
	finishReason: FinishReason;
	/** The stop sequence that ended generation, for `stop-sequence`. */
	stopSequence: string | null;
	seed: number;
	stats: GenerationStats;
	/** Native mode only: what the engine's own sampler did not honour in this run. */
	ignoredParams?: IgnoredParam[];
}
