import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import type { LoadProgress, ModelInfo, ModelSource, WebLlmModel } from '#lib/core/model';
import type { StoredWebLlmModel } from '#lib/engines/webllm/storage';
import type {
	GenerateRequest,
	GenerationEvent,
	LaneEvent,
	LanesRequest,
	LanesResult
} from '#lib/generation/types';
import type { GenerationResult } from '#lib/core/run';
import type { PromptInput } from '#lib/core/prompt';
import { validateGenerateRequest, validateLanesRequest } from '#lib/generation/validate';
import { validateSamplingParams, type SamplingParams } from '#lib/sampling';
import type { ExploredStep } from '#lib/explore/explorer';
import type { NodeView } from '#lib/explore/tree';
import type { InferenceApi, WorkerEnvironment, WorkerLoadOptions } from './protocol';

/** The worker died (or its engine did) while a call was pending; a fresh worker has started. */
export class WorkerCrashedError extends Error {
	override name = 'WorkerCrashedError';
}

export type ClientStatusEvent = {
	type: 'worker-restarted';
	/** Why the old worker was replaced. */
	reason: string;
	/** The model that was loaded in the old worker (it must be loaded again). */
	lostModel: ModelInfo | null;
};

export interface InferenceClientOptions {
	/** Absolute URL of the folder with `single-thread/` and `multi-thread/` wllama.wasm. */
	wasmBaseUrl: string;
	/** Creates the worker; tests may substitute their own. */
	createWorker?: () => Worker;
}

export interface ClientLoadOptions extends WorkerLoadOptions {
	onProgress?: (progress: LoadProgress) => void;
}

interface Connection {
	worker: Worker;
	remote: Remote<InferenceApi>;
	/** Rejects when this worker crashes, so pending calls do not hang. */
	crashed: Promise<never>;
	crash: (error: WorkerCrashedError) => void;
}

const ENGINE_CRASH_NAMES = new Set(['EngineCrashedError']);

function defaultWorker(): Worker {
	return new Worker(new URL('./inference.worker.ts', import.meta.url), {
		type: 'module',
		name: 'inference'
	});
}

/** The page's typed handle on the inference worker. */
export class InferenceClient {
	#options: InferenceClientOptions;
	#connection: Connection;
	#model: ModelInfo | null = null;
	#listeners = new Set<(event: ClientStatusEvent) => void>();
	#disposed = false;

	constructor(options: InferenceClientOptions) {
		this.#options = options;
		this.#connection = this.#connect();
	}

	/** The model loaded in the worker now, or null. */
	get model(): ModelInfo | null {
		return this.#model;
	}

	/** Subscribes to worker restarts; returns the unsubscribe function. */
	onStatus(listener: (event: ClientStatusEvent) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	environment(): Promise<WorkerEnvironment> {
		return this.#call((remote) => remote.environment());
	}

	async loadModel(source: ModelSource, options: ClientLoadOptions = {}): Promise<ModelInfo> {
		const { onProgress, ...workerOptions } = options;
		this.#model = null;
		const absolute: ModelSource =
			source.kind === 'url' ? { ...source, url: new URL(source.url, location.href).href } : source;
		const model = await this.#call((remote) =>
			remote.loadModel(absolute, workerOptions, onProgress ? proxy(onProgress) : undefined)
		);
		this.#model = model;
		return model;
	}

	cancelLoad(): Promise<void> {
		return this.#call((remote) => remote.cancelLoad());
	}

	async unloadModel(): Promise<void> {
		this.#model = null;
		await this.#call((remote) => remote.unloadModel());
	}

	tokenize(text: string, options: { special?: boolean; addBos?: boolean } = {}): Promise<number[]> {
		return this.#call((remote) => remote.tokenize(text, options));
	}

	tokenPieces(ids: number[]): Promise<string[]> {
		return this.#call((remote) => remote.tokenPieces(ids));
	}

	/**
	 * Runs one generation. Invalid requests are rejected here, before the worker is involved
	 * (the worker checks again). `onEvent` receives the start event and every token.
	 */
	async generate(
		request: GenerateRequest,
		onEvent?: (event: GenerationEvent) => void
	): Promise<GenerationResult> {
		if (this.#model) validateGenerateRequest(request, this.#model, { validateSamplingParams });
		return this.#call((remote) => remote.generate(request, onEvent ? proxy(onEvent) : undefined));
	}

	/**
	 * Runs lanes on the loaded model with the prompt evaluated once (see
	 * {@link InferenceApi.generateLanes}). A request whose shared fields are invalid is rejected
	 * here; each lane's own settings are checked in the worker and reported in its outcome.
	 */
	async generateLanes(
		request: LanesRequest,
		onEvent?: (event: LaneEvent) => void
	): Promise<LanesResult> {
		if (this.#model) validateLanesRequest(request, this.#model);
		return this.#call((remote) =>
			remote.generateLanes(request, onEvent ? proxy(onEvent) : undefined)
		);
	}

	exploreStart(input: PromptInput): Promise<NodeView[]> {
		return this.#call((remote) => remote.exploreStart(input));
	}

	exploreNodes(): Promise<NodeView[]> {
		return this.#call((remote) => remote.exploreNodes());
	}

	exploreStep(nodeId: number, params: SamplingParams, pick?: number): Promise<ExploredStep> {
		return this.#call((remote) => remote.exploreStep(nodeId, params, pick));
	}

	exploreResample(
		params: SamplingParams,
		maxSteps: number,
		onStep?: (step: ExploredStep) => void
	): Promise<ExploredStep[]> {
		return this.#call((remote) =>
			remote.exploreResample(params, maxSteps, onStep ? proxy(onStep) : undefined)
		);
	}

	/** Ends the running generation after the current token (for lanes: every lane). */
	stop(): Promise<void> {
		return this.#call((remote) => remote.stop());
	}

	/** For tests: makes the worker crash, which restarts it. */
	simulateCrash(): Promise<void> {
		return this.#call((remote) => remote.simulateCrash());
	}

	storedWebLlmModels(models: WebLlmModel[]): Promise<StoredWebLlmModel[]> {
		return this.#call((remote) => remote.storedWebLlmModels(models));
	}

	deleteStoredWebLlmModel(model: WebLlmModel): Promise<void> {
		return this.#call((remote) => remote.deleteStoredWebLlmModel(model));
	}

	dispose(): void {
		this.#disposed = true;
		this.#connection.crash(new WorkerCrashedError('The inference client was disposed'));
		this.#close(this.#connection);
	}

	#connect(): Connection {
		const worker = (this.#options.createWorker ?? defaultWorker)();
		let crash: (error: WorkerCrashedError) => void = () => {};
		const crashed = new Promise<never>((_, reject) => {
			crash = reject;
		});
		crashed.catch(() => {});
		const remote = wrap<InferenceApi>(worker);
		const connection: Connection = { worker, remote, crashed, crash };
		worker.addEventListener('error', (event) => {
			event.preventDefault();
			this.#restart(connection, event.message || 'the inference worker failed');
		});
		worker.addEventListener('messageerror', () => {
			this.#restart(connection, 'the inference worker sent a message that could not be read');
		});
		remote.configure({ wasmBaseUrl: this.#options.wasmBaseUrl }).catch((error: unknown) => {
			this.#restart(connection, `the inference worker could not start: ${String(error)}`);
		});
		return connection;
	}

	#close(connection: Connection): void {
		connection.remote[releaseProxy]();
		connection.worker.terminate();
	}

	#restart(connection: Connection, reason: string): void {
		if (connection !== this.#connection || this.#disposed) return;
		const lostModel = this.#model;
		this.#model = null;
		connection.crash(
			new WorkerCrashedError(`The inference worker crashed (${reason}) and was restarted`)
		);
		this.#close(connection);
		this.#connection = this.#connect();
		for (const listener of this.#listeners)
			listener({ type: 'worker-restarted', reason, lostModel });
	}

	async #call<T>(fn: (remote: Remote<InferenceApi>) => Promise<T>): Promise<T> {
		const connection = this.#connection;
		if (this.#disposed) throw new WorkerCrashedError('The inference client was disposed');
		try {
			return await Promise.race([fn(connection.remote), connection.crashed]);
		} catch (error) {
			if (error instanceof Error && ENGINE_CRASH_NAMES.has(error.name)) {
				this.#restart(connection, error.message);
			}
			throw error;
		}
	}
}
