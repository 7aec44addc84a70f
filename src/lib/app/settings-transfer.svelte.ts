import {
	describeImport,
	importSettings,
	SettingsImportError,
	toLlamaCppRequest,
	type SettingsFormat
} from '#lib/formats/sampler-settings';
import type { FieldValidity } from './field-validity.svelte';
import type { ClipboardWriter } from './output-actions.svelte';
import type { RunSettings } from './run-settings.svelte';

/** How long "Copied" stays on show. */
const STATUS_MS = 2500;

/**
 * Settings from other tools in and out of the parameter panel: "Import settings…" reads a
 * llama.cpp request, a text-generation-webui preset or a SillyTavern preset (a file or pasted
 * text) onto the panel and reports what it set and what is not supported here; "Copy as
 * llama.cpp request" puts the panel's settings on the clipboard. The parameter panel calls it.
 */
export class SettingsTransfer {
	/** The import form is open. */
	open = $state(false);
	/** Pasted text. */
	text = $state('');
	/** The format chosen; 'auto' guesses from the text. */
	format = $state<SettingsFormat | 'auto'>('auto');
	/** Lines saying what the last import did; empty before any. */
	report = $state<string[]>([]);
	/** Why the last import was refused, one line per bad field; empty when it was not. */
	problems = $state<string[]>([]);
	/** What the last copy did ("Copied"), for a live region; '' when nothing to say. */
	status = $state('');
	#statusTimer: ReturnType<typeof setTimeout> | undefined;

	constructor(
		private readonly deps: {
			settings: RunSettings;
			validity: FieldValidity;
			/** The loaded model's vocabulary size, bounding top-k and logit-bias ids. */
			vocabSize: () => number | undefined;
			/** None where the browser gives no clipboard: Copy then says so. */
			clipboard: ClipboardWriter | null;
		}
	) {}

	/** Reads `text` (the pasted text by default) onto the panel, or says why it cannot. */
	importText(text: string = this.text): boolean {
		const { settings, validity } = this.deps;
		this.report = [];
		this.problems = [];
		if (text.trim() === '') {
			this.problems = ['Paste settings or choose a file first.'];
			return false;
		}
		try {
			const imported = importSettings(text, {
				format: this.format === 'auto' ? undefined : this.format,
				base: $state.snapshot(settings.params),
				vocabSize: this.deps.vocabSize()
			});
			settings.params = imported.params;
			if (imported.maxNewTokens !== undefined) settings.maxNewTokens = imported.maxNewTokens;
			if (imported.stopSequences) settings.stopSequences = imported.stopSequences.join('\n');
			validity.clear();
			this.report = describeImport(imported);
			return true;
		} catch (error) {
			if (!(error instanceof SettingsImportError)) throw error;
			this.problems = [...error.problems];
			return false;
		}
	}

	/** Reads a chosen file, as {@link importText}. */
	async importFile(file: Blob): Promise<boolean> {
		const text = await file.text();
		this.text = text;
		return this.importText(text);
	}

	/** The panel's settings as a llama.cpp `/completion` request body, pretty-printed. */
	llamaCppRequest(): string {
		const { settings } = this.deps;
		const request = toLlamaCppRequest($state.snapshot(settings.params), {
			maxNewTokens: settings.maxNewTokens,
			stopSequences: settings.stopList()
		});
		return JSON.stringify(request, null, 2);
	}

	async copyRequest(): Promise<void> {
		const { clipboard } = this.deps;
		if (!clipboard) {
			this.#say('Copy is not available here: the browser gives this page no clipboard.');
			return;
		}
		try {
			await clipboard.writeText(this.llamaCppRequest());
			this.#say('Copied');
		} catch {
			this.#say('Copy failed: the browser refused the clipboard.');
		}
	}

	#say(text: string): void {
		this.status = text;
		clearTimeout(this.#statusTimer);
		this.#statusTimer = setTimeout(() => (this.status = ''), STATUS_MS);
	}
}
