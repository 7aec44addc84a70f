/**
 * Our llama.cpp wasm module as the engine adapter ({@link LlamaEngine} in `llama.ts`) sees it:
 * exactly the calls the adapter makes, so unit tests run it on a fake (`testing/`) and the worker
 * hands in the real binding. Every call is synchronous: the module runs in the worker's own
 * thread. A failure the C API can check throws an `Error` carrying its message; anything else
 * aborts the instance, which shows as a thrown `WebAssembly.RuntimeError` (or an error with
 * `trap: true` from the WASI shim), and the instance is dead from then on.
 */

/** What llama.cpp knows about the loaded model (−1: the model has no such token). */
export interface LlamaModelFacts {
	/** `general.architecture`. */
	architecture: string;
	/** `general.name`, when the file has one. */
	name: string | null;
	vocabSize: number;
	/** The context the model was trained with (0 when unknown). */
	trainedContextLength: number;
	bosId: number;
	eosId: number;
	eotId: number;
	/** Every end-of-generation token. */
	eogIds: readonly number[];
	/** Whether llama.cpp would prepend BOS to a prompt. */
	addBos: boolean;
	/** The model's chat template (Jinja source), or null. */
	chatTemplate: string | null;
}

export interface LlamaLoadParams {
	/** Context window in tokens (all sequences together). */
	contextLength: number;
	/** Most tokens one `decode` call takes. */
	batchSize: number;
	/** Sequences the context holds (ids 0 … sequences − 1). */
	sequences: number;
	/** KV cache element type: f32 keeps results exact, f16 halves its memory. */
	kvType: 'f32' | 'f16';
}

/** One batch: token i goes to `positions[i]` of sequences `seqIds[i]`; rows with `logits[i]` get logits. */
export interface LlamaBatch {
	tokens: Int32Array;
	positions: Int32Array;
	seqIds: Int32Array;
	logits: Uint8Array;
}

export interface ChatTurn {
	role: string;
	content: string;
}

/** One instance of the module, holding at most one model and its context. */
export interface LlamaBinding {
	/** Loads a GGUF file from its bytes and creates the context; replaces a model loaded before. */
	loadModel(bytes: Uint8Array, params: LlamaLoadParams): LlamaModelFacts;
	/** Text → ids, never adding BOS/EOS; `special` parses control-token text such as `<|im_end|>`. */
	tokenize(text: string, special: boolean): Int32Array;
	/** One token's raw bytes (special tokens rendered as their text). */
	tokenPiece(id: number): Uint8Array;
	/**
	 * llama.cpp's `llama_chat_apply_template` on the model's own template, the assistant's turn
	 * opened when asked. Absent when the module cannot do it.
	 */
	applyChatTemplate?(messages: readonly ChatTurn[], addAssistant: boolean): string;
	decode(batch: LlamaBatch): void;
	/**
	 * The raw logits of batch row `row` of the last decode: a view of wasm memory, valid until the
	 * next call into the module.
	 */
	logits(row: number): Float32Array;
	/** Removes sequence `seq`'s tokens at positions [from, to) (`to` −1: to the end). */
	seqRemove(seq: number, from: number, to: number): void;
	/** Makes sequence `dst` share `src`'s tokens at positions [from, to) (`to` −1: to the end). */
	seqCopy(src: number, dst: number, from: number, to: number): void;
	/** Empties the context (every sequence). */
	clear(): void;
	/** Frees the model and its context. */
	dispose(): void;
}

/** A new instance of the module (the worker's compiles the wasm once and instantiates it). */
export type LlamaBindingFactory = () => Promise<LlamaBinding>;

/** Whether `error` means the instance aborted (a wasm trap), rather than a checked failure. */
export function isInstanceAbort(error: unknown): boolean {
	if (typeof WebAssembly !== 'undefined' && error instanceof WebAssembly.RuntimeError) return true;
	return typeof error === 'object' && error !== null && (error as { trap?: unknown }).trap === true;
}
