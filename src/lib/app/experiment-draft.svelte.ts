import type { Experiment } from '#lib/core/experiment';
import type { ModelInfo } from '#lib/core/model';
import { fitToModel } from './experiment-fit';
import type { FieldValidity } from './field-validity.svelte';
import type { ModelLoader } from './model-loader.svelte';
import type { ModelShelf } from './model-shelf.svelte';
import type { PromptDraft } from './prompt.svelte';
import type { RunSettings } from './run-settings.svelte';

/**
 * The experiment on the page, in and out: the picked model, the prompt and the settings as one
 * {@link Experiment} (to record, store and share), and an experiment put back on the page. Holds
 * no state of its own; reads and writes the shelf, loader, prompt, settings and validity. Runs,
 * compare, the history, the share link and the page call it.
 */
export class ExperimentDraft {
	constructor(
		private readonly shelf: ModelShelf,
		private readonly loader: ModelLoader,
		private readonly prompt: PromptDraft,
		private readonly settings: RunSettings,
		private readonly validity: FieldValidity
	) {}

	/** The model, prompt and settings on the page now, as stored and shared. */
	current(): Experiment {
		const { shelf, loader, settings } = this;
		const snapshotOf = <T>(value: T): T => $state.snapshot(value) as T;
		const skill = this.prompt.mode === 'chat' ? this.prompt.skill : null;
		const experiment: Experiment = {
			model: {
				id: shelf.modelId,
				name: shelf.selectedChoice?.name ?? shelf.selectedWebLlm?.name ?? shelf.modelId,
				engine: loader.engineOf(shelf.modelId),
				sha256: loader.model?.sha256 ?? shelf.selectedChoice?.sha256 ?? null
			},
			input: snapshotOf(this.prompt.input()),
			params: snapshotOf(settings.params),
			maxNewTokens: settings.maxNewTokens,
			contextLength: shelf.contextLength,
			stopSequences: settings.stopList(),
			banEndOfText: settings.banEndOfText,
			sampling: loader.samplingMode
		};
		if (skill) experiment.skill = { name: skill.name, systemPrompt: skill.systemPrompt };
		return experiment;
	}

	/**
	 * Puts an experiment on the page, ready to run: prompt, settings and the model to load.
	 * Returns why its model cannot be picked here, or null. The model is selected, not loaded.
	 */
	apply(experiment: Experiment): string | null {
		this.prompt.apply(experiment.input);
		this.prompt.skill = experiment.skill ?? null;
		this.settings.apply(experiment);
		this.loader.samplingMode = experiment.sampling;
		// A GGUF model recorded on one CPU engine loads on that engine again.
		if (experiment.model.engine !== 'webllm') this.loader.cpuEngine = experiment.model.engine;
		this.validity.clear();
		if (!this.shelf.offers(experiment.model.id)) {
			return `The model “${experiment.model.name}” (${experiment.model.id}) is not available here; pick a model and run again.`;
		}
		this.shelf.selectModel(experiment.model.id);
		this.shelf.contextLength = experiment.contextLength;
		return null;
	}

	/**
	 * Opens a shared experiment ready to run: puts it on the page, loads its model (unless that
	 * model is loaded already with the same context window), then checks the experiment against
	 * that model. Returns what the user should know, or null: the model is not available here,
	 * values the model cannot take (their fields then say so too, and runs wait until they are
	 * fixed) and what was corrected, or a model file that differs from the sharer's.
	 */
	async open(experiment: Experiment): Promise<string | null> {
		const problem = this.apply(experiment);
		if (problem) return problem;
		const { loader } = this;
		if (!loader.isLoaded(experiment.model.id, this.shelf.contextLength))
			await loader.loadSelected();
		if (!loader.model || !loader.isLoaded(experiment.model.id, this.shelf.contextLength)) {
			return null;
		}
		const messages = this.fit(experiment, loader.model);
		const expected = experiment.model.sha256;
		const actual = loader.model.sha256;
		if (expected && actual && expected !== actual) {
			messages.push(
				`The loaded file of ${experiment.model.name} differs from the one this experiment ran on (sha256 ${actual.slice(0, 12)}… instead of ${expected.slice(0, 12)}…), so its output may differ.`
			);
		}
		return messages.length > 0 ? messages.join(' ') : null;
	}

	/** Applies what {@link fitToModel} finds: field messages and corrections; returns its messages. */
	private fit(experiment: Experiment, model: ModelInfo): string[] {
		const engine = this.loader.loadedEngine ?? experiment.model.engine;
		const fit = fitToModel(experiment, { name: model.name, engine, vocabSize: model.vocabSize });
		for (const [field, message] of Object.entries(fit.fields)) this.validity.set(field, message);
		if (fit.logitBias) this.settings.params.logitBias = fit.logitBias;
		if (fit.sampling) this.loader.samplingMode = fit.sampling;
		return fit.messages;
	}
}
