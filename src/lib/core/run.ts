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
	/**
	 * In the worker, from the request to the first sampled token (tokenizing and prefill
	 * included). Not shown: the time to first token the page shows is `firstTokenOnScreenMs`.
	 */
	timeToFirstTokenMs: number | null;
	/** In the worker, the engine's evaluation of the prompt. */
	prefillMs: number;
	/**
	 * In the worker, from the first sampled token to the last, less the time the run was held
	 * waiting for the page to read its tokens; null with fewer than two tokens. Absent from runs
	 * stored before it was measured. Speeds are computed from it in `core/run-figures.ts`.
	 */
	decodeMs?: number | null;
	/**
	 * On the page, from the click that started the run to the animation frame after the first
	 * token was shown; null when never seen (no token, a hidden page, a run from elsewhere).
	 */
	firstTokenOnScreenMs?: number | null;
	/** On the page, from the click to the animation frame after the last token was shown. */
	lastTokenOnScreenMs?: number | null;
	/**
	 * Tokens per second after the prefill, first token included, as runs stored by earlier
	 * versions recorded it (a blend of decode, waits for the page and a free first token): read
	 * so such runs still open, never shown or written.
	 */
	tokensPerSecond?: number | null;
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
