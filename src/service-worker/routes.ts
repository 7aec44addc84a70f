/**
 * How the service worker answers each request. Only content-hashed build files are served from
 * the cache first; everything else that is cached is fetched first and read from the cache only
 * when the network fails, so an online visit always gets the newest build.
 */
export type Strategy =
	/** Content-hashed build output: the cached copy can never be stale. */
	| 'cache-first'
	/** Static files, the page and the local models list: the network, else the cached copy. */
	| 'network-first'
	/** A page load at any path or query: the network, else the cached app page. */
	| 'app-page'
	/** Not ours to answer: other origins, model weights, anything not cached. */
	| 'pass';

export interface CacheLists {
	/**
	 * Path (from the site root) of the folder of content-hashed build files. Besides the app's
	 * own files it holds the worker's lazily loaded chunks (WebLLM), which the build manifest
	 * does not list: those are kept the first time they are fetched. Null in dev (no build).
	 */
	immutable: string | null;
	/** Paths of the other files to keep: static assets, prerendered pages, the models list. */
	other: ReadonlySet<string>;
}

/** Model weights live in IndexedDB, stored by the engine; the Cache API must not copy them. */
const MODEL_WEIGHTS = /\.gguf$/i;

export function strategyFor(
	request: { url: string; method: string; mode: RequestMode },
	origin: string,
	lists: CacheLists
): Strategy {
	if (request.method !== 'GET') return 'pass';
	const url = new URL(request.url);
	if (url.origin !== origin || MODEL_WEIGHTS.test(url.pathname)) return 'pass';
	if (request.mode === 'navigate') return 'app-page';
	if (lists.immutable !== null && url.pathname.startsWith(lists.immutable)) return 'cache-first';
	if (lists.other.has(url.pathname)) return 'network-first';
	return 'pass';
}
