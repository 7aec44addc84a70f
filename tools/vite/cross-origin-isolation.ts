import type { Connect, Plugin } from 'vite';

const setIsolationHeaders: Connect.NextHandleFunction = (_req, res, next) => {
	res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
	res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
	next();
};

/**
 * Makes the page cross-origin isolated in dev and preview, which gives it SharedArrayBuffer so
 * the CPU engine can run multi-threaded. Static hosting must send the same two headers.
 */
export function crossOriginIsolation(): Plugin {
	return {
		name: 'sampling-playground:cross-origin-isolation',
		configureServer(server) {
			server.middlewares.use(setIsolationHeaders);
		},
		configurePreviewServer(server) {
			server.middlewares.use(setIsolationHeaders);
		}
	};
}
