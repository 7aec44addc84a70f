import { Wllama, type WllamaLogger } from '@wllama/wllama/esm/index.js';
import type { WllamaSamplingConfig } from './native';

/**
 * The @wllama/wllama library as the CPU engine sees it: exactly the calls it makes
 * ({@link WllamaLike}, which unit tests fake) and the real library's factory, which the inference
 * worker hands to {@link WllamaEngine}.
 */

/** The wasm files wllama loads (multi-thread only when threads are used). */
export interface WllamaWasmPaths {
	'single-thread/wllama.wasm': string;
	'multi-thread/wllama.wasm'?: string;
}

/** The model facts wllama reports after loading (the fields the engine reads). */
export interface WllamaContextInfo {
	n_vocab: number;
	n_ctx: number;
	n_ctx_train: number;
	metadata: Record<string, string>;
	token_bos: number;
	token_eos: number;
	token_eot: number;
	list_tokens_eog: number[];
	add_bos_token: boolean;
}

/** Exactly the Wllama methods the CPU engine calls. */
export interface WllamaLike {
	/** `seed` seeds llama.cpp's own sampler, for every `samplingInit` after this load. */
	loadModel(
		blobs: Blob[],
		config: { n_ctx: number; n_threads: number; seed: number }
	): Promise<void>;
	getLoadedContextInfo(): WllamaContextInfo;
	getChatTemplate(): string | null;
	getNumThreads(): number;
	tokenize(text: string, special: boolean): Promise<number[]>;
	/** Raw bytes of the tokens (possibly an unfinished UTF-8 character). */
	detokenize(tokens: number[]): Promise<Uint8Array>;
	decode(tokens: number[], options: Record<string, never>): Promise<unknown>;
	/** Softmax probabilities at temperature 1; `-1` for the whole vocabulary. */
	getLogits(topK: number): Promise<{ token: number; p: number }[]>;
	/** Starts llama.cpp's own sampler afresh; `pastTokens` enter its penalty window. */
	samplingInit(config: WllamaSamplingConfig, pastTokens: number[]): Promise<void>;
	/** Samples from the logits of the last decoded token with llama.cpp's own sampler. */
	samplingSample(): Promise<{ token: number }>;
	/** Adds tokens to the sampler's history (its penalty window). */
	samplingAccept(tokens: number[]): Promise<void>;
	kvRemove(nKeep: number, nDiscard: number): Promise<void>;
	kvClear(): Promise<void>;
	exit(): Promise<void>;
}

const quietLogger: WllamaLogger = {
	debug: () => {},
	log: () => {},
	warn: (...args: unknown[]) => console.warn('[wllama]', ...args),
	error: (...args: unknown[]) => console.error('[wllama]', ...args)
};

/** The real library, its native log silenced. */
export function createWllama(paths: WllamaWasmPaths): WllamaLike {
	return new Wllama(paths, { suppressNativeLog: true, logger: quietLogger });
}

/** The llama.cpp version the real library was built from. */
export function wllamaLibraryVersion(): string {
	return Wllama.getLibllamaVersion();
}
