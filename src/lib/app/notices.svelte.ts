import type { PromptInput } from '#lib/core/prompt';
import { describeError } from './errors';
import { CausedError, type FieldValidity } from './field-validity.svelte';

/** The inputs a run's error is about: the model and the prompt, as one comparable key. */
export function runInputs(modelId: string, input: PromptInput): string {
	return JSON.stringify([modelId, input]);
}

/** What a worker crash cut short: a single run or a compare. */
export type CrashedWork = 'run' | 'compare';

/**
 * The page's two banners: the error (what went wrong) and the notice (what the user should know).
 * Owns their texts, and tells a worker crash in one notice: what happened, what it cut short and
 * what the app does about it. Every state class that reports to the user calls it (the loader
 * reports restarts, runs and compares what a crash cut short); the page's banners read it.
 */
export class Notices {
	#error = new CausedError();
	notice = $state('');
	/** The GPU device was lost: only a page reload gets a fresh one. */
	offerReload = $state(false);
	/** The run whose failure the error banner tells of: its inputs and the banner's text then. */
	#failedRun: { inputs: string; text: string } | null = null;
	/** The worker restart the notice tells of, while it does. */
	#restart: { reason: string; reloading: string | null; during: CrashedWork | null } | null = null;

	/** The error banner's text; setting it replaces what the banner says. */
	get error(): string {
		return this.#error.text;
	}

	set error(text: string) {
		this.#error.text = text;
	}

	/**
	 * A run was refused because of invalid fields: the banner repeats their messages while they stay
	 * invalid and goes away once they all hold valid values.
	 */
	blockedByFields(validity: FieldValidity): void {
		this.#error.blockedBy(validity);
		this.offerReload = false;
	}

	/** Shows an engine or worker failure, offering a reload when the GPU device was lost. */
	showEngineError(error: unknown): void {
		this.error = describeError(error);
		this.offerReload = (error as { code?: unknown } | null)?.code === 'device-lost';
	}

	/** A run on `inputs` (see {@link runInputs}) failed with `error`: the banner tells of it. */
	runFailed(error: unknown, inputs: string): void {
		this.showEngineError(error);
		this.#failedRun = { inputs, text: this.error };
	}

	/**
	 * A later run (single or compare) on `inputs` succeeded: a banner about a run of the same
	 * inputs is obsolete and goes; any other banner stays.
	 */
	runSucceeded(inputs: string): void {
		const failed = this.#failedRun;
		if (failed?.inputs !== inputs) return;
		this.#failedRun = null;
		if (this.error === failed.text) this.dismissError();
	}

	dismissError(): void {
		this.error = '';
		this.offerReload = false;
	}

	/** The worker crashed and was restarted for `reason`; `reloading` is the model loading again. */
	workerRestarted(reason: string, reloading: string | null): void {
		this.#restart = { reason, reloading, during: null };
		this.notice = this.#restartText();
	}

	/**
	 * A run or compare failed because the worker crashed for `reason`. The client reports the
	 * restart before the call it cut short fails, so this completes the restart's notice.
	 */
	crashedDuring(work: CrashedWork, reason: string): void {
		const restart = this.#restart?.reason === reason ? this.#restart : null;
		this.#restart = { reason, reloading: restart?.reloading ?? null, during: work };
		this.notice = this.#restartText();
	}

	#restartText(): string {
		const restart = this.#restart;
		if (!restart) return '';
		const { reason, reloading, during } = restart;
		if (!during) {
			return `The inference worker stopped unexpectedly (${reason}) and was restarted.${
				reloading ? ` Loading ${reloading} again.` : ''
			}`;
		}
		const again = during === 'compare' ? 'run the compare again' : 'run again';
		return `The model worker crashed during the ${during} (${reason}). It has been restarted${
			reloading
				? ` and ${reloading} is loading again; ${again} when it is ready.`
				: `; load a model to ${again}.`
		}`;
	}
}
