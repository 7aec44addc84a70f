import { hubFileChoice } from '#lib/models/hub';
import { fetchLocalModels } from '#lib/models/local-models';
import { allowsModelUrl, BUILT_IN_MODEL_HOSTS } from '#lib/models/model-hosts';
import { readRemoteGguf } from '#lib/models/remote-gguf';
import { downloadToStorage } from '#lib/models/resumable-download';
import { requestPersistentStorage, storageStatus } from '#lib/platform/storage';
import { probeWebGpu } from '#lib/platform/webgpu';
import { playgroundDb, watchPlaygroundDb, type PlaygroundDbEvents } from '#lib/storage/db';
import { storedPartBytes } from '#lib/storage/model-file-parts';
import {
	CHUNK_BYTES,
	deleteAllModelFiles,
	deleteModelFile,
	listModelFiles
} from '#lib/storage/model-files';
import { broadcastSessionChannel, type SessionChannel } from '#lib/storage/session-changes';
import { readCustomModels, SETTING_KEYS, writeSetting } from '#lib/storage/settings';
import type { HubSources } from './hub-models.svelte';
import type { ModelHeaderReader } from './model-facts.svelte';
import type { ShelfSources } from './model-shelf.svelte';
import type { ClipboardWriter } from './output-actions.svelte';
import type { ScreenClock } from './single-run.svelte';
import type { ModelStorage } from './stored-models.svelte';

/** The model shelf's lists as the browser keeps them. */
export function browserShelfSources(): ShelfSources {
	return {
		readCustomModels: () => readCustomModels(localStorage),
		saveCustomModels: (models) => writeSetting(SETTING_KEYS.customWebLlmModels, models),
		listLocalModels: (indexUrl) => fetchLocalModels(indexUrl),
		probeWebGpu: () => probeWebGpu(),
		allowsDownloadFrom: (url) =>
			allowsModelUrl(url, [...BUILT_IN_MODEL_HOSTS, ...__MODEL_HOSTS__], location.origin),
		storedChoices: async () =>
			(await listModelFiles(await playgroundDb())).map((file) => hubFileChoice(file, __HUB_URL__))
	};
}

/** The Hugging Face Hub (the build's HUB_URL), the page's fetch and the browser's storage. */
export function browserHubSources(): HubSources {
	return {
		hubUrl: __HUB_URL__,
		fetch: (input, init) => fetch(input, init),
		readHeader: (url, options) => readRemoteGguf(url, options),
		download: async (target, options) => downloadToStorage(await playgroundDb(), target, options),
		partBytes: async (url) => storedPartBytes(await playgroundDb(), url, CHUNK_BYTES),
		isStored: async (url) =>
			(await playgroundDb().then((db) => db.get('modelFiles', url))) !== undefined
	};
}

/** Reads a model's header on its server with HTTP range requests. */
export function browserModelHeaderReader(): ModelHeaderReader {
	return (url, options) => readRemoteGguf(url, options);
}

/** The browser's storage of model files and its figures. */
export function browserModelStorage(): ModelStorage {
	return {
		listModelFiles: async () => listModelFiles(await playgroundDb()),
		deleteModelFile: async (url) => deleteModelFile(await playgroundDb(), url),
		deleteAllModelFiles: async () => deleteAllModelFiles(await playgroundDb()),
		status: () => storageStatus(),
		requestPersistence: () => requestPersistentStorage()
	};
}

/** The channel the history of every tab of this origin shares (none where the browser lacks it). */
export function browserSessionChannel(): SessionChannel | null {
	return broadcastSessionChannel();
}

/** Gives the page's handlers to this thread's shared database connection. */
export function watchBrowserDb(events: PlaygroundDbEvents): void {
	watchPlaygroundDb(events);
}

/** The browser's clipboard, where the page may write to it (a secure context); else null. */
export function browserClipboard(): ClipboardWriter | null {
	const clipboard = globalThis.navigator?.clipboard;
	return clipboard ? { writeText: (text) => clipboard.writeText(text) } : null;
}

/** The browser's: `performance.now()` and the next `requestAnimationFrame`. */
export const browserScreenClock: ScreenClock = {
	now: () => performance.now(),
	afterPaint: () =>
		new Promise((resolve) => {
			if (document.visibilityState === 'hidden') return resolve(null);
			const hidden = () => {
				cancelAnimationFrame(frame);
				document.removeEventListener('visibilitychange', hidden);
				resolve(null);
			};
			const frame = requestAnimationFrame(() => {
				document.removeEventListener('visibilitychange', hidden);
				resolve(performance.now());
			});
			document.addEventListener('visibilitychange', hidden);
		})
};
