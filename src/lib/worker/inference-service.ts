import type { StoredWebLlmModel } from '#lib/engines/webllm/storage';
import type { Engine } from '#lib/engines/types';
import { engineOfSource } from '#lib/core/model-id';
import type { EngineId, LoadProgress, ModelInfo, ModelSource, WebLlmModel } from '#lib/core/model';
import { ExploreSession } from '#lib/explore/explore-session';
import type { ExploredStep } from '#lib/explore/explorer';
import type { NodeView } from '#lib/explore/tree';
import { generate } from '#lib/generation/generate';
import { preparePrompt, warmUp } from '#lib/generation/prefill';
import { generateLanes } from '#lib/generation/lanes';
import { generateNative } from '#lib/generation/native';
import { promptView, type PromptView } from '#lib/generation/prompt';
import type {
	GenerateRequest,
	GenerationEvent,
	LaneEvent,
	LanesRequest,
	LanesResult,
	SamplingBackend
} from '#lib/generation/types';
import type { GenerationResult } from '#lib/core/run';
import type { PromptInput } from '#lib/core/prompt';
import type { SamplingParams } from '#lib/sampling';
import type { InferenceApi, WorkerConfig, WorkerEnvironment, WorkerLoadOptions } from './protocol';

export class NoModelError extends Error {
	override name = 'NoModelError';
	constructor() {
		super('Load a model first');
	}
}

export class NotConfiguredError extends Error {
	override name = 'NotConfiguredError';
	constructor() {
		super('The inference worker was not configured');
	}
}

export class BusyError extends Error {
	override name = 'BusyError';
	constructor() {
		super('A generation is already running; stop it first');
	}
}

/** Events of a run the page may have still to read before the run waits for it. */
export const MAX_UNREAD_EVENTS = 64;

/**
 * Calls a callback that may live in another thread without letting its failure break us.
 * Returns when the call has been handled (at once for a local callback).
 */
function notify<T>(callback: ((value: T) => unknown) | undefined, value: T): Promise<void> {
	if (!callback) return Promise.resolve();
	try {
		return Promise.resolve(callback(value)).then(
			() => {},
			() => {}
		);
	} catch {
		// The page may be gone; generation goes on regardless.
		return Promise.resolve();
	}
}

/**
 * The inference worker's logic, free of comlink so it can be tested with a fake engine.
 * Engine work is serialized; `stop` and `cancelLoad` act at once.
 */
export class InferenceService implements InferenceApi {
	#createEngine: (config: WorkerConfig, engineId: EngineId) => Engine;
	#config: WorkerConfig | null = null;
	/** Engines created so far, one per kind; each is reused for later loads of its kind. */
	#engines = new Map<EngineId, Engine>();
	/** The engine the current (or last attempted) model belongs to. */
	#active: Engine | null = null;
	#sampling: SamplingBackend;
	#model: ModelInfo | null = null;
	#queue: Promise<unknown> = Promise.resolve();
	#generation: AbortController | null = null;
	#load: AbortController | null = null;
	/** Step mode and what-ifs on the loaded model. */
	#explore: ExploreSession | null = null;

	/** `createEngine` is called at most once per engine id, when a model of that kind first loads. */
	constructor(
		createEngine: (config: WorkerConfig, engineId: EngineId) => Engine,
		sampling: SamplingBackend
	) {
		this.#createEngine = createEngine;
		this.#sampling = sampling;
	}

	configure(config: WorkerConfig): void {
		if (this.#config) throw new Error('The inference worker is already configured');
		this.#config = config;
	}

	#engineFor(engineId: EngineId): Engine {
		if (!this.#config) throw new NotConfiguredError();
		let engine = this.#engines.get(engineId);
		if (!engine) {
			engine = this.#createEngine(this.#config, engineId);
			this.#engines.set(engineId, engine);
		}
		return engine;
	}

	get #engine(): Engine {
		if (!this.#config) throw new NotConfiguredError();
		if (!this.#active) throw new NoModelError();
		return this.#active;
	}

	environment(): WorkerEnvironment {
		return {
			crossOriginIsolated: globalThis.crossOriginIsolated === true,
			hardwareConcurrency: globalThis.navigator?.hardwareConcurrency ?? 1,
			webgpu: 'gpu' in (globalThis.navigator ?? {})
		};
	}

	loadModel(
		source: ModelSource,
		options: WorkerLoadOptions = {},
		onProgress?: (progress: LoadProgress) => void
	): Promise<ModelInfo> {
		this.#generation?.abort();
		this.#load?.abort();
		const load = new AbortController();
		this.#load = load;
		return this.#exclusive(async () => {
			const kept = { model: this.#model, explore: this.#explore };
			this.#model = null;
			this.#explore = null;
			const { cpuEngine, ...engineOptions } = options;
			const engineId = engineOfSource(source, cpuEngine);
			const engine = this.#engineFor(engineId);
			const previous = this.#active;
			this.#active = engine;
			// One model at a time: free the other engine's model (and its memory) first.
			if (previous && previous !== engine) await previous.unload().catch(() => {});
			try {
				this.#model = await engine.load(source, {
					...engineOptions,
					signal: load.signal,
					onProgress: (progress) => void notify(onProgress, progress)
				});
				// Our wasm engines compile and size buffers on their first evaluations: done now, so
				// the first run is timed like the others (WebLLM warms up in its own load).
				if (engineId !== 'webllm') await warmUp(engine, this.#model);
				this.#explore = new ExploreSession(engine, this.#model, this.#sampling);
				return this.#model;
			} catch (error) {
				// The engine refuses a bad model file before unloading its model: keep using it.
				if (previous === engine && (error as Error | null)?.name === 'GgufError') {
					this.#model = kept.model;
					this.#explore = kept.explore;
				}
				throw error;
			} finally {
				if (this.#load === load) this.#load = null;
			}
		});
	}

	cancelLoad(): void {
		this.#load?.abort();
	}

	unloadModel(): Promise<void> {
		this.#generation?.abort();
		return this.#exclusive(async () => {
			this.#model = null;
			await this.#active?.unload();
		});
	}

	tokenize(text: string, options: { special?: boolean; addBos?: boolean } = {}): Promise<number[]> {
		return this.#exclusive(async () => {
			const model = this.#requireModel();
			const ids = await this.#engine.tokenize(text, { special: options.special ?? true });
			if (options.addBos && model.addBos && model.bosId !== null && ids[0] !== model.bosId) {
				ids.unshift(model.bosId);
			}
			return ids;
		});
	}

	tokenPieces(ids: number[]): Promise<string[]> {
		return this.#exclusive(async () => {
			this.#requireModel();
			const decoder = new TextDecoder();
			const pieces: string[] = [];
			for (const id of ids) pieces.push(decoder.decode(await this.#engine.tokenBytes([id])));
			return pieces;
		});
	}

	renderPrompt(input: PromptInput): Promise<PromptView> {
		return this.#exclusive(async () => {
			const model = this.#requireModel();
			return promptView(this.#engine, model, input);
		});
	}

	generate(
		request: GenerateRequest,
		onEvent?: (event: GenerationEvent) => void
	): Promise<GenerationResult> {
		return this.#generating(onEvent, async (signal, deliver, paced) => {
			const model = this.#requireModel();
			const engine = this.#engine;
			if (request.sampling === 'native') {
				// The engine's context is replaced by the native run's.
				this.#explore?.forgetContext();
				return generateNative(
					request,
					{ engine, model, sampling: this.#sampling, signal },
					deliver
				);
			}
			const recorder = this.#explore?.recordRun();
			try {
				return await generate(
					request,
					{ engine, model, sampling: this.#sampling, signal, paced, onStep: recorder?.onStep },
					deliver
				);
			} finally {
				recorder?.finish();
			}
		});
	}

	generateLanes(request: LanesRequest, onEvent?: (event: LaneEvent) => void): Promise<LanesResult> {
		return this.#generating(onEvent, async (signal, deliver, paced) => {
			const model = this.#requireModel();
			this.#explore?.forgetContext();
			return generateLanes(
				request,
				{ engine: this.#engine, model, sampling: this.#sampling, signal, paced },
				deliver
			);
		});
	}

	/** Starts step mode on a new tree for `input` (the prompt as a run would see it). */
	exploreStart(input: PromptInput): Promise<NodeView[]> {
		return this.#exclusive(async () => {
			const model = this.#requireModel();
			const explore = this.#requireExplore();
			return explore.start(await preparePrompt(this.#engine, model, input));
		});
	}

	/** The tree of the last single run or step-mode session, root first. */
	exploreNodes(): NodeView[] {
		return this.#explore?.nodes() ?? [];
	}

	exploreStep(nodeId: number, params: SamplingParams, pick?: number): Promise<ExploredStep> {
		return this.#exclusive(() => this.#requireExplore().step(nodeId, params, pick));
	}

	exploreResample(
		params: SamplingParams,
		maxSteps: number,
		onStep?: (step: ExploredStep) => void
	): Promise<ExploredStep[]> {
		return this.#generating(onStep, (signal, deliver) =>
			this.#requireExplore().resample(params, maxSteps, deliver, () => signal.aborted)
		);
	}

	#requireExplore(): ExploreSession {
		this.#requireModel();
		if (!this.#explore) throw new NoModelError();
		return this.#explore;
	}

	/**
	 * Runs one generation task (a run or a set of lanes) that `stop()` can abort; refuses a second
	 * one while it runs.
	 */
	#generating<E, R>(
		onEvent: ((event: E) => void) | undefined,
		task: (
			signal: AbortSignal,
			deliver: (event: E) => void,
			paced: () => Promise<void>
		) => Promise<R>
	): Promise<R> {
		if (this.#generation) return Promise.reject(new BusyError());
		const controller = new AbortController();
		this.#generation = controller;
		// Events travel on the callback's own channel, not with the result: wait until the page has
		// seen them all, so the result never overtakes the last tokens.
		const delivered = new Set<Promise<void>>();
		const deliver = (event: E) => {
			const delivery = notify(onEvent, event);
			delivered.add(delivery);
			void delivery.then(() => delivered.delete(delivery));
		};
		// A fast engine outruns the page: hold the run while too many events are unread.
		const paced = async () => {
			while (delivered.size >= MAX_UNREAD_EVENTS) await Promise.race(delivered);
		};
		return this.#exclusive(async () => {
			const result = await task(controller.signal, deliver, paced);
			await Promise.all(delivered);
			return result;
		}).finally(() => {
			if (this.#generation === controller) this.#generation = null;
		});
	}

	stop(): void {
		this.#generation?.abort();
	}

	/** Which of `models` WebLLM keeps in its IndexedDB cache, with their sizes. */
	storedWebLlmModels(models: WebLlmModel[]): Promise<StoredWebLlmModel[]> {
		return this.#exclusive(async () => {
			const { listStoredWebLlmModels } = await import('#lib/engines/webllm/storage');
			return listStoredWebLlmModels(models);
		});
	}

	/** Removes a WebLLM model's files from its cache (a loaded copy keeps running). */
	deleteStoredWebLlmModel(model: WebLlmModel): Promise<void> {
		return this.#exclusive(async () => {
			const { deleteStoredWebLlmModel } = await import('#lib/engines/webllm/storage');
			await deleteStoredWebLlmModel(model);
		});
	}

	simulateCrash(): void {
		setTimeout(() => {
			throw new Error('Simulated inference worker crash');
		});
	}

	#requireModel(): ModelInfo {
		if (!this.#model) throw new NoModelError();
		return this.#model;
	}

	/** Runs `task` after every earlier engine task has settled. */
	#exclusive<T>(task: () => Promise<T>): Promise<T> {
		const run = this.#queue.then(task, task);
		this.#queue = run.catch(() => {});
		return run;
	}
}
