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

function readFromWebLlmCache(url: string, scope: CacheScope): Promise<ArrayBuffer | null> {
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
					const data = (get.result as { data?: unknown } | undefined)?.data;
					resolve(data instanceof ArrayBuffer ? data : null);
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

export const readCachedOrFetch: FileReader = async (url, scope, signal) => {
	const cached = await readFromWebLlmCache(url, scope);
	if (cached) return cached;
	const response = await fetch(url, { signal });
	if (!response.ok) {
		throw new Error(`Network response was not ok: ${response.status} for ${url}`);
	}
	return response.arrayBuffer();
};
