import { ContextFullError, EngineCrashedError, ModelNotLoadedError } from '../errors';
import type { ChatMessage } from '#lib/core/prompt';
import { renderChatTemplate, type TemplateTokenNames } from '../chat-template';
import { specialTokenCandidates, type SpecialToken } from '../special-tokens';
import { ENGINE_NAMES } from '../capabilities';
import type {
	ChatVocabulary,
	NativeRunRequest,
	NativeSamplingEngine,
	NativeStep,
	NativeStream,
	LoadOptions
} from '../types';
import type { IgnoredParam } from '#lib/core/run';
import type { SamplingParams } from '#lib/sampling';
import { nativeIgnoredParams, wllamaSamplingConfig } from './native';
import type { ModelInfo, ModelSource } from '#lib/core/model';
import {
	fileForLoad,
	type BlobHasher,
	type CachedModelLoader,
	type ModelFileCheck
} from '../model-file';
import type { WllamaLike, WllamaWasmPaths } from './library';

export interface WllamaEngineOptions {
	/** Absolute URL of the folder holding `single-thread/wllama.wasm` and `multi-thread/wllama.wasm`. */
	wasmBaseUrl: string;
	/** Creates wllama for these wasm files (the worker passes the real library's). */
	createWllama: (paths: WllamaWasmPaths) => WllamaLike;
	/** llama.cpp's version, for the backend label. */
	libraryVersion: string;
	loadCachedModel: CachedModelLoader;
	sha256OfBlob: BlobHasher;
	checkModelFile: ModelFileCheck;
}

export type { BlobHasher, CachedModelLoader, ModelFileCheck };

/** Context window used when the caller does not choose one (wllama's own default is 1024). */
export const DEFAULT_CONTEXT_LENGTH = 2048;

export { ContextFullError, EngineCrashedError, ModelNotLoadedError };

/**
 * The seed llama.cpp's own sampler starts from at every native run: wllama 2.4.0 takes it only
 * when the model loads (its default would take the time of day, so runs could not repeat).
 */
export const NATIVE_SEED = 1;

/** Threads to use: several only when the page is cross-origin isolated (SharedArrayBuffer). */
export function chooseThreads(requested: number | undefined): number {
	if (globalThis.crossOriginIsolated !== true) return 1;
	if (requested !== undefined) return Math.max(1, Math.floor(requested));
	const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
	return Math.max(1, Math.min(4, Math.floor(cores / 2)));
}

/**
 * wllama 2.4.0 resolves its wasm URLs against `document.baseURI`, which does not exist inside a
 * worker. Give it a stand-in for the duration of `fn` only.
 */
async function withDocumentBaseUri<T>(baseUri: string, fn: () => Promise<T>): Promise<T> {
	const scope = globalThis as { document?: unknown };
	if (scope.document !== undefined) return fn();
	scope.document = { baseURI: baseUri };
	try {
		return await fn();
	} finally {
		delete scope.document;
	}
}

/**
 * The second CPU engine: llama.cpp compiled to WebAssembly, through @wllama/wllama's low-level
 * API, for exact runs and for native runs on llama.cpp's own sampler. Its library, model cache
 * and hashing are given by its creator (the inference worker).
 */
export class WllamaEngine implements NativeSamplingEngine {
	readonly engineId = 'wllama' as const;
	readonly rollbackReplays = false;
	#options: WllamaEngineOptions;
	#wllama: WllamaLike | null = null;
	#info: ModelInfo | null = null;
	#context: number[] = [];
	#pieces = new Map<number, Uint8Array>();
	/** Read at the first chat, then kept until the next load. */
	#vocabulary: ChatVocabulary | null = null;
	#fatal: Error | null = null;
	#rejectInFlight = new Set<(error: Error) => void>();

	constructor(options: WllamaEngineOptions) {
		this.#options = options;
	}

	get contextUsed(): number {
		return this.#context.length;
	}

	get model(): ModelInfo | null {
		return this.#info;
	}

	async load(source: ModelSource, options: LoadOptions = {}): Promise<ModelInfo> {
		const { onProgress } = options;
		const { blob, sha256, storage, fileName, sourceName } = await fileForLoad(
			source,
			this.#options,
			options,
			() => this.unload()
		);
		const threads = chooseThreads(options.threads);
		const base = this.#options.wasmBaseUrl.endsWith('/')
			? this.#options.wasmBaseUrl
			: `${this.#options.wasmBaseUrl}/`;
		const wllama = this.#options.createWllama({
			'single-thread/wllama.wasm': `${base}single-thread/wllama.wasm`,
			...(threads > 1 ? { 'multi-thread/wllama.wasm': `${base}multi-thread/wllama.wasm` } : {})
		});
		const contextLength = options.contextLength ?? DEFAULT_CONTEXT_LENGTH;
		onProgress?.({ phase: 'initialize', loadedBytes: 0, totalBytes: blob.size });
		try {
			await withDocumentBaseUri(base, () =>
				wllama.loadModel([blob], { n_ctx: contextLength, n_threads: threads, seed: NATIVE_SEED })
			);
		} catch (error) {
			await wllama.exit().catch(() => {});
			throw error;
		}
		onProgress?.({ phase: 'initialize', loadedBytes: blob.size, totalBytes: blob.size });
		this.#wllama = wllama;
		this.#fatal = null;
		this.#watchNestedWorker(wllama);
		const ctx = wllama.getLoadedContextInfo();
		const stopIds = [...new Set([ctx.token_eos, ctx.token_eot, ...ctx.list_tokens_eog])].filter(
			(id) => id >= 0
		);
		const usedThreads = wllama.getNumThreads();
		this.#info = {
			name: sourceName || fileName || ctx.metadata['general.name'] || 'model',
			vocabSize: ctx.n_vocab,
			contextLength: ctx.n_ctx,
			trainedContextLength: ctx.n_ctx_train > 0 ? ctx.n_ctx_train : null,
			bosId: ctx.token_bos >= 0 ? ctx.token_bos : null,
			eosId: ctx.token_eos >= 0 ? ctx.token_eos : null,
			stopIds,
			addBos: ctx.add_bos_token,
			chatTemplate: wllama.getChatTemplate(),
			sha256,
			sizeBytes: blob.size,
			storage,
			distribution: 'logprobs',
			backend: `${ENGINE_NAMES.wllama} (llama.cpp ${this.#options.libraryVersion} in wasm), ${usedThreads} thread${usedThreads === 1 ? '' : 's'}`
		};
		// wllama cannot list control tokens; the template's are found at the first chat.
		this.#info.specialIds = [
			...new Set([...stopIds, ...(ctx.token_bos >= 0 ? [ctx.token_bos] : [])])
		].sort((a, b) => a - b);
		return this.#info;
	}

	async unload(): Promise<void> {
		const wllama = this.#wllama;
		this.#wllama = null;
		this.#info = null;
		this.#context = [];
		this.#pieces.clear();
		this.#vocabulary = null;
		if (wllama && !this.#fatal) await wllama.exit().catch(() => {});
	}

	async tokenize(text: string, options: { special?: boolean } = {}): Promise<number[]> {
		const wllama = this.#require();
		return this.#guard(wllama.tokenize(text, options.special ?? true));
	}

	async tokenBytes(ids: readonly number[]): Promise<Uint8Array> {
		const wllama = this.#require();
		if (ids.length === 1) {
			const cached = this.#pieces.get(ids[0]);
			if (cached) return cached.slice();
			const bytes = await this.#guard(wllama.detokenize([ids[0]]));
			this.#pieces.set(ids[0], bytes.slice());
			return bytes;
		}
		return this.#guard(wllama.detokenize([...ids]));
	}

	/** The model's own Jinja template (tokenizer.chat_template), rendered in TypeScript. */
	async formatChat(messages: readonly ChatMessage[]): Promise<string> {
		this.#require();
		const { name, chatTemplate } = this.#info as ModelInfo;
		const { names } = await this.chatVocabulary();
		return renderChatTemplate({ modelName: name, template: chatTemplate, messages, tokens: names });
	}

	/**
	 * wllama cannot list the vocabulary's control tokens, so the strings of the template that
	 * look like special tokens are kept when they are one token with special parsing and several
	 * without: the special tokens a rendered template can hold, besides BOS and EOS.
	 */
	async chatVocabulary(): Promise<ChatVocabulary> {
		const wllama = this.#require();
		if (this.#vocabulary) return this.#vocabulary;
		const { bosId, eosId, chatTemplate } = this.#info as ModelInfo;
		const decoder = new TextDecoder();
		const names: TemplateTokenNames = {};
		const special: SpecialToken[] = [];
		for (const [key, id] of [
			['bos_token', bosId],
			['eos_token', eosId]
		] as const) {
			if (id === null) continue;
			const text = decoder.decode(await this.tokenBytes([id]));
			names[key] = text;
			if (text !== '' && !special.some((t) => t.id === id)) special.push({ id, text });
		}
		for (const text of specialTokenCandidates(chatTemplate ?? '')) {
			const ids = await this.#guard(wllama.tokenize(text, true));
			if (ids.length !== 1 || special.some((t) => t.id === ids[0])) continue;
			const plain = await this.#guard(wllama.tokenize(text, false));
			if (plain.length > 1) special.push({ id: ids[0], text });
		}
		this.#vocabulary = { special, names };
		return this.#vocabulary;
	}

	async evaluate(ids: readonly number[]): Promise<Float32Array> {
		const wllama = this.#require();
		const info = this.#info as ModelInfo;
		if (ids.length === 0) throw new RangeError('evaluate() needs at least one token');
		await this.#decode(wllama, ids);
		// getLogits(-1) returns softmax probabilities at T=1 for the whole vocabulary, sorted by
		// descending logit; map them back to vocabulary order as ln p.
		const entries = await this.#guard(wllama.getLogits(-1));
		const out = new Float32Array(info.vocabSize).fill(-Infinity);
		for (const { token, p } of entries) out[token] = Math.log(p);
		return out;
	}

	async rollback(length: number): Promise<void> {
		const wllama = this.#require();
		if (!Number.isInteger(length) || length < 0) throw new RangeError(`Bad length ${length}`);
		if (length >= this.#context.length) return;
		// kvRemove(0, -1) reports failure in wllama 2.4.0 even though it clears; use kvClear.
		if (length === 0) await this.#guard(wllama.kvClear());
		else await this.#guard(wllama.kvRemove(length, -1));
		this.#context = this.#context.slice(0, length);
	}

	nativeIgnoredParams(params: SamplingParams): IgnoredParam[] {
		return nativeIgnoredParams(params);
	}

	/**
	 * A native run: the prompt decoded from an empty context, then llama.cpp's own sampler picks,
	 * accepts and (before the next pick) decodes one token at a time, as wllama's own completion
	 * loop does. The context then holds what was decoded.
	 */
	async startNative(request: NativeRunRequest): Promise<NativeStream> {
		const wllama = this.#require();
		const info = this.#info as ModelInfo;
		const prompt = [...request.promptTokens];
		if (prompt.length === 0) throw new RangeError('A native run needs at least one prompt token');
		await this.rollback(0);
		await this.#decode(wllama, prompt);
		await this.#guard(
			wllama.samplingInit(wllamaSamplingConfig(request.params, info.contextLength), prompt)
		);
		let generated = 0;
		let undecoded: number | null = null;
		// The finish reason, once known: reported on one step, and the next step ends the stream.
		let ending: string | null = null;
		const finish = (reason: string): NativeStep => {
			ending ??= reason;
			return { sampled: [], done: false, finishReason: ending };
		};
		return {
			next: async (): Promise<NativeStep> => {
				if (ending !== null) return { sampled: [], done: true, finishReason: ending };
				if (generated >= request.maxNewTokens) return finish('length');
				if (undecoded !== null) {
					if (this.#context.length >= info.contextLength) return finish('length');
					await this.#decode(wllama, [undecoded]);
					undecoded = null;
				}
				// An interrupt during the decode ends the run before another pick.
				if (ending !== null) return finish(ending);
				const { token } = await this.#guard(wllama.samplingSample());
				await this.#guard(wllama.samplingAccept([token]));
				undecoded = token;
				generated++;
				return { sampled: [token], done: false, finishReason: null };
			},
			interrupt: () => {
				ending ??= 'abort';
			},
			close: async () => {
				ending ??= 'abort';
			}
		};
	}

	/** Appends `ids` to the context; a failed decode leaves it empty. */
	async #decode(wllama: WllamaLike, ids: readonly number[]): Promise<void> {
		const info = this.#info as ModelInfo;
		if (this.#context.length + ids.length > info.contextLength) {
			throw new ContextFullError(
				`The context holds ${info.contextLength} tokens; ${this.#context.length} are used and ${ids.length} more were given`
			);
		}
		try {
			await this.#guard(wllama.decode([...ids], {}));
		} catch (error) {
			// A failed decode leaves the KV cache in an unknown state: start the next call afresh.
			this.#context = [];
			await wllama.kvClear().catch(() => {});
			throw error;
		}
		this.#context.push(...ids);
	}

	#require(): WllamaLike {
		if (this.#fatal) throw this.#fatal;
		if (!this.#wllama || !this.#info) throw new ModelNotLoadedError();
		return this.#wllama;
	}

	/** Rejects `promise` early if wllama's own worker dies while it is pending. */
	#guard<T>(promise: Promise<T>): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			this.#rejectInFlight.add(reject);
			promise.then(resolve, reject).finally(() => this.#rejectInFlight.delete(reject));
		});
	}

	/**
	 * wllama runs llama.cpp in a worker of its own and only logs that worker's uncaught errors,
	 * so a crash there (e.g. out of memory) would leave our calls pending forever. Its worker is
	 * private; reach it defensively and fail every pending call instead.
	 */
	#watchNestedWorker(wllama: WllamaLike): void {
		const nested = (wllama as unknown as { proxy?: { worker?: Worker } }).proxy?.worker;
		nested?.addEventListener('error', (event) => {
			const message = (event as Partial<ErrorEvent>).message;
			const detail = typeof message === 'string' && message ? `: ${message}` : '';
			this.#fatal = new EngineCrashedError(`The wllama engine crashed${detail}`);
			for (const reject of this.#rejectInFlight) reject(this.#fatal);
			this.#rejectInFlight.clear();
			this.#wllama = null;
			this.#info = null;
			this.#context = [];
		});
	}
}
