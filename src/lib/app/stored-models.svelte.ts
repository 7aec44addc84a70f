import type { StoredWebLlmModel } from '#lib/engines/webllm/storage';
import type { StorageStatus } from '#lib/platform/storage';
import type { ModelFileRecord } from '#lib/storage/db';
import type { PlaygroundClient } from './client';
import { describeError } from './errors';
import type { ModelShelf } from './model-shelf.svelte';
import type { Notices } from './notices.svelte';

/** The browser's storage as the model manager uses it (IndexedDB and the storage manager). */
export interface ModelStorage {
	listModelFiles(): Promise<ModelFileRecord[]>;
	deleteModelFile(url: string): Promise<void>;
	deleteAllModelFiles(): Promise<void>;
	status(): Promise<StorageStatus>;
	requestPersistence(): Promise<boolean>;
}

/**
 * The model manager: which models this browser stores (WebLLM's and the GGUF files), their
 * space, and deleting them. Calls the client (WebLLM's cache lives in the worker), the storage
 * and the notices; the model manager component calls it.
 */
export class StoredModels {
	/** WebLLM models in the browser's storage, after the model manager looked. */
	storedModels = $state<StoredWebLlmModel[] | null>(null);
	/** GGUF files the CPU engine keeps in the browser's storage, after the model manager looked. */
	storedFiles = $state<ModelFileRecord[] | null>(null);
	storage = $state<StorageStatus | null>(null);

	constructor(
		private readonly client: PlaygroundClient,
		private readonly shelf: ModelShelf,
		private readonly browserStorage: ModelStorage,
		private readonly notices: Notices
	) {}

	/** Looks up stored WebLLM models, stored GGUF files and the browser's storage figures. */
	async refresh(): Promise<void> {
		try {
			const [stored, files, storage] = await Promise.all([
				this.client.storedWebLlmModels($state.snapshot(this.shelf.webLlmModels)),
				this.browserStorage.listModelFiles(),
				this.browserStorage.status()
			]);
			this.storedModels = stored;
			this.storedFiles = files;
			this.storage = storage;
		} catch (error) {
			this.notices.error = `Stored models could not be listed: ${describeError(error)}`;
		}
	}

	/**
	 * Deletes stored WebLLM models by id; when `ids` is omitted, every stored model of both
	 * engines (WebLLM's and the GGUF files). Then refreshes the lists.
	 */
	async deleteStored(ids?: string[]): Promise<void> {
		const doomed = this.shelf.webLlmModels.filter((m) =>
			(ids ?? this.storedModels?.map((s) => s.id) ?? []).includes(m.id)
		);
		try {
			for (const model of doomed) await this.client.deleteStoredWebLlmModel($state.snapshot(model));
			if (!ids) await this.browserStorage.deleteAllModelFiles();
		} catch (error) {
			this.notices.error = `Deleting stored models failed: ${describeError(error)}`;
		}
		await this.refresh();
	}

	/** Deletes one stored GGUF file (a loaded copy keeps running) and refreshes the lists. */
	async deleteStoredFile(url: string): Promise<void> {
		try {
			await this.browserStorage.deleteModelFile(url);
		} catch (error) {
			this.notices.error = `Deleting the stored file failed: ${describeError(error)}`;
		}
		await this.refresh();
	}

	async requestPersistence(): Promise<void> {
		const granted = await this.browserStorage.requestPersistence();
		if (!granted) {
			this.notices.notice =
				'The browser did not agree to keep stored models for good; it may remove them when space runs low.';
		}
		await this.refresh();
	}
}
