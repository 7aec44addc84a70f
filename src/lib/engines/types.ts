import type { EngineId, LoadProgress, ModelInfo, ModelSource } from '#lib/core/model';
import type { ChatMessage, PromptInput } from '#lib/core/prompt';
import type { IgnoredParam } from '#lib/core/run';
import type { DistributionKind, SamplingParams } from '#lib/sampling';
import type { TemplateTokenNames } from './chat-template';
import type { SpecialToken } from './special-tokens';

/**
 * The contract every inference engine adapter fulfils. Adapters run inside the inference worker;
 * the page never calls them directly.
 */

export interface LoadOptions {
	/** Context window in tokens; the engine's default when omitted (wllama: 2048). */
	contextLength?: number;
	/**
	 * CPU threads for engines that use them; the engine's choice when omitted. Engines that need
	 * cross-origin isolation for threads fall back to one thread without it.
	 */
	threads?: number;
	onProgress?: (progress: LoadProgress) => void;
	signal?: AbortSignal;
}

export interface EvaluateOptions {
	/**
	 * Chooses the next token from the distribution. An engine whose step always ends in its own
	 * sampler (WebLLM) calls it once, synchronously, inside that step and forces the answer, so
	 * its sampler can only agree with ours. Other engines ignore it and the caller picks after
	 * `evaluate` returns.
	 */
	pick?: (distribution: Float32Array) => number;
}

/**
 * A next-token distribution x summed up for figures shown to the user, never for sampling:
 * with y = x − max and S = Σ e^y, `logSum` is ln S and `meanShift` is Σ e^y·y / S, so the
 * entropy is `logSum − meanShift` and a token's surprisal `logSum − (x − max)`.
 */
export interface DistributionSummary {
	max: number;
	logSum: number;
	meanShift: number;
}

export interface Engine {
	readonly engineId: EngineId;
	load(source: ModelSource, options?: LoadOptions): Promise<ModelInfo>;
	unload(): Promise<void>;
	/** Text → ids, never adding BOS/EOS. `special` parses control-token text such as `<|im_end|>`. */
	tokenize(text: string, options?: { special?: boolean }): Promise<number[]>;
	/** The raw bytes of the given tokens (concatenated), so callers can decode UTF-8 across tokens. */
	tokenBytes(ids: readonly number[]): Promise<Uint8Array>;
	/**
	 * Renders a conversation with the model's chat template, ending with the assistant's turn
	 * opened. Throws when the engine cannot apply the template.
	 */
	formatChat(messages: readonly ChatMessage[]): Promise<string>;
	/**
	 * For engines with no chat-template renderer of their own: the vocabulary's control tokens
	 * (text and id) and the special-token names templates read, so the model's Jinja template is
	 * rendered here and special tokens are parsed only where the template wrote them. Absent
	 * (WebLLM): the engine's `formatChat` renders chats and its output is parsed whole.
	 */
	chatVocabulary?(): Promise<ChatVocabulary>;
	/**
	 * Appends `ids` to the context, runs the model and returns the full next-token distribution
	 * (vocabulary length) after the last of them. The engine may reuse the array: it is valid
	 * until the engine's next call, so a caller that keeps it copies it.
	 */
	evaluate(ids: readonly number[], options?: EvaluateOptions): Promise<Float32Array>;
	/**
	 * The summary of a distribution this engine returned from its last evaluation (of the
	 * context or of a lane), computed natively beside the logits; null for any other array.
	 * Optional: without it, callers compute the figures themselves.
	 */
	summaryOf?(distribution: Float32Array): DistributionSummary | null;
	/** Drops everything after the first `length` tokens of the context. */
	rollback(length: number): Promise<void>;
	/**
	 * True when `rollback` to a length above 0 runs the kept tokens through the model again
	 * (no way to drop KV-cache entries), so it costs a prefill of that length.
	 */
	readonly rollbackReplays: boolean;
	/** Number of tokens in the context now. */
	readonly contextUsed: number;
}

export interface ChatVocabulary {
	special: readonly SpecialToken[];
	names: TemplateTokenNames;
}

/** What one run on an engine's own sampler (native mode) asks of it. */
export interface NativeRunRequest {
	input: PromptInput;
	/** The prompt's ids: the engine's own (`nativePromptTokens`) or as exact runs build them. */
	promptTokens: readonly number[];
	/** Already validated. */
	params: SamplingParams;
	/** The resolved seed. */
	seed: number;
	maxNewTokens: number;
	stopSequences: readonly string[];
}

/** One step of a native run's stream. */
export interface NativeStep {
	/** Ids the engine's sampler picked since the previous step, in order. */
	sampled: number[];
	/** The stream has ended. */
	done: boolean;
	/** The engine's own finish reason in OpenAI's words (`stop`, `length`, `abort`), once known. */
	finishReason: string | null;
}

export interface NativeStream {
	next(): Promise<NativeStep>;
	/** Asks the engine to stop soon; safe at any moment (e.g. from an abort handler). */
	interrupt(): void;
	/**
	 * Ends the run, interrupting it first when the stream has not ended, and leaves the engine
	 * ready for the next request. Always call it, also after a failure.
	 */
	close(): Promise<void>;
}

/** An engine with a sampler of its own that can run a whole generation (native mode). */
export interface NativeSamplingEngine extends Engine {
	/**
	 * The prompt's ids as the engine's own requests feed them; when absent, the prompt is built
	 * as for exact runs.
	 */
	nativePromptTokens?(input: PromptInput): Promise<number[]>;
	/** What the engine's sampler does not honour of `params` run with `seed`, each with why. */
	nativeIgnoredParams(params: SamplingParams, seed: number): IgnoredParam[];
	/** Starts a streamed generation from an empty context; the context held before is lost. */
	startNative(request: NativeRunRequest): Promise<NativeStream>;
}

export function hasNativeSampling(engine: Engine): engine is NativeSamplingEngine {
	return typeof (engine as Partial<NativeSamplingEngine>).startNative === 'function';
}

/** What the next-token array returned by {@link Engine.evaluate} holds (the sampler's type). */
export type { DistributionKind };

/** One row of a multi-sequence step: `id` fed to lane `lane`. */
export interface SequenceStep {
	lane: number;
	id: number;
}

/**
 * An engine whose context can hold several sequences that decode together (lanes of a sweep).
 * The context's own tokens (what `evaluate` fed, the prompt) are shared by every lane; each lane
 * then grows on its own. Lane calls leave `contextUsed` (the shared context) unchanged.
 */
export interface MultiSequenceEngine extends Engine {
	/** Most lanes one fork may hold. */
	readonly maxSequences: number;
	/** Starts `count` lanes, each holding the context as it is now. */
	forkSequences(count: number): Promise<void>;
	/**
	 * Feeds every step's token to its lane in ONE model batch and returns each row's next-token
	 * distribution, in the order of `steps`. The arrays are valid until the engine's next call.
	 */
	evaluateSequences(steps: readonly SequenceStep[]): Promise<Float32Array[]>;
	/** Drops every lane; the context is what it was at the fork. */
	endSequences(): Promise<void>;

	/*
	 * Contexts kept side by side (explore's branches): sequence 0 is the context `evaluate` and
	 * `rollback` act on; sequences 1…maxSequences are the ones a fork fills, so a fork replaces
	 * them and `endSequences` empties them. Whoever kept tokens there must forget them then.
	 * A call below ends any live lanes first.
	 */
	/** Tokens sequence `seq` (0…maxSequences) holds. */
	sequenceLength(seq: number): number;
	/** Makes `dst` hold exactly what `src` holds (a whole copy; what `dst` held is dropped). */
	copySequence(src: number, dst: number): Promise<void>;
	/** Drops everything after the first `length` tokens of sequence `seq`. */
	rollbackSequence(seq: number, length: number): Promise<void>;
	/** {@link Engine.evaluate} on sequence `seq`; the array is valid until the engine's next call. */
	evaluateSequence(seq: number, ids: readonly number[]): Promise<Float32Array>;
}

export function hasSequences(engine: Engine): engine is MultiSequenceEngine {
	return typeof (engine as Partial<MultiSequenceEngine>).evaluateSequences === 'function';
}
