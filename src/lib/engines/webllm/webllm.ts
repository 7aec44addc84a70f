import type {
	ChatCompletionChunk,
	ChatCompletionRequestStreaming,
	ChatOptions,
	Completion,
	CompletionCreateParamsStreaming,
	MLCEngineConfig
} from '@mlc-ai/web-llm';
import type { IgnoredParam } from '#lib/core/run';
import { chatMessages, type ChatMessage, type PromptInput } from '#lib/core/prompt';
import type { SamplingParams } from '#lib/sampling';
import { ContextFullError, ModelNotLoadedError, UnsupportedSourceError } from '../errors';
import type {
	EvaluateOptions,
	LoadOptions,
	NativeRunRequest,
	NativeSamplingEngine,
	NativeStream
} from '../types';
import type { ModelInfo, ModelSource, WebLlmModel } from '#lib/core/model';
import { readCachedOrFetch, type FileReader } from './cache';
import { ChatTemplateError, renderConversation } from './chat-template';
import {
	effectiveTemplate,
	exactModeChatOptions,
	parseChatConfig,
	webLlmAppConfig,
	webLlmModelBaseUrl,
	type ConvTemplate,
	type MlcChatConfig
} from './config';
import {
	abortError,
	checkWebGpu,
	EngineLoadError,
	toEngineLoadError,
	type GpuLike
} from './errors';
import { SamplerBridge } from './logits';
import {
	nativeIgnoredParams,
	nativeSamplingFields,
	streamChunks,
	WebLlmNativeStream
} from './native';
import { gpuLabelFrom, mapInitProgress } from './progress';
import { tokenizerFacts, tokenStringBytes, type TokenizerFacts } from './token-bytes';
import { loadTokenizerFromJson, type TokenizerLike } from './tokenizer';

/** The version of @mlc-ai/web-llm pinned in package.json, for display. */
export const WEBLLM_VERSION = '0.2.86';

/** Exactly the MLCEngine methods this adapter calls (unit tests pass a fake). */
export interface MlcEngineLike {
	reload(modelId: string, chatOpts?: ChatOptions): Promise<void>;
	unload(): Promise<void>;
	forwardTokensAndSample(inputIds: number[], isPrefill: boolean): Promise<number>;
	resetChat(keepStats?: boolean): Promise<void>;
	interruptGenerate(): Promise<void> | void;
	completion(request: CompletionCreateParamsStreaming): Promise<AsyncIterable<Completion>>;
	chatCompletion(
		request: ChatCompletionRequestStreaming
	): Promise<AsyncIterable<ChatCompletionChunk>>;
}

export type MlcEngineFactory = (config: MLCEngineConfig) => MlcEngineLike | Promise<MlcEngineLike>;

/** WebLLM's MLCEngine, run directly in the calling (inference) worker; loaded on first use. */
export const createMlcEngine: MlcEngineFactory = async (config) => {
	const { MLCEngine } = await import('@mlc-ai/web-llm');
	return new MLCEngine(config);
};

export interface WebLlmEngineOptions {
	createMlcEngine?: MlcEngineFactory;
	/** Reads `mlc-chat-config.json` and `tokenizer.json` (default: WebLLM's cache, then fetch). */
	readFile?: FileReader;
	loadTokenizer?: (json: ArrayBuffer) => Promise<TokenizerLike>;
	/** `navigator.gpu` (tests pass a stand-in). */
	gpu?: () => GpuLike | undefined;
}

/** WebLLM's sampler returned another token than the one forced (never expected). */
export class ForcedTokenError extends Error {
	override name = 'ForcedTokenError';
}

interface Loaded {
	mlc: MlcEngineLike;
	bridge: SamplerBridge;
	model: WebLlmModel;
	info: ModelInfo;
	template: ConvTemplate;
	tokenizer: TokenizerLike;
	facts: TokenizerFacts;
	/** Text of `system_prefix_token_ids` when they are more than a BOS (rendered before chats). */
	chatPrefix: string;
}

function defaultGpu(): GpuLike | undefined {
	return (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
}

/** Settles like `promise`, or rejects with an AbortError as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
	if (!signal) return promise;
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(abortError());
		if (signal.aborted) onAbort();
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
	});
}

/**
 * The WebGPU engine: WebLLM's MLCEngine inside our inference worker. In exact mode our sampler
 * picks every token from the full logits (see {@link SamplerBridge}); in native mode
 * (`startNative`) WebLLM's own GPU sampler picks them instead.
 */
export class WebLlmEngine implements NativeSamplingEngine {
	readonly engineId = 'webllm' as const;
	readonly rollbackReplays = true;
	#createMlc: MlcEngineFactory;
	#readFile: FileReader;
	#loadTokenizer: (json: ArrayBuffer) => Promise<TokenizerLike>;
	#gpu: () => GpuLike | undefined;
	#loaded: Loaded | null = null;
	/** Token ids in WebLLM's KV cache, in order. */
	#context: number[] = [];
	/** The KV cache holds something `#context` does not describe (after a native run or a failure). */
	#kvStale = false;
	#pieces = new Map<number, Uint8Array>();
	/** Releases what a cancelled load leaves behind; awaited before the next load. */
	#cleanup: Promise<void> | null = null;

	constructor(options: WebLlmEngineOptions = {}) {
		this.#createMlc = options.createMlcEngine ?? createMlcEngine;
		this.#readFile = options.readFile ?? readCachedOrFetch;
		this.#loadTokenizer = options.loadTokenizer ?? loadTokenizerFromJson;
		this.#gpu = options.gpu ?? defaultGpu;
	}

	get contextUsed(): number {
		return this.#context.length;
	}

	get model(): ModelInfo | null {
		return this.#loaded?.info ?? null;
	}

	async load(source: ModelSource, options: LoadOptions = {}): Promise<ModelInfo> {
		if (source.kind !== 'webllm') {
			throw new UnsupportedSourceError(
				'The WebGPU engine runs WebLLM models; GGUF files need the CPU engine'
			);
		}
		await this.unload();
		const { onProgress, signal } = options;
		const model = source.model;
		signal?.throwIfAborted();
		onProgress?.({ phase: 'download', loadedBytes: 0, totalBytes: 0, detail: 'Checking WebGPU' });
		await checkWebGpu(this.#gpu(), model.requiredFeatures);
		signal?.throwIfAborted();

		const bridge = new SamplerBridge();
		let lastReport = '';
		let mlc: MlcEngineLike;
		try {
			mlc = await this.#createMlc({
				appConfig: webLlmAppConfig(model),
				logitProcessorRegistry: new Map([[model.id, bridge]]),
				initProgressCallback: (report) => {
					lastReport = report.text;
					if (!signal?.aborted) onProgress?.(mapInitProgress(report));
				}
			});
		} catch (error) {
			throw toEngineLoadError(error);
		}
		const contextLength = options.contextLength ?? model.contextWindow;
		// WebLLM's unload() aborts its downloads, but a reload busy compiling shaders runs on, and
		// an aborted reload resolves quietly. So a cancelled load rejects at once and the engine
		// is released when WebLLM is done; the next load waits for that.
		const reload = mlc.reload(model.id, exactModeChatOptions(contextLength));
		const onAbort = () => void mlc.unload().catch(() => {});
		signal?.addEventListener('abort', onAbort, { once: true });
		try {
			await abortable(reload, signal);
			signal?.throwIfAborted();
			const loaded = await this.#describe(mlc, bridge, model, contextLength, lastReport, signal);
			signal?.throwIfAborted();
			this.#loaded = loaded;
			this.#context = [];
			this.#kvStale = false;
			return loaded.info;
		} catch (error) {
			this.#cleanup = reload
				.then(
					() => {},
					() => {}
				)
				.then(() => mlc.unload())
				.catch(() => {});
			if (signal?.aborted) throw abortError();
			await this.#cleanup;
			throw toEngineLoadError(error);
		} finally {
			signal?.removeEventListener('abort', onAbort);
		}
	}

	/** Reads the model's chat config and tokenizer (WebLLM keeps both private). */
	async #describe(
		mlc: MlcEngineLike,
		bridge: SamplerBridge,
		model: WebLlmModel,
		contextLength: number | undefined,
		lastReport: string,
		signal: AbortSignal | undefined
	): Promise<Loaded> {
		const base = webLlmModelBaseUrl(model.modelUrl);
		const config: MlcChatConfig = parseChatConfig(
			await this.#readFile(new URL('mlc-chat-config.json', base).href, 'webllm/config', signal)
		);
		if (!config.tokenizer_files.includes('tokenizer.json')) {
			throw new EngineLoadError(
				'other',
				'This model comes without a tokenizer.json, which exact sampling needs to show and count tokens. Pick another build of the model.'
			);
		}
		const json = await this.#readFile(new URL('tokenizer.json', base).href, 'webllm/model', signal);
		const facts = tokenizerFacts(
			json,
			config.tokenizer_info?.token_postproc_method ?? config.token_table_postproc_method
		);
		const tokenizer = await this.#loadTokenizer(json);
		const template = effectiveTemplate(config);
		const bosId = Number.isInteger(config.bos_token_id) ? (config.bos_token_id as number) : null;
		const prefix = template.system_prefix_token_ids ?? [];
		const onlyBos = bosId !== null && prefix.length === 1 && prefix[0] === bosId;
		const inVocab = (id: unknown): id is number =>
			Number.isInteger(id) && (id as number) >= 0 && (id as number) < config.vocab_size;
		const eosIds = [config.eos_token_id ?? []].flat().filter(inVocab);
		const stopIds = [...new Set([...(template.stop_token_ids ?? []), ...eosIds])].filter(inVocab);
		const trained = config.model_config?.context_window_size;
		const windowSize =
			config.context_window_size > 0 ? config.context_window_size : config.sliding_window_size;
		const gpu = gpuLabelFrom(lastReport);
		const info: ModelInfo = {
			name: model.name,
			vocabSize: config.vocab_size,
			contextLength: contextLength ?? (windowSize && windowSize > 0 ? windowSize : 4096),
			trainedContextLength: typeof trained === 'number' && trained > 0 ? trained : null,
			bosId,
			eosId: eosIds[0] ?? stopIds[0] ?? null,
			stopIds,
			addBos: onlyBos,
			chatTemplate: null,
			sha256: null,
			sizeBytes: null,
			storage: null,
			distribution: 'logits',
			backend: `WebGPU (WebLLM ${WEBLLM_VERSION})${gpu ? `, ${gpu.replace(/^WebGPU - /, '')}` : ''}`
		};
		const loaded: Loaded = {
			mlc,
			bridge,
			model,
			info,
			template,
			tokenizer,
			facts,
			chatPrefix: ''
		};
		if (!onlyBos && prefix.length > 0) {
			loaded.chatPrefix = new TextDecoder().decode(this.#bytesOf(loaded, prefix));
		}
		return loaded;
	}

	async unload(): Promise<void> {
		const cleanup = this.#cleanup;
		this.#cleanup = null;
		await cleanup;
		const loaded = this.#loaded;
		this.#loaded = null;
		this.#context = [];
		this.#kvStale = false;
		this.#pieces.clear();
		if (!loaded) return;
		loaded.tokenizer.dispose();
		await loaded.mlc.unload().catch(() => {});
	}

	/**
	 * Text → ids with the model's own tokenizer. Like Hugging Face tokenizers, it always turns the
	 * text of added tokens (e.g. `<|im_end|>`) into those tokens, whatever `special` says.
	 */
	async tokenize(text: string): Promise<number[]> {
		return Array.from(this.#require().tokenizer.encode(text));
	}

	async tokenBytes(ids: readonly number[]): Promise<Uint8Array> {
		return this.#bytesOf(this.#require(), ids);
	}

	#bytesOf(loaded: Loaded, ids: readonly number[]): Uint8Array {
		if (ids.length === 1) return this.#pieceOf(loaded, ids[0]).slice();
		const parts = ids.map((id) => this.#pieceOf(loaded, id));
		const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
		let offset = 0;
		for (const part of parts) {
			out.set(part, offset);
			offset += part.length;
		}
		return out;
	}

	#pieceOf(loaded: Loaded, id: number): Uint8Array {
		let piece = this.#pieces.get(id);
		if (!piece) {
			const added = loaded.facts.addedTokens.get(id);
			piece =
				added !== undefined
					? new TextEncoder().encode(added)
					: tokenStringBytes(loaded.tokenizer.idToToken(id), loaded.facts.spelling);
			this.#pieces.set(id, piece);
		}
		return piece;
	}

	async formatChat(messages: readonly ChatMessage[]): Promise<string> {
		const loaded = this.#require();
		return loaded.chatPrefix + renderConversation(loaded.template, messages).join('');
	}

	async evaluate(ids: readonly number[], options: EvaluateOptions = {}): Promise<Float32Array> {
		const { mlc, bridge, info } = this.#require();
		if (ids.length === 0) throw new RangeError('evaluate() needs at least one token');
		if (this.#kvStale) await this.rollback(0);
		if (this.#context.length + ids.length > info.contextLength) {
			throw new ContextFullError(
				`The context holds ${info.contextLength} tokens; ${this.#context.length} are used and ${ids.length} more were given`
			);
		}
		bridge.mode = 'exact';
		bridge.prepare(options.pick ?? null);
		let sampled: number;
		try {
			sampled = await mlc.forwardTokensAndSample([...ids], this.#context.length === 0);
		} catch (error) {
			this.#kvStale = true;
			throw error;
		}
		this.#context.push(...ids);
		bridge.sampled.length = 0;
		const distribution = bridge.captured;
		if (!distribution) throw new Error('WebLLM did not hand the logits to the logit processor');
		if (bridge.pickError !== null) throw bridge.pickError;
		if (sampled !== bridge.forced) {
			throw new ForcedTokenError(
				`WebLLM's sampler returned token ${sampled} although token ${bridge.forced} was forced`
			);
		}
		if (distribution.length !== info.vocabSize) {
			throw new Error(
				`WebLLM gave ${distribution.length} logits; the model's vocabulary has ${info.vocabSize}`
			);
		}
		return distribution;
	}

	/**
	 * WebLLM has no public way to drop entries from its KV cache, so this resets the chat (empty
	 * cache) and runs the first `length` remembered tokens through the model again: exact, but it
	 * costs a prefill of `length` tokens. Rolling back to 0 is just the reset.
	 */
	async rollback(length: number): Promise<void> {
		const { mlc, bridge } = this.#require();
		if (!Number.isInteger(length) || length < 0) throw new RangeError(`Bad length ${length}`);
		if (length >= this.#context.length && !this.#kvStale) return;
		const keep = this.#context.slice(0, length);
		this.#context = [];
		this.#kvStale = true;
		await mlc.resetChat();
		this.#kvStale = false;
		if (keep.length === 0) return;
		bridge.mode = 'exact';
		bridge.prepare(null);
		try {
			await mlc.forwardTokensAndSample(keep, true);
		} catch (error) {
			this.#kvStale = true;
			throw error;
		}
		bridge.sampled.length = 0;
		this.#context = keep;
	}

	/** The prompt's ids as WebLLM feeds them in native mode (it encodes each chat turn apart). */
	async nativePromptTokens(input: PromptInput): Promise<number[]> {
		const loaded = this.#require();
		const encode = (text: string) => Array.from(loaded.tokenizer.encode(text));
		if (input.mode === 'completion') return encode(input.prompt);
		const parts = renderConversation(loaded.template, chatMessages(input));
		return [...(loaded.template.system_prefix_token_ids ?? []), ...parts.flatMap(encode)];
	}

	nativeIgnoredParams(params: SamplingParams, seed: number): IgnoredParam[] {
		return nativeIgnoredParams(params, seed);
	}

	/** Starts a streamed request on WebLLM's own GPU sampler (native mode). */
	async startNative(request: NativeRunRequest): Promise<NativeStream> {
		const { mlc, bridge } = this.#require();
		const { input } = request;
		// WebLLM's requests bring their own conversation state; start them from an empty cache.
		this.#context = [];
		this.#kvStale = true;
		await mlc.resetChat();
		bridge.mode = 'native';
		bridge.sampled.length = 0;
		const fields = {
			...nativeSamplingFields(request.params, request.seed),
			max_tokens: request.maxNewTokens,
			...(request.stopSequences.length ? { stop: [...request.stopSequences] } : {})
		};
		try {
			const stream =
				input.mode === 'completion'
					? await mlc.completion({ ...fields, prompt: input.prompt, stream: true })
					: await mlc.chatCompletion({
							...fields,
							messages: chatMessages(input).map((m: ChatMessage) => ({
								role: m.role,
								content: m.content
							})),
							stream: true
						});
			return new WebLlmNativeStream(streamChunks(stream), {
				takeSampled: () => bridge.sampled.splice(0),
				interrupt: () => mlc.interruptGenerate(),
				onClose: () => {
					bridge.mode = 'exact';
				}
			});
		} catch (error) {
			bridge.mode = 'exact';
			throw error;
		}
	}

	#require(): Loaded {
		if (!this.#loaded) throw new ModelNotLoadedError();
		return this.#loaded;
	}
}

export { ChatTemplateError };
