import { untrack } from 'svelte';
import { WLLAMA_ARCHITECTURES } from '#lib/engines/wllama/architectures';
import { describeGgufFacts, GgufError, type GgufFacts } from '#lib/models/gguf';
import type { ModelChoice } from '#lib/models/local-models';
import { describeError } from './errors';
import type { ModelShelf } from './model-shelf.svelte';

/** Reads the header of the GGUF file at a URL without downloading it (HTTP ranges in the app). */
export type ModelHeaderReader = (
	url: string,
	options: { knownSize: number | null; supportedArchitectures: readonly string[] }
) => Promise<GgufFacts>;

export interface ModelFactsSources {
	readHeader: ModelHeaderReader;
	/** Whether the app's Content-Security-Policy lets it fetch from this URL. */
	allowsDownloadFrom(url: string): boolean;
	/** Whether the browser stores this file already (then it loads without the network). */
	isStored(url: string): Promise<boolean>;
}

/** What is known of a file's header; `text` is what the picker shows. */
export type ModelFactsState =
	| { status: 'reading'; text: string }
	| { status: 'read'; text: string; facts: GgufFacts }
	| { status: 'refused'; text: string; reason: string }
	| { status: 'unreadable'; text: string };

/**
 * The facts of the CPU models on a server (catalogue entries, the local models folder), read
 * from their headers before a download starts: shown for the selected model, and a bad file
 * refused before a load downloads it. One read per URL, kept in memory for the page's life;
 * files the browser stores already are not read. Calls its {@link ModelFactsSources}; reads the
 * shelf's pick; the loader asks {@link refusal} before a download, the model picker shows
 * {@link selected}.
 */
export class ModelFacts {
	#states = $state.raw<Record<string, ModelFactsState>>({});
	/** Reads under way, by URL; not state, so a plain Map. */
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#reads = new Map<string, Promise<ModelFactsState | null>>();

	constructor(
		private readonly sources: ModelFactsSources | null,
		private readonly shelf: ModelShelf
	) {}

	/** What is known of the selected CPU model's header, if anything is to be known. */
	get selected(): ModelFactsState | null {
		const url = this.shelf.selectedChoice?.url;
		return url ? (this.#states[url] ?? null) : null;
	}

	/** Reads the header of each model the shelf selects. Returns the function that stops it. */
	watch(): () => void {
		return $effect.root(() => {
			$effect(() => {
				const choice = this.shelf.selectedChoice;
				if (choice) untrack(() => void this.check(choice));
			});
		});
	}

	/**
	 * Reads the header of `choice` unless it is known already, read now, stored in the browser, or
	 * outside what the policy lets the app fetch. Resolves to what is known (null: nothing to read).
	 */
	check(choice: ModelChoice): Promise<ModelFactsState | null> {
		const { sources } = this;
		const url = choice.url;
		if (!sources || !url || choice.engine === 'webllm') return Promise.resolve(null);
		const known = this.#states[url];
		if (known?.status === 'read' || known?.status === 'refused') return Promise.resolve(known);
		const pending = this.#reads.get(url);
		if (pending) return pending;
		const read = this.#read(sources, choice, url).finally(() => this.#reads.delete(url));
		this.#reads.set(url, read);
		return read;
	}

	/** The reason to refuse `choice` before downloading it: its header is bad. Null to go ahead. */
	async refusal(choice: ModelChoice): Promise<GgufError | null> {
		const state = await this.check(choice);
		return state?.status === 'refused' ? new GgufError(state.reason) : null;
	}

	async #read(
		sources: ModelFactsSources,
		choice: ModelChoice,
		url: string
	): Promise<ModelFactsState | null> {
		if (await sources.isStored(url).catch(() => false)) {
			this.#states = Object.fromEntries(
				Object.entries(this.#states).filter(([key]) => key !== url)
			);
			return null;
		}
		if (!sources.allowsDownloadFrom(url)) {
			const host = URL.parse(url)?.host ?? url;
			return this.#set(url, {
				status: 'unreadable',
				text: `The facts of ${choice.file} cannot be read here: this app's Content-Security-Policy does not allow downloads from ${host}.`
			});
		}
		this.#set(url, { status: 'reading', text: `Reading the header of ${choice.file}…` });
		try {
			const facts = await sources.readHeader(url, {
				knownSize: choice.sizeExact ? choice.sizeBytes : null,
				supportedArchitectures: WLLAMA_ARCHITECTURES
			});
			return this.#set(url, {
				status: 'read',
				facts,
				text: `${choice.file}: ${describeGgufFacts(facts)}`
			});
		} catch (error) {
			if (error instanceof GgufError) {
				return this.#set(url, {
					status: 'refused',
					reason: error.message,
					text: `${choice.file} cannot be loaded: ${error.message}.`
				});
			}
			return this.#set(url, {
				status: 'unreadable',
				text: `The facts of ${choice.file} could not be read before downloading it (${describeError(error)}); it can still be loaded.`
			});
		}
	}

	#set(url: string, state: ModelFactsState): ModelFactsState {
		this.#states = { ...this.#states, [url]: state };
		return state;
	}
}
