import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import type { ModelInfo } from '#lib/core/model';
import { validateGenerateRequest, validateLanesRequest } from '#lib/generation/validate';
import { validateSamplingParams } from '#lib/sampling';
import type { InferenceApi, WorkerLoadOptions } from './protocol';
import { unbatching } from './event-batches';

/**
 * The page's side of the inference worker: starts it (and a fresh one after a crash), checks
 * requests before sending them and forwards every protocol call. Called by the app's state.
 */

/** The worker died (or its engine did) while a call was pending; a fresh worker has started. */
export class WorkerCrashedError extends Error {
	override name = 'WorkerCrashedError';

	constructor(
		/** Why the worker was replaced, as the browser or its engine reported it. */
		readonly reason: string,
		message = `The inference worker crashed (${reason}) and was restarted`
	) {
		super(message);
	}
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
	/** Absolute URL of our llama.cpp module's wasm. */
	engineWasmUrl: string;
	/** Creates the worker; tests may substitute their own. */
	createWorker?: () => Worker;
}

export interface ClientLoadOptions extends WorkerLoadOptions {
	onProgress?: Parameters<InferenceApi['loadModel']>[2];
}

/** A protocol method as the page calls it: always async. */
type Async<Method> = Method extends (...args: infer Args) => infer Result
	? (...args: Args) => Promise<Awaited<Result>>
	: never;

/**
 * The worker protocol as the page calls it: every {@link InferenceApi} method, async, except
 * `configure` (sent by the client itself when it starts a worker); `loadModel` takes its
 * progress callback among the options. The client implements it, so the two cannot drift.
 */
export type InferenceClientApi = {
	readonly [Method in Exclude<keyof InferenceApi, 'configure' | 'loadModel'>]: Async<
		InferenceApi[Method]
	>;
} & {
	readonly loadModel: (
		source: Parameters<InferenceApi['loadModel']>[0],
		options?: ClientLoadOptions
	) => Promise<ModelInfo>;
};

type Api = InferenceClientApi;

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
export class InferenceClient implements InferenceClientApi {
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

	readonly environment: Api['environment'] = () => this.#call((remote) => remote.environment());

	readonly loadModel: Api['loadModel'] = async (source, options = {}) => {
		const { onProgress, ...workerOptions } = options;
		this.#model = null;
		const absolute: typeof source =
			source.kind === 'url' ? { ...source, url: new URL(source.url, location.href).href } : source;
		const model = await this.#call((remote) =>
			remote.loadModel(absolute, workerOptions, onProgress ? proxy(onProgress) : undefined)
		);
		this.#model = model;
		return model;
	};

	readonly cancelLoad: Api['cancelLoad'] = () => this.#call((remote) => remote.cancelLoad());

	readonly unloadModel: Api['unloadModel'] = async () => {
		this.#model = null;
		await this.#call((remote) => remote.unloadModel());
	};

	readonly tokenize: Api['tokenize'] = (text, options = {}) =>
		this.#call((remote) => remote.tokenize(text, options));

	readonly tokenPieces: Api['tokenPieces'] = (ids) =>
		this.#call((remote) => remote.tokenPieces(ids));

	readonly renderPrompt: Api['renderPrompt'] = (input) =>
		this.#call((remote) => remote.renderPrompt(input));

	/**
	 * Runs one generation. Invalid requests are rejected here, before the worker is involved
	 * (the worker checks again). `onEvent` receives the start event and every token.
	 */
	readonly generate: Api['generate'] = async (request, onEvent) => {
		if (this.#model) validateGenerateRequest(request, this.#model, { validateSamplingParams });
		return this.#call((remote) =>
			remote.generate(request, onEvent ? proxy(unbatching(onEvent)) : undefined)
		);
	};

	/**
	 * Runs lanes on the loaded model with the prompt evaluated once (see
	 * {@link InferenceApi.generateLanes}). A request whose shared fields are invalid is rejected
	 * here; each lane's own settings are checked in the worker and reported in its outcome.
	 */
	readonly generateLanes: Api['generateLanes'] = async (request, onEvent) => {
		if (this.#model) validateLanesRequest(request, this.#model);
		return this.#call((remote) =>
			remote.generateLanes(request, onEvent ? proxy(unbatching(onEvent)) : undefined)
		);
	};

	readonly exploreStart: Api['exploreStart'] = (input) =>
		this.#call((remote) => remote.exploreStart(input));

	readonly exploreNodes: Api['exploreNodes'] = () => this.#call((remote) => remote.exploreNodes());

	readonly exploreStep: Api['exploreStep'] = (nodeId, params, pick) =>
		this.#call((remote) => remote.exploreStep(nodeId, params, pick));

	readonly exploreResample: Api['exploreResample'] = (params, maxSteps, onStep) =>
		this.#call((remote) =>
			remote.exploreResample(params, maxSteps, onStep ? proxy(unbatching(onStep)) : undefined)
		);

	/** Ends the running generation after the current token (for lanes: every lane). */
	readonly stop: Api['stop'] = () => this.#call((remote) => remote.stop());

	/** For tests: makes the worker crash, which restarts it. */
	readonly simulateCrash: Api['simulateCrash'] = () =>
		this.#call((remote) => remote.simulateCrash());

	readonly storedWebLlmModels: Api['storedWebLlmModels'] = (models) =>
		this.#call((remote) => remote.storedWebLlmModels(models));

	readonly deleteStoredWebLlmModel: Api['deleteStoredWebLlmModel'] = (model) =>
		this.#call((remote) => remote.deleteStoredWebLlmModel(model));

	dispose(): void {
		this.#disposed = true;
		this.#connection.crash(new WorkerCrashedError('disposed', 'The inference client was disposed'));
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
		remote
			.configure({
				wasmBaseUrl: this.#options.wasmBaseUrl,
				engineWasmUrl: this.#options.engineWasmUrl
			})
			.catch((error: unknown) => {
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
		connection.crash(new WorkerCrashedError(reason));
		this.#close(connection);
		this.#connection = this.#connect();
		for (const listener of this.#listeners)
			listener({ type: 'worker-restarted', reason, lostModel });
	}

	async #call<T>(fn: (remote: Remote<InferenceApi>) => Promise<T>): Promise<T> {
		const connection = this.#connection;
		if (this.#disposed)
			throw new WorkerCrashedError('disposed', 'The inference client was disposed');
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
