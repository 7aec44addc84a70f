import type { WebLlmModel } from '#lib/core/model';
import { webLlmIdOf, webLlmModelId } from '#lib/core/model-id';
import { CATALOGUE, TEST_MODEL_ID } from '#lib/models/catalogue';
import {
	parseCustomModel,
	readStoredCustomModels,
	type CustomModelInput
} from '#lib/models/custom-webllm';
import { refusedHosts } from '#lib/models/model-hosts';
import { modelChoices, type LocalModelFile, type ModelChoice } from '#lib/models/local-models';
import { WEBLLM_CATALOGUE } from '#lib/models/webllm-catalogue';
import { CONTEXT_LENGTH_SPEC } from '#lib/params/fields';
import type { WebGpuCapabilities } from '#lib/platform/webgpu';
import { describeError } from './errors';
import type { Notices } from './notices.svelte';

/** Where the shelf reads its lists from (the browser in the app, fakes in tests). */
export interface ShelfSources {
	/** The user's own WebLLM models as stored (unchecked). */
	readCustomModels(): Promise<unknown>;
	saveCustomModels(models: WebLlmModel[]): Promise<void>;
	/** The GGUF files of the local models folder, from its index. */
	listLocalModels(indexUrl: string): Promise<LocalModelFile[]>;
	probeWebGpu(): Promise<WebGpuCapabilities>;
	/** Whether the app's Content-Security-Policy lets it download from this URL. */
	allowsDownloadFrom(url: string): boolean;
	/**
	 * Picker entries for files the browser stores that neither the catalogue nor the local folder
	 * offers (GGUF files downloaded from the Hub by name), so they load offline too.
	 */
	storedChoices?(): Promise<ModelChoice[]>;
}

/**
 * The models on offer and the one picked: the catalogue, the local folder, the user's own WebLLM
 * models, the WebGPU probe, and the context window to load with. Calls its {@link ShelfSources}
 * and the notices; the loader, the draft, compare and the model picker read it.
 */
export class ModelShelf {
	choices = $state<ModelChoice[]>([]);
	/** WebGPU as probed at start; null until the probe has answered. */
	webgpu = $state<WebGpuCapabilities | null>(null);
	customModels = $state<WebLlmModel[]>([]);
	modelId = $state(TEST_MODEL_ID);
	/** Context window (tokens) to load the next model with; follows the selected model's default. */
	contextLength = $state(CONTEXT_LENGTH_SPEC.default);

	constructor(
		private readonly sources: ShelfSources,
		private readonly notices: Notices
	) {}

	get selectedChoice(): ModelChoice | undefined {
		return this.choices.find((choice) => choice.id === this.modelId);
	}

	/** Every WebLLM model the picker offers: the catalogue, then the user's own. */
	get webLlmModels(): WebLlmModel[] {
		return [...WEBLLM_CATALOGUE, ...this.customModels];
	}

	get selectedWebLlm(): WebLlmModel | undefined {
		const id = webLlmIdOf(this.modelId);
		return this.webLlmModels.find((model) => model.id === id);
	}

	/** Ids of every model of the picker (GGUF choices, then WebLLM models). */
	modelIds(): string[] {
		return [...this.choices.map((c) => c.id), ...this.webLlmModels.map((m) => webLlmModelId(m.id))];
	}

	/** Whether the picker offers model `id`. */
	offers(id: string): boolean {
		return (
			this.choices.some((c) => c.id === id) ||
			(webLlmIdOf(id) !== null && this.webLlmModels.some((m) => webLlmModelId(m.id) === id))
		);
	}

	/** A model's name as the picker shows it, or its id when the picker does not offer it. */
	modelName(id: string): string {
		return (
			this.choices.find((c) => c.id === id)?.name ??
			this.webLlmModels.find((m) => webLlmModelId(m.id) === id)?.name ??
			id
		);
	}

	/** Picks a model to load next, with its usual context window. */
	selectModel(id: string): void {
		this.modelId = id;
		const window = this.selectedChoice?.contextLength ?? this.selectedWebLlm?.contextWindow;
		if (window) this.contextLength = window;
	}

	/** Probes WebGPU; until it answers, WebLLM models count as not runnable. */
	async probeDevice(): Promise<void> {
		this.webgpu = await this.sources.probeWebGpu();
	}

	/** Lists the user's models, the catalogue and the local models folder (`modelsUrl`). */
	async discover(modelsUrl: string): Promise<void> {
		try {
			this.customModels = readStoredCustomModels(await this.sources.readCustomModels());
		} catch (error) {
			this.notices.notice = `Your own WebLLM models could not be read: ${describeError(error)}`;
		}
		const local = await this.sources.listLocalModels(`${modelsUrl}index.json`);
		this.choices = modelChoices(CATALOGUE, local, modelsUrl);
		const stored = (await this.sources.storedChoices?.().catch(() => [])) ?? [];
		for (const choice of stored) this.offerChoice(choice);
		this.selectModel(this.modelId);
	}

	/**
	 * Adds a model to the picker unless it offers it already (by id or by URL: a catalogue
	 * entry's file found on the Hub by name). Returns the id the picker offers it under.
	 */
	offerChoice(choice: ModelChoice): string {
		const known = this.choices.find(
			(c) => c.id === choice.id || (c.url !== null && c.url === choice.url)
		);
		if (known) return known.id;
		this.choices = [...this.choices, choice];
		return choice.id;
	}

	/** Adds a user's WebLLM model after checking it; returns the problems by field, if any. */
	addCustomModel(input: CustomModelInput): Partial<Record<keyof CustomModelInput, string>> {
		const result = parseCustomModel(
			input,
			this.webLlmModels.map((m) => m.id)
		);
		if (!result.ok) return result.errors;
		this.customModels = [...this.customModels, result.model];
		void this.saveCustomModels();
		this.selectModel(webLlmModelId(result.model.id));
		this.warnIfOutsidePolicy(result.model);
		return {};
	}

	/** Kept as the user entered it, but the browser would refuse its downloads: say so now. */
	private warnIfOutsidePolicy(model: WebLlmModel): void {
		const refused = refusedHosts([model.modelUrl, model.modelLibUrl], (url) =>
			this.sources.allowsDownloadFrom(url)
		);
		if (refused.length === 0) return;
		const hosts = refused.join(' and ');
		this.notices.notice =
			`${model.id} was added, but it will not load here: this app's Content-Security-Policy ` +
			`does not allow downloads from ${hosts}. Whoever serves the app can allow a host with ` +
			`MODEL_HOSTS (see the README).`;
	}

	removeCustomModel(id: string): void {
		this.customModels = this.customModels.filter((m) => m.id !== id);
		void this.saveCustomModels();
		if (this.modelId === webLlmModelId(id)) this.selectModel(TEST_MODEL_ID);
	}

	private async saveCustomModels(): Promise<void> {
		try {
			await this.sources.saveCustomModels($state.snapshot(this.customModels));
		} catch (error) {
			this.notices.error = `Your models could not be saved for the next visit: ${describeError(error)}`;
		}
	}
}
