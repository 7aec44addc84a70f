/**
 * Reads a file WebLLM has already stored with `cacheBackend: "indexeddb"`, falling back to the
 * network, so the engine's own look at `mlc-chat-config.json` and `tokenizer.json` works
 * offline once WebLLM has loaded the model and costs no second download.
 *
 * This leans on WebLLM 0.2.86's (tvmjs') cache layout: one IndexedDB database per scope
 * (`webllm/config`, `webllm/model`), an object store `urls`, records `{ url, data }`. The
 * database is opened read-only and never created: if it does not exist the open is aborted,
 * since an empty database of that name would break WebLLM's own cache later.
 */
export type CacheScope = 'webllm/config' | 'webllm/model';

export type FileReader = (
	url: string,
	scope: CacheScope,
	signal?: AbortSignal
) => Promise<ArrayBuffer>;

/** The bytes WebLLM stored for `url`, or null (not stored, or stored in another form). */
export async function readFromWebLlmCache(
	url: string,
	scope: CacheScope
): Promise<ArrayBuffer | null> {
	const data = await readWebLlmCacheEntry(url, scope);
	return data instanceof ArrayBuffer ? data : null;
}

/**
 * What WebLLM stored for `url` as it stored it: bytes for files it fetched as `arraybuffer`,
 * a parsed object for those it fetched as `json` (such as `tensor-cache.json`); null if absent.
 */
export function readWebLlmCacheEntry(url: string, scope: CacheScope): Promise<unknown> {
	const factory = globalThis.indexedDB;
	if (!factory) return Promise.resolve(null);
	return new Promise((resolve) => {
		let request: IDBOpenDBRequest;
		try {
			request = factory.open(scope);
		} catch {
			resolve(null);
			return;
		}
		request.onupgradeneeded = () => {
			// The database did not exist: do not create it.
			request.transaction?.abort();
			resolve(null);
		};
		request.onerror = () => resolve(null);
		request.onblocked = () => resolve(null);
		request.onsuccess = () => {
			const db = request.result;
			try {
				if (!db.objectStoreNames.contains('urls')) {
					db.close();
					resolve(null);
					return;
				}
				const get = db.transaction('urls', 'readonly').objectStore('urls').get(url);
				get.onsuccess = () => {
					db.close();
					resolve((get.result as { data?: unknown } | undefined)?.data ?? null);
				};
				get.onerror = () => {
					db.close();
					resolve(null);
				};
			} catch {
				db.close();
				resolve(null);
			}
		};
	});
}

/**
 * Deletes what WebLLM stored for `url`, if anything (WebLLM 0.2.86 leaves a deleted model's
 * `tensor-cache.json` behind). Like the read, it never creates the database.
 */
export function deleteWebLlmCacheEntry(url: string, scope: CacheScope): Promise<void> {
	const factory = globalThis.indexedDB;
	if (!factory) return Promise.resolve();
	return new Promise((resolve) => {
		const request = factory.open(scope);
		request.onupgradeneeded = () => request.transaction?.abort();
		request.onerror = () => resolve();
		request.onblocked = () => resolve();
		request.onsuccess = () => {
			const db = request.result;
			if (!db.objectStoreNames.contains('urls')) {
				db.close();
				resolve();
				return;
			}
			const transaction = db.transaction('urls', 'readwrite');
			transaction.objectStore('urls').delete(url);
			transaction.oncomplete =
				transaction.onerror =
				transaction.onabort =
					() => {
						db.close();
						resolve();
					};
		};
	});
}

export const readCachedOrFetch: FileReader = async (url, scope, signal) => {
	const cached = await readFromWebLlmCache(url, scope);
	if (cached) return cached;
	const response = await fetch(url, { signal });
	if (!response.ok) {
		throw new Error(`Network response was not ok: ${response.status} for ${url}`);
	}
	return response.arrayBuffer();
};
