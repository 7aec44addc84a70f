import type {
	ChatCompletionChunk,
	ChatCompletionRequestStreaming,
	ChatOptions,
	Completion,
	CompletionCreateParamsStreaming,
	LogitProcessor,
	MLCEngineConfig
} from '@mlc-ai/web-llm';
import type { MlcEngineLike } from '../webllm';

/**
 * A stand-in for WebLLM 0.2.86's MLCEngine, implementing only the methods the adapter calls.
 * `logits(context)` plays the model. Its sampling step works like WebLLM's: the registered
 * logit processor first, then its own logit bias, penalties and temperature (from the chat
 * options or the request), then a random draw, then `processSampledToken`. Its streams hold a
 * lock from their first step to their end, as WebLLM's do.
 */
export interface FakeMlcScript {
	logits: (context: readonly number[]) => Float32Array;
	/** Overrides the sampled token (to simulate a sampler that ignores the processor). */
	tamper?: (forced: number) => number;
	/** Makes `reload` fail with this error. */
	reloadError?: unknown;
	/** Makes `reload` wait until `unload()` is called, then resolve quietly (as an aborted reload does). */
	reloadHangs?: boolean;
	/** Text for token ids in stream chunks (WebLLM's chunks carry text only). */
	text?: (id: number) => string;
	/** Tokens after which the fake's "model" stops on its own (its conversation's stop ids). */
	stopIds?: number[];
}

export interface Forward {
	ids: number[];
	isPrefill: boolean;
}

export class FakeMlcEngine implements MlcEngineLike {
	readonly calls: string[] = [];
	readonly forwarded: Forward[] = [];
	/** Copies of every array the logit processor returned. */
	readonly processed: Float32Array[] = [];
	/** Every token the fake's sampler returned. */
	readonly sampled: number[] = [];
	readonly requests: (CompletionCreateParamsStreaming | ChatCompletionRequestStreaming)[] = [];
	chatOptions: ChatOptions | undefined;
	context: number[] = [];
	lockHeld = false;
	streamsFinished = 0;
	#waiting: (() => void)[] = [];
	#interrupted = false;
	#unloaded: (() => void) | null = null;
	#rng = 12345;
	readonly config: MLCEngineConfig;
	readonly script: FakeMlcScript;

	constructor(config: MLCEngineConfig, script: FakeMlcScript) {
		this.config = config;
		this.script = script;
	}

	get #processor(): LogitProcessor | undefined {
		const modelId = this.config.appConfig?.model_list[0]?.model_id ?? '';
		return this.config.logitProcessorRegistry?.get(modelId);
	}

	async reload(modelId: string, chatOpts?: ChatOptions): Promise<void> {
		this.calls.push(`reload ${modelId}`);
		this.chatOptions = chatOpts;
		const report = this.config.initProgressCallback;
		report?.({ progress: 0, timeElapsed: 0, text: 'Start to fetch params' });
		if (this.script.reloadHangs) {
			await new Promise<void>((resolve) => (this.#unloaded = resolve));
			return;
		}
		if (this.script.reloadError !== undefined) throw this.script.reloadError;
		report?.({
			progress: 0.5,
			timeElapsed: 1,
			text: 'Fetching param cache[1/2]: 10MB fetched. 50% completed, 1 secs elapsed.'
		});
		report?.({ progress: 1, timeElapsed: 2, text: 'Finish loading on WebGPU - fake adapter' });
	}

	async unload(): Promise<void> {
		this.calls.push('unload');
		this.#unloaded?.();
		this.#unloaded = null;
	}

	async resetChat(): Promise<void> {
		this.calls.push('resetChat');
		this.context = [];
		this.#processor?.resetState();
	}

	async interruptGenerate(): Promise<void> {
		this.calls.push('interruptGenerate');
		this.#interrupted = true;
	}

	async forwardTokensAndSample(inputIds: number[], isPrefill: boolean): Promise<number> {
		this.forwarded.push({ ids: [...inputIds], isPrefill });
		this.context.push(...inputIds);
		// forwardTokensAndSample passes no generation config: WebLLM uses the chat options.
		return this.#sample({});
	}

	/** WebLLM's order: logit processor, logit bias, penalties, temperature, draw. */
	#sample(request: {
		temperature?: number | null;
		repetition_penalty?: number | null;
		frequency_penalty?: number | null;
		presence_penalty?: number | null;
		logit_bias?: Record<string, number> | null;
	}): number {
		let logits: Float32Array = this.script.logits(this.context).slice();
		const processor = this.#processor;
		if (processor) {
			logits = processor.processLogits(logits);
			this.processed.push(logits.slice());
		}
		for (const [id, bias] of Object.entries(request.logit_bias ?? {})) logits[Number(id)] += bias;
		const repetition = request.repetition_penalty ?? this.chatOptions?.repetition_penalty ?? 1;
		const frequency = request.frequency_penalty ?? this.chatOptions?.frequency_penalty ?? 0;
		const presence = request.presence_penalty ?? this.chatOptions?.presence_penalty ?? 0;
		const counts = new Map<number, number>();
		for (const id of this.context) counts.set(id, (counts.get(id) ?? 0) + 1);
		for (const [id, count] of counts) {
			if (id >= logits.length) continue;
			const value = logits[id];
			logits[id] = value > 0 ? value / repetition : value * repetition;
			logits[id] -= count * frequency + presence;
		}
		const temperature = Math.max(1e-6, request.temperature ?? this.chatOptions?.temperature ?? 1);
		let max = -Infinity;
		for (const value of logits) max = Math.max(max, value / temperature);
		const weights = Array.from(logits, (value) => Math.exp(value / temperature - max));
		const total = weights.reduce((a, b) => a + b, 0);
		this.#rng = (this.#rng * 1103515245 + 12345) % 2 ** 31;
		let u = (this.#rng / 2 ** 31) * total;
		let token = weights.length - 1;
		for (let i = 0; i < weights.length; i++) {
			u -= weights[i];
			if (u < 0 && weights[i] > 0) {
				token = i;
				break;
			}
		}
		token = this.script.tamper ? this.script.tamper(token) : token;
		this.sampled.push(token);
		processor?.processSampledToken(token);
		return token;
	}

	async #acquire(): Promise<void> {
		if (!this.lockHeld) {
			this.lockHeld = true;
			return;
		}
		await new Promise<void>((resolve) => this.#waiting.push(resolve));
	}

	#release(): void {
		const next = this.#waiting.shift();
		if (next) next();
		else this.lockHeld = false;
	}

	async *#stream(
		prompt: readonly number[],
		request: CompletionCreateParamsStreaming | ChatCompletionRequestStreaming,
		chunk: (text: string, finish: 'stop' | 'length' | 'abort' | null) => unknown
	): AsyncGenerator<unknown, void, void> {
		await this.#acquire();
		try {
			this.#interrupted = false;
			if (request.seed != null) this.#rng = request.seed;
			this.context = [...prompt];
			let finish: 'stop' | 'length' | 'abort' = 'stop';
			for (let produced = 0; ;) {
				if (this.#interrupted) {
					finish = 'abort';
					break;
				}
				const token = this.#sample(request);
				this.context.push(token);
				produced++;
				yield chunk(this.script.text?.(token) ?? '', null);
				if (this.script.stopIds?.includes(token)) break;
				if (produced >= (request.max_tokens ?? Infinity)) {
					finish = 'length';
					break;
				}
			}
			yield chunk('', finish);
		} finally {
			this.streamsFinished++;
			this.#release();
		}
	}

	async completion(request: CompletionCreateParamsStreaming): Promise<AsyncIterable<Completion>> {
		this.calls.push('completion');
		this.requests.push(request);
		const prompt = Array.from(new TextEncoder().encode(request.prompt));
		return this.#stream(prompt, request, (text, finish_reason) => ({
			id: 'c',
			object: 'text_completion',
			created: 0,
			model: 'fake',
			choices: [{ index: 0, text, finish_reason }]
		})) as AsyncIterable<Completion>;
	}

	async chatCompletion(
		request: ChatCompletionRequestStreaming
	): Promise<AsyncIterable<ChatCompletionChunk>> {
		this.calls.push('chatCompletion');
		this.requests.push(request);
		return this.#stream([], request, (content, finish_reason) => ({
			id: 'c',
			object: 'chat.completion.chunk',
			created: 0,
			model: 'fake',
			choices: [{ index: 0, delta: { content, role: 'assistant' }, finish_reason }]
		})) as AsyncIterable<ChatCompletionChunk>;
	}
}
