import type { ChatMessage } from '#lib/core/prompt';
import type { EngineId, LoadProgress, ModelInfo, ModelSource, WebLlmModel } from '#lib/core/model';
import type { GenerationResult, SamplingMode } from '#lib/core/run';
import type { PromptInput } from '#lib/core/prompt';
import {
	parseCustomModel,
	readStoredCustomModels,
	type CustomModelInput
} from '#lib/models/custom-webllm';
import { WEBLLM_CATALOGUE } from '#lib/models/webllm-catalogue';
import type { StoredWebLlmModel } from '#lib/engines/webllm/storage';
import { requestPersistentStorage, storageStatus, type StorageStatus } from '#lib/platform/storage';
import { playgroundDb, type ModelFileRecord } from '#lib/storage/db';
import { deleteAllModelFiles, deleteModelFile, listModelFiles } from '#lib/storage/model-files';
import { fitsDevice, probeWebGpu, type WebGpuCapabilities } from '#lib/platform/webgpu';
import { CATALOGUE, TEST_MODEL_ID } from '#lib/models/catalogue';
import { fetchLocalModels, modelChoices, type ModelChoice } from '#lib/models/local-models';
import { CONTEXT_LENGTH_SPEC, MAX_NEW_TOKENS_SPEC } from '#lib/params/fields';
import { applyPreset, type Preset } from '#lib/params/presets';
import { DEFAULT_SAMPLING_PARAMS, DEFAULT_TRACE_TOP_N, type SamplingParams } from '#lib/sampling';
import { readCustomModels, SETTING_KEYS, writeSetting } from '#lib/storage/settings';
import type { Experiment } from '#lib/core/experiment';
import type { RunRecord, RunStatus, TokenRecord } from '#lib/core/session';
import { newRun, storedResult, type SessionRecorder } from '#lib/storage/sessions-recording';
import { InferenceClient } from '#lib/worker/client';
import { engineOfModelId, engineOfSource, webLlmIdOf, webLlmModelId } from '#lib/core/model-id';
import { describeError } from './errors';

export type PromptMode = 'completion' | 'chat';

/** Parameters WebLLM's own GPU sampler cannot honour (native mode). */
export const NATIVE_UNSUPPORTED = [
	'top-k',
	'min-p',
	'stage order',
	'traces',
	'seeds that match other engines'
];

function defaultParams(): SamplingParams {
	return { ...DEFAULT_SAMPLING_PARAMS, order: [...DEFAULT_SAMPLING_PARAMS.order], logitBias: {} };
}

/** Live figures of the run in progress (final ones come from the result). */
export interface LiveStats {
	tokens: number;
	timeToFirstTokenMs: number | null;
	tokensPerSecond: number | null;
}

/**
 * Everything the playground page shows and does, independent of layout: the model, the prompt,
 * the parameters, and the run. Components read and bind to its fields; only this class talks
 * to the inference worker.
 */
export class Playground {
	readonly client: InferenceClient;

	choices = $state<ModelChoice[]>([]);
	/** WebGPU as probed at start; null until the probe has answered. */
	webgpu = $state<WebGpuCapabilities | null>(null);
	customModels = $state<WebLlmModel[]>([]);
	samplingMode = $state<SamplingMode>('exact');
	/** WebLLM models in the browser's storage, after the model manager looked. */
	storedModels = $state<StoredWebLlmModel[] | null>(null);
	/** GGUF files the CPU engine keeps in the browser's storage, after the model manager looked. */
	storedFiles = $state<ModelFileRecord[] | null>(null);
	storage = $state<StorageStatus | null>(null);
	modelId = $state(TEST_MODEL_ID);
	model = $state<ModelInfo | null>(null);
	loading = $state(false);
	progress = $state<LoadProgress | null>(null);
	loadStartedAt = $state(0);

	mode = $state<PromptMode>('completion');
	prompt = $state('Once upon a time');
	systemPrompt = $state('You are a helpful assistant.');
	conversation = $state<ChatMessage[]>([]);

	params = $state<SamplingParams>(defaultParams());
	maxNewTokens = $state(MAX_NEW_TOKENS_SPEC.default);
	/** Context window (tokens) to load the next model with; follows the selected model's default. */
	contextLength = $state(CONTEXT_LENGTH_SPEC.default);
	stopSequences = $state('');
	banEndOfText = $state(false);
	/** Messages of inputs that do not hold a valid value now, by field. */
	invalidFields = $state<Record<string, string>>({});

	running = $state(false);
	output = $state('');
	live = $state<LiveStats>({ tokens: 0, timeToFirstTokenMs: null, tokensPerSecond: null });
	result = $state<GenerationResult | null>(null);
	/** Counts runs that ended with a result, so views can follow each new one. */
	completedRuns = $state(0);
	seedUsed = $state<number | null>(null);
	/** Set while the output shows a run reopened from the history rather than one run here. */
	storedRun = $state<{ status: RunStatus; error: string | null; tokens: TokenRecord[] } | null>(
		null
	);
	/** Saves every run to the history as it streams; none when unset. */
	recorder: SessionRecorder | null = null;

	/** The prompt's tokens as the model sees them, after "Show tokens". */
	promptTokens = $state<{ id: number; piece: string }[] | null>(null);

	error = $state('');
	notice = $state('');
	/** The GPU device was lost: only a page reload gets a fresh one. */
	offerReload = $state(false);

	/** Threads for the CPU engine; the engine's own choice when undefined. */
	private readonly threads: number | undefined;
	/**
	 * What the current model was loaded from, to load it again after a worker restart. Raw, not
	 * proxied: it is sent to the worker as it is.
	 */
	private loaded = $state.raw<{ source: ModelSource; contextLength: number | undefined } | null>(
		null
	);

	/** Engine of the loaded model. */
	get loadedEngine(): EngineId | null {
		return this.loaded ? engineOfSource(this.loaded.source) : null;
	}

	constructor(options: { wasmBaseUrl: string; threads?: number }) {
		this.client = new InferenceClient({ wasmBaseUrl: options.wasmBaseUrl });
		this.threads = options.threads;
		this.client.onStatus((event) => {
			this.model = null;
			this.running = false;
			const lost = this.loaded;
			this.notice = `The inference worker stopped unexpectedly (${event.reason}) and was restarted.${
				event.lostModel && lost ? ` Loading ${event.lostModel.name} again.` : ''
			}`;
			if (event.lostModel && lost) void this.load(lost.source, lost.contextLength);
		});
	}

	get selectedChoice(): ModelChoice | undefined {
		return this.choices.find((choice) => choice.id === this.modelId);
	}

	/** Picks a model to load next, with its usual context window. */
	selectModel(id: string): void {
		this.modelId = id;
		const window = this.selectedChoice?.contextLength ?? this.selectedWebLlm?.contextWindow;
		if (window) this.contextLength = window;
	}

	/** Every WebLLM model the picker offers: the catalogue, then the user's own. */
	get webLlmModels(): WebLlmModel[] {
		return [...WEBLLM_CATALOGUE, ...this.customModels];
	}

	get selectedWebLlm(): WebLlmModel | undefined {
		const id = webLlmIdOf(this.modelId);
		return this.webLlmModels.find((model) => model.id === id);
	}

	/** Probes WebGPU; until it answers, WebLLM models count as not runnable. */
	async probeDevice(): Promise<void> {
		this.webgpu = await probeWebGpu();
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
		return {};
	}

	removeCustomModel(id: string): void {
		this.customModels = this.customModels.filter((m) => m.id !== id);
		void this.saveCustomModels();
		if (this.modelId === webLlmModelId(id)) this.selectModel(TEST_MODEL_ID);
	}

	private async saveCustomModels(): Promise<void> {
		try {
			await writeSetting(SETTING_KEYS.customWebLlmModels, $state.snapshot(this.customModels));
		} catch (error) {
			this.error = `Your models could not be saved for the next visit: ${describeError(error)}`;
		}
	}

	/** Looks up stored WebLLM models, stored GGUF files and the browser's storage figures. */
	async refreshStorage(): Promise<void> {
		try {
			const [stored, files, storage] = await Promise.all([
				this.client.storedWebLlmModels($state.snapshot(this.webLlmModels)),
				playgroundDb().then(listModelFiles),
				storageStatus()
			]);
			this.storedModels = stored;
			this.storedFiles = files;
			this.storage = storage;
		} catch (error) {
			this.error = `Stored models could not be listed: ${describeError(error)}`;
		}
	}

	/**
	 * Deletes stored WebLLM models by id; when `ids` is omitted, every stored model of both
	 * engines (WebLLM's and the GGUF files). Then refreshes the lists.
	 */
	async deleteStored(ids?: string[]): Promise<void> {
		const doomed = this.webLlmModels.filter((m) =>
			(ids ?? this.storedModels?.map((s) => s.id) ?? []).includes(m.id)
		);
		try {
			for (const model of doomed) await this.client.deleteStoredWebLlmModel($state.snapshot(model));
			if (!ids) await deleteAllModelFiles(await playgroundDb());
		} catch (error) {
			this.error = `Deleting stored models failed: ${describeError(error)}`;
		}
		await this.refreshStorage();
	}

	/** Deletes one stored GGUF file (a loaded copy keeps running) and refreshes the lists. */
	async deleteStoredFile(url: string): Promise<void> {
		try {
			await deleteModelFile(await playgroundDb(), url);
		} catch (error) {
			this.error = `Deleting the stored file failed: ${describeError(error)}`;
		}
		await this.refreshStorage();
	}

	async requestPersistence(): Promise<void> {
		const granted = await requestPersistentStorage();
		if (!granted) {
			this.notice =
				'The browser did not agree to keep stored models for good; it may remove them when space runs low.';
		}
		await this.refreshStorage();
	}

	/** Lists the catalogue and the local models folder; loads the default model if it is local. */
	async discoverModels(modelsUrl: string): Promise<void> {
		try {
			this.customModels = readStoredCustomModels(await readCustomModels(localStorage));
		} catch (error) {
			this.notice = `Your own WebLLM models could not be read: ${describeError(error)}`;
		}
		const local = await fetchLocalModels(`${modelsUrl}index.json`);
		this.choices = modelChoices(CATALOGUE, local, modelsUrl);
		this.selectModel(this.modelId);
		if (this.selectedChoice?.isLocal) await this.loadSelected();
	}

	async loadSelected(): Promise<void> {
		const webLlm = this.selectedWebLlm;
		if (webLlm) {
			const fit = this.webgpu ? fitsDevice(webLlm, this.webgpu) : null;
			if (!fit?.runnable) {
				this.error = `${webLlm.name} cannot run here: ${fit?.reason ?? 'WebGPU has not been checked yet'}. ${
					this.webgpu?.reason ?? 'Pick a CPU (GGUF) model or one this GPU supports.'
				}`;
				return;
			}
			await this.load({ kind: 'webllm', model: $state.snapshot(webLlm) }, this.contextLength);
			return;
		}
		const choice = this.selectedChoice;
		if (!choice?.url) {
			this.error = `${choice?.name ?? 'This model'} has no download location; open the file from disk instead.`;
			return;
		}
		await this.load(
			{ kind: 'url', url: choice.url, name: choice.name, sha256: choice.sha256 ?? undefined },
			this.contextLength
		);
	}

	async loadFile(file: File): Promise<void> {
		if (!/\.gguf$/i.test(file.name)) {
			this.error = `“${file.name}” is not a GGUF model file (the name must end in .gguf).`;
			return;
		}
		await this.load({ kind: 'blob', blob: file, name: file.name }, this.contextLength);
	}

	cancelLoad(): void {
		void this.client.cancelLoad();
	}

	private async load(source: ModelSource, contextLength: number | undefined): Promise<void> {
		const invalidContext = this.invalidFields.contextLength;
		if (invalidContext) {
			this.error = invalidContext;
			return;
		}
		if (this.running) await this.stop();
		this.loading = true;
		this.progress = null;
		this.loadStartedAt = performance.now();
		this.error = '';
		this.model = null;
		this.loaded = null;
		this.promptTokens = null;
		try {
			this.model = await this.client.loadModel(source, {
				contextLength,
				threads: this.threads,
				onProgress: (progress) => (this.progress = progress)
			});
			this.loaded = { source, contextLength };
			// A damaged stored copy that was downloaded again, or a download the disk had no room for.
			if (this.model.storage?.notice) this.notice = this.model.storage.notice;
			if (this.loadedEngine !== 'webllm') this.samplingMode = 'exact';
		} catch (error) {
			this.showEngineError(error);
		} finally {
			this.loading = false;
		}
	}

	applyPreset(preset: Preset): void {
		this.params = applyPreset(preset, this.params);
		this.invalidFields = {};
	}

	resetParams(): void {
		this.params = { ...defaultParams(), seed: this.params.seed };
		this.maxNewTokens = MAX_NEW_TOKENS_SPEC.default;
		this.stopSequences = '';
		this.banEndOfText = false;
		this.invalidFields = {};
	}

	setFieldValidity(field: string, message: string | null): void {
		const next = { ...this.invalidFields };
		if (message) next[field] = message;
		else delete next[field];
		this.invalidFields = next;
	}

	/** The prompt as the worker takes it, for single runs and lanes alike. */
	promptInput(): PromptInput {
		if (this.mode === 'completion') return { mode: 'completion', prompt: this.prompt };
		return {
			mode: 'chat',
			systemPrompt: this.systemPrompt,
			messages: [...this.conversation, { role: 'user', content: this.prompt }]
		};
	}

	/** The model, prompt and settings on the page now, as stored and shared. */
	experiment(): Experiment {
		const snapshotOf = <T>(value: T): T => $state.snapshot(value) as T;
		return {
			model: {
				id: this.modelId,
				name: this.selectedChoice?.name ?? this.selectedWebLlm?.name ?? this.modelId,
				engine: engineOfModelId(this.modelId),
				sha256: this.model?.sha256 ?? this.selectedChoice?.sha256 ?? null
			},
			input: snapshotOf(this.promptInput()),
			params: snapshotOf(this.params),
			maxNewTokens: this.maxNewTokens,
			contextLength: this.contextLength,
			stopSequences: this.stopList(),
			banEndOfText: this.banEndOfText,
			sampling: this.samplingMode
		};
	}

	/**
	 * Puts an experiment on the page, ready to run: prompt, settings and the model to load.
	 * Returns why its model cannot be picked here, or null. The model is selected, not loaded.
	 */
	applyExperiment(experiment: Experiment): string | null {
		const { input } = experiment;
		this.mode = input.mode;
		if (input.mode === 'completion') {
			this.prompt = input.prompt;
		} else {
			const messages = [...input.messages];
			const last = messages.at(-1);
			this.prompt = last?.role === 'user' ? (messages.pop()?.content ?? '') : '';
			this.conversation = messages;
			this.systemPrompt = input.systemPrompt ?? '';
		}
		this.params = {
			...experiment.params,
			order: [...experiment.params.order],
			logitBias: { ...experiment.params.logitBias }
		};
		this.maxNewTokens = experiment.maxNewTokens;
		this.stopSequences = experiment.stopSequences.join('\n');
		this.banEndOfText = experiment.banEndOfText;
		this.samplingMode = experiment.sampling;
		this.invalidFields = {};
		const known =
			this.choices.some((c) => c.id === experiment.model.id) ||
			(webLlmIdOf(experiment.model.id) !== null &&
				this.webLlmModels.some((m) => webLlmModelId(m.id) === experiment.model.id));
		if (!known) {
			return `The model “${experiment.model.name}” (${experiment.model.id}) is not available here; pick a model and run again.`;
		}
		this.selectModel(experiment.model.id);
		this.contextLength = experiment.contextLength;
		return null;
	}

	/**
	 * Opens a shared experiment ready to run: puts it on the page and loads its model, unless
	 * that model is loaded already with the same context window. Returns what the user should
	 * know (the model is not available here, or its file differs from the sharer's), or null.
	 */
	async openExperiment(experiment: Experiment): Promise<string | null> {
		const problem = this.applyExperiment(experiment);
		if (problem) return problem;
		if (!this.isLoaded(experiment.model.id, this.contextLength)) await this.loadSelected();
		const expected = experiment.model.sha256;
		const actual = this.model?.sha256;
		if (expected && actual && expected !== actual) {
			return `The loaded file of ${experiment.model.name} differs from the one this experiment ran on (sha256 ${actual.slice(0, 12)}… instead of ${expected.slice(0, 12)}…), so its output may differ.`;
		}
		return null;
	}

	/**
	 * Selects model `id` and loads it unless it is the one loaded. Returns the loaded model, or
	 * null when it could not be loaded (`error` then says why).
	 */
	async useModel(id: string): Promise<ModelInfo | null> {
		if (this.modelId !== id || !this.model) {
			this.selectModel(id);
			await this.loadSelected();
		}
		return this.modelId === id ? this.model : null;
	}

	private isLoaded(id: string, contextLength: number): boolean {
		const loaded = this.loaded;
		if (!this.model || !loaded || loaded.contextLength !== contextLength) return false;
		const { source } = loaded;
		if (source.kind === 'webllm') return webLlmModelId(source.model.id) === id;
		return source.kind === 'url' && source.url === this.choices.find((c) => c.id === id)?.url;
	}

	/** The stop sequences field, one per line. */
	stopList(): string[] {
		return this.stopSequences.split('\n').filter((line) => line.length > 0);
	}

	/** Messages of fields that hold invalid text now, or null when all are valid. */
	invalidMessage(): string | null {
		const invalid = Object.values(this.invalidFields);
		return invalid.length > 0 ? invalid.join(' ') : null;
	}

	/** `params` (the panel's by default) as sent to the worker, with the end-of-text ban applied. */
	requestParams(
		model: ModelInfo,
		params: SamplingParams = $state.snapshot(this.params),
		banEndOfText = this.banEndOfText
	): SamplingParams {
		if (!banEndOfText) return params;
		const banned = Object.fromEntries(model.stopIds.map((id) => [id, -100]));
		return { ...params, logitBias: { ...params.logitBias, ...banned } };
	}

	async run(): Promise<void> {
		if (this.running || this.loading) return;
		const invalid = this.invalidMessage();
		if (invalid) {
			this.error = invalid;
			return;
		}
		const model = this.model;
		if (!model) {
			this.error = 'Load a model first.';
			return;
		}
		this.error = '';
		this.notice = '';
		this.output = '';
		this.result = null;
		this.seedUsed = null;
		this.storedRun = null;
		this.live = { tokens: 0, timeToFirstTokenMs: null, tokensPerSecond: null };
		const input = this.promptInput();
		const recording = this.recorder?.begin('single', this.experiment(), [
			newRun({ id: 'run', label: '', modelId: this.modelId, params: $state.snapshot(this.params) })
		]);
		recording?.ranOn('run', `${model.name} · ${model.backend}`);
		const started = performance.now();
		let firstTokenAt: number | null = null;
		this.running = true;
		try {
			const result = await this.client.generate(
				{
					input,
					params: this.requestParams(model),
					maxNewTokens: this.maxNewTokens,
					sampling: this.samplingMode,
					stopSequences: this.stopList(),
					// Exact runs explain every token (native runs cannot trace).
					trace: this.samplingMode === 'exact' ? { topN: DEFAULT_TRACE_TOP_N } : null
				},
				(event) => {
					if (event.type === 'start') {
						this.seedUsed = event.seed;
						recording?.started('run', event.seed);
						return;
					}
					recording?.token(
						'run',
						{ id: event.tokenId, piece: event.piece, trace: event.trace },
						event.text
					);
					const now = performance.now();
					firstTokenAt ??= now;
					this.output += event.text;
					const tokens = event.index + 1;
					const seconds = (now - firstTokenAt) / 1000;
					this.live = {
						tokens,
						timeToFirstTokenMs: firstTokenAt - started,
						tokensPerSecond: tokens > 1 && seconds > 0 ? (tokens - 1) / seconds : null
					};
				}
			);
			this.result = result;
			this.completedRuns++;
			this.output = result.text;
			this.seedUsed = result.seed;
			recording?.finished('run', result);
			if (input.mode === 'chat') {
				this.conversation = [...input.messages, { role: 'assistant', content: result.text }];
				this.prompt = '';
			}
		} catch (error) {
			this.showEngineError(error);
			recording?.failed('run', this.error);
		} finally {
			this.running = false;
			void recording?.end();
		}
	}

	/** Shows a stored run's output, seed and stats as they were, without running anything. */
	showStoredRun(run: RunRecord): void {
		this.output = run.text;
		this.result = storedResult(run);
		this.seedUsed = run.seed;
		this.live = { tokens: run.tokens.length, timeToFirstTokenMs: null, tokensPerSecond: null };
		this.storedRun = { status: run.status, error: run.error, tokens: run.tokens };
	}

	private showEngineError(error: unknown): void {
		this.error = describeError(error);
		this.offerReload = (error as { code?: unknown } | null)?.code === 'device-lost';
	}

	async stop(): Promise<void> {
		if (this.running) await this.client.stop();
	}

	/** Splits the completion prompt into the model's tokens (without BOS), for display. */
	async tokenizePrompt(): Promise<void> {
		if (!this.model) {
			this.error = 'Load a model first.';
			return;
		}
		try {
			const ids = await this.client.tokenize(this.prompt);
			const pieces = await this.client.tokenPieces(ids);
			this.promptTokens = ids.map((id, i) => ({ id, piece: pieces[i] }));
		} catch (error) {
			this.error = describeError(error);
		}
	}

	clearConversation(): void {
		this.conversation = [];
	}

	dispose(): void {
		this.client.dispose();
	}
}
