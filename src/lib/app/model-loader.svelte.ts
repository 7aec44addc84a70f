import type { CpuEngineId, EngineId, LoadProgress, ModelInfo, ModelSource } from '#lib/core/model';
import {
	DEFAULT_CPU_ENGINE,
	engineOfModelId,
	engineOfSource,
	webLlmModelId
} from '#lib/core/model-id';
import type { SamplingMode } from '#lib/core/run';
import { ENGINE_MODES } from '#lib/engines/capabilities';
import { WLLAMA_ARCHITECTURES } from '#lib/engines/wllama/architectures';
import { describeGgufFacts, GgufError, readGguf } from '#lib/models/gguf';
import type { ModelChoice } from '#lib/models/local-models';
import { fitsDevice } from '#lib/platform/webgpu';
import type { PlaygroundClient } from './client';
import type { FieldValidity } from './field-validity.svelte';
import type { ModelShelf } from './model-shelf.svelte';
import type { Notices } from './notices.svelte';
import { describeError } from './errors';

export interface LoaderOptions {
	/** Threads for the CPU engine; the engine's own choice when undefined. */
	threads?: number;
	/** The CPU engine picked at first; our llama.cpp build when undefined. */
	cpuEngine?: CpuEngineId;
	/** Called before a load starts, to end a run still streaming on the old model. */
	beforeLoad?: () => Promise<void>;
	/** Why a CPU model on a server must not be downloaded (its header is bad), or null. */
	refuseDownload?: (choice: ModelChoice) => Promise<GgufError | null>;
}

/**
 * The model in the worker: loading it (progress, cancel), what was loaded and how it samples, and
 * loading it again after a worker restart. Calls the client, reads the shelf's pick and the
 * context field's validity; the page, the draft, runs, compare, explore and replay read it.
 */
export class ModelLoader {
	model = $state<ModelInfo | null>(null);
	loading = $state(false);
	progress = $state<LoadProgress | null>(null);
	loadStartedAt = $state(0);
	/** How runs sample: our sampler (`exact`) or, for WebLLM and wllama, the engine's own (`native`). */
	samplingMode = $state<SamplingMode>('exact');
	/** What the header of the last file opened from disk says (name: facts), before it loads. */
	fileFacts = $state('');
	/**
	 * The engine GGUF models load on: ours by default, or wllama (llama.cpp through
	 * @wllama/wllama, multi-threaded). A change applies from the next load.
	 */
	cpuEngine = $state<CpuEngineId>(DEFAULT_CPU_ENGINE);
	/** Counts loads started, so what was computed for one model can tell it is stale. */
	loads = $state(0);
	/**
	 * What the current model was loaded from, to load it again after a worker restart. Raw, not
	 * proxied: it is sent to the worker as it is.
	 */
	private loaded = $state.raw<{
		source: ModelSource;
		contextLength: number | undefined;
		cpuEngine: CpuEngineId;
	} | null>(null);
	/** The load under way, if any: {@link useModel} waits for it rather than cancel it. */
	private pending: Promise<void> | null = null;

	constructor(
		private readonly client: PlaygroundClient,
		private readonly shelf: ModelShelf,
		private readonly validity: FieldValidity,
		private readonly notices: Notices,
		private readonly options: LoaderOptions = {}
	) {
		if (options.cpuEngine) this.cpuEngine = options.cpuEngine;
		client.onStatus((event) => {
			this.model = null;
			const lost = this.loaded;
			const reload = event.lostModel && lost ? event.lostModel.name : null;
			this.notices.workerRestarted(event.reason, reload);
			if (reload && lost) void this.load(lost.source, lost.contextLength, lost.cpuEngine);
		});
	}

	/** Engine of the loaded model. */
	get loadedEngine(): EngineId | null {
		return this.loaded ? engineOfSource(this.loaded.source, this.loaded.cpuEngine) : null;
	}

	/**
	 * Loads the model picked on the shelf, if this device can run it; a GGUF model on
	 * `cpuEngine` (the picked CPU engine unless given).
	 */
	async loadSelected(cpuEngine: CpuEngineId = this.cpuEngine): Promise<void> {
		const { shelf, notices } = this;
		this.fileFacts = '';
		const webLlm = shelf.selectedWebLlm;
		if (webLlm) {
			const fit = shelf.webgpu ? fitsDevice(webLlm, shelf.webgpu) : null;
			if (!fit?.runnable) {
				notices.error = `${webLlm.name} cannot run here: ${fit?.reason ?? 'WebGPU has not been checked yet'}. ${
					shelf.webgpu?.reason ?? 'Pick a CPU (GGUF) model or one this GPU supports.'
				}`;
				return;
			}
			await this.load({ kind: 'webllm', model: $state.snapshot(webLlm) }, shelf.contextLength);
			return;
		}
		const choice = shelf.selectedChoice;
		if (!choice?.url) {
			notices.error = `${choice?.name ?? 'This model'} has no download location; open the file from disk instead.`;
			return;
		}
		// A bad file is refused from its header, before it is downloaded whole; the model stays.
		const refusal = this.options.refuseDownload && (await this.options.refuseDownload(choice));
		if (refusal) {
			notices.showEngineError(refusal);
			return;
		}
		await this.load(
			{ kind: 'url', url: choice.url, name: choice.name, sha256: choice.sha256 ?? undefined },
			shelf.contextLength,
			cpuEngine
		);
	}

	async loadFile(file: File): Promise<void> {
		if (!/\.gguf$/i.test(file.name)) {
			this.notices.error = `“${file.name}” is not a GGUF model file (the name must end in .gguf).`;
			return;
		}
		// Checked here, before the worker sees it, so a bad file leaves the loaded model alone.
		this.fileFacts = '';
		try {
			const facts = await readGguf(file, { supportedArchitectures: WLLAMA_ARCHITECTURES });
			this.fileFacts = `${file.name}: ${describeGgufFacts(facts)}`;
		} catch (error) {
			this.notices.error =
				error instanceof GgufError
					? `“${file.name}” cannot be loaded: ${error.message}.`
					: describeError(error);
			return;
		}
		await this.load({ kind: 'blob', blob: file, name: file.name }, this.shelf.contextLength);
	}

	cancelLoad(): void {
		void this.client.cancelLoad();
	}

	/**
	 * Selects model `id` and loads it unless it is the one loaded, on `cpuEngine` if it is a
	 * GGUF model (the picked CPU engine unless given). Returns the loaded model, or null when it
	 * could not be loaded (the notices' `error` then says why).
	 */
	async useModel(id: string, cpuEngine: CpuEngineId = this.cpuEngine): Promise<ModelInfo | null> {
		// A load under way (the one after a worker restart, say) ends first: starting another
		// now would cancel it.
		await this.pending;
		const engine = engineOfModelId(id, cpuEngine);
		if (this.shelf.modelId !== id || !this.model || this.loadedEngine !== engine) {
			this.shelf.selectModel(id);
			await this.loadSelected(cpuEngine);
		}
		return this.shelf.modelId === id && this.loadedEngine === engine ? this.model : null;
	}

	/**
	 * Whether model `id` is loaded now with `contextLength`, on the engine it would load on now
	 * (`cpuEngine` for a GGUF model, the picked CPU engine unless given).
	 */
	isLoaded(id: string, contextLength: number, cpuEngine: CpuEngineId = this.cpuEngine): boolean {
		return (
			this.holds(id) &&
			this.loaded?.contextLength === contextLength &&
			this.loadedEngine === engineOfModelId(id, cpuEngine)
		);
	}

	/**
	 * The engine that runs model `id`: the one it is loaded on, or else the one it would load
	 * on. What an experiment records, so a share link or session names the engine that ran.
	 */
	engineOf(id: string): EngineId {
		return this.holds(id) && this.loadedEngine
			? this.loadedEngine
			: engineOfModelId(id, this.cpuEngine);
	}

	/** Whether the loaded model is model `id`, whatever its context or engine. */
	private holds(id: string): boolean {
		const loaded = this.loaded;
		if (!this.model || !loaded) return false;
		const { source } = loaded;
		if (source.kind === 'webllm') return webLlmModelId(source.model.id) === id;
		return source.kind === 'url' && source.url === this.shelf.choices.find((c) => c.id === id)?.url;
	}

	private async load(
		source: ModelSource,
		contextLength: number | undefined,
		cpuEngine: CpuEngineId = this.cpuEngine
	): Promise<void> {
		const loading = this.loadNow(source, contextLength, cpuEngine);
		this.pending = loading;
		try {
			await loading;
		} finally {
			if (this.pending === loading) this.pending = null;
		}
	}

	private async loadNow(
		source: ModelSource,
		contextLength: number | undefined,
		cpuEngine: CpuEngineId
	): Promise<void> {
		const invalidContext = this.validity.of('contextLength');
		if (invalidContext) {
			this.notices.error = invalidContext;
			return;
		}
		await this.options.beforeLoad?.();
		this.loading = true;
		this.loads++;
		this.progress = null;
		this.loadStartedAt = performance.now();
		this.notices.error = '';
		const previous = { model: this.model, loaded: this.loaded };
		this.model = null;
		this.loaded = null;
		try {
			this.model = await this.client.loadModel(source, {
				contextLength,
				threads: this.options.threads,
				cpuEngine,
				onProgress: (progress) => (this.progress = progress)
			});
			this.loaded = { source, contextLength, cpuEngine };
			// A damaged stored copy that was downloaded again, or a download the disk had no room for.
			if (this.model.storage?.notice) this.notices.notice = this.model.storage.notice;
			if (!ENGINE_MODES[this.loadedEngine ?? 'llama'].native.available) {
				this.samplingMode = 'exact';
			}
		} catch (error) {
			this.notices.showEngineError(error);
			// The CPU engine refuses a bad file before unloading its model; the worker keeps it.
			const kept =
				(error as Error | null)?.name === 'GgufError' &&
				previous.loaded !== null &&
				engineOfSource(previous.loaded.source, previous.loaded.cpuEngine) ===
					engineOfSource(source, cpuEngine);
			if (kept) ({ model: this.model, loaded: this.loaded } = previous);
		} finally {
			this.loading = false;
		}
	}
}
