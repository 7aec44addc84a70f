import { self } from '$app/service-worker';
import { assets, immutable, prerendered } from '$app/manifest';
import { version } from '$app/env';
import { strategyFor, type CacheLists } from './routes';

/**
 * Keeps the app shell — the built app, the wasm engines, the page and the local models list —
 * so that after one visit the playground starts with no network. Model weights are not kept
 * here: the engines store them in IndexedDB.
 */

const CACHE_PREFIX = 'sampling-playground-shell-';
// A new build has a new version, so it never reads a cache filled by an older one.
const CACHE = CACHE_PREFIX + version;
const scope = new URL(self.registration.scope);
const at = (path: string) => new URL(path.replace(/^\//, ''), scope).pathname;

const APP_PAGE = at('/');
const MODELS_INDEX = at('/models/index.json');
const shell = [
	...immutable.map((file) => at(file.path)),
	...assets.map((file) => at(file.path)),
	...prerendered.map((file) => at(file.path))
];
// The folder of hashed files, e.g. `_app/immutable/`, as the build names it (empty in dev).
const immutableFolder = /^.*?immutable\//.exec(immutable[0]?.path ?? '')?.[0];
const lists: CacheLists = {
	immutable: immutableFolder ? at(immutableFolder) : null,
	other: new Set([...shell, APP_PAGE, MODELS_INDEX])
};

self.addEventListener('install', (event) => {
	event.waitUntil(
		(async () => {
			const cache = await caches.open(CACHE);
			await cache.addAll([...new Set([...shell, APP_PAGE])]);
			// A static host may have no models folder; the app lists catalogue models without it.
			await cache.add(MODELS_INDEX).catch(() => undefined);
			await self.skipWaiting();
		})()
	);
});

self.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			for (const key of await caches.keys()) {
				if (key.startsWith(CACHE_PREFIX) && key !== CACHE) await caches.delete(key);
			}
			await self.clients.claim();
		})()
	);
});

self.addEventListener('fetch', (event) => {
	const { request } = event;
	const strategy = strategyFor(request, self.location.origin, lists);
	if (strategy === 'pass') return;
	event.respondWith(respond(request, strategy));
});

async function respond(request: Request, strategy: 'cache-first' | 'network-first' | 'app-page') {
	const cache = await caches.open(CACHE);
	// The preview server answers with `Vary: Origin`; module scripts send an Origin header and
	// the install's requests do not, yet the files are the same.
	const options = { ignoreVary: true };
	if (strategy === 'cache-first') {
		const cached = await cache.match(request, options);
		if (cached) return cached;
		const response = await fetch(request);
		if (response.ok) await cache.put(request, response.clone());
		return response;
	}
	try {
		const response = await fetch(request);
		if (response.ok && new URL(request.url).pathname === MODELS_INDEX) {
			await cache.put(MODELS_INDEX, response.clone());
		}
		return response;
	} catch (error) {
		// Cached responses keep their headers, COOP and COEP included, so the page stays
		// cross-origin isolated offline and the multi-threaded engine still runs.
		const fallback =
			strategy === 'app-page'
				? await cache.match(APP_PAGE, options)
				: await cache.match(request, { ...options, ignoreSearch: true });
		if (fallback) return fallback;
		throw error;
	}
}
