/**
 * Our llama.cpp wasm module as the engine adapter ({@link LlamaEngine} in `llama.ts`) sees it:
 * exactly the calls the adapter makes of the module's class (`LlamaWasm` in `module.ts`), so
 * unit tests run the adapter on a fake (`testing/`) and the worker hands in the real class.
 * Every call is synchronous: the module runs in the worker's own thread. A failure the C API
 * checks throws an error carrying its message (a full context: `ContextFullError`); when the
 * instance aborts (a wasm trap) the call throws `EngineCrashedError` and `aborted` is true from
 * then on.
 */

/** What a loaded model says about itself; special ids are −1 when the model has none. */
export interface LlamaFacts {
	architecture: string;
	nVocab: number;
	nCtx: number;
	nCtxTrain: number;
	bos: number;
	eos: number;
	eot: number;
	/** The vocabulary asks for BOS before a prompt. */
	addBos: boolean;
	/** The model's default chat template (Jinja text), or null. */
	chatTemplate: string | null;
}

export interface LlamaLoadOptions {
	/** Context length in tokens (all sequences together). */
	nCtx: number;
	/** KV cache precision: f32 keeps logits exact, f16 halves its memory. */
	kvType?: 'f32' | 'f16';
	/** Sequences that can live in the cache at once. */
	nSeqMax?: number;
}

/** One decode call: row i feeds tokens[i] at positions[i] into sequence seqs[i]. */
export interface LlamaBatch {
	tokens: ArrayLike<number>;
	positions: ArrayLike<number>;
	seqs: ArrayLike<number>;
	/** Rows whose logits are wanted (the others are only fed). */
	logits: ArrayLike<boolean>;
}

/** One instance of the module, holding at most one model. */
export interface LlamaBinding {
	/** True once the instance trapped: it must be dropped and a new one made. */
	readonly aborted: boolean;
	/** Loads a GGUF model from its bytes. */
	load(bytes: Uint8Array, options: LlamaLoadOptions): LlamaFacts;
	/** A metadata value as text (e.g. `general.name`), or null. */
	meta(key: string): string | null;
	tokenize(text: string, options: { addBos: boolean; parseSpecial: boolean }): Int32Array;
	/** The bytes of one token; `special` renders control tokens as their text. */
	tokenBytes(token: number, special?: boolean): Uint8Array;
	isEndOfGeneration(token: number): boolean;
	decode(batch: LlamaBatch): void;
	/**
	 * The raw logits of a row of the last decode: a view of wasm memory, valid until the next
	 * call on the instance.
	 */
	logits(row: number): Float32Array;
	/** Removes sequence `seq`'s cells from position `from` on. */
	seqRemove(seq: number, from: number): void;
	/** Empties the KV cache. */
	clear(): void;
	/** Frees the model and its context. */
	unload(): void;
}

/** A new instance of the module (the worker's compiles the wasm once and instantiates it). */
export type LlamaBindingFactory = () => Promise<LlamaBinding>;
