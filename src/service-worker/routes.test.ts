import { describe, expect, it } from 'vitest';
import { strategyFor, type CacheLists } from './routes';

const origin = 'https://playground.example';
const lists: CacheLists = {
	immutable: '/_app/immutable/',
	other: new Set(['/', '/wllama/multi-thread/wllama.wasm', '/models/index.json'])
};

function strategy(path: string, init: { method?: string; mode?: RequestMode } = {}) {
	const url = path.startsWith('http') ? path : origin + path;
	return strategyFor(
		{ url, method: init.method ?? 'GET', mode: init.mode ?? 'cors' },
		origin,
		lists
	);
}

describe('service worker routes', () => {
	it('serve content-hashed build files from the cache first', () => {
		expect(strategy('/_app/immutable/entry/app.abc123.js')).toBe('cache-first');
		expect(strategy('/_app/immutable/workers/chunks/B1x2.js')).toBe('cache-first');
	});

	it('fetch the wasm, the page and the models list first, with the cached copy as fallback', () => {
		expect(strategy('/wllama/multi-thread/wllama.wasm')).toBe('network-first');
		expect(strategy('/models/index.json')).toBe('network-first');
		expect(strategy('/')).toBe('network-first');
	});

	it('answer page loads at any query with the app page', () => {
		expect(strategy('/?testHooks', { mode: 'navigate' })).toBe('app-page');
		expect(strategy('/?view=compare#x=abc', { mode: 'navigate' })).toBe('app-page');
	});

	it('leave model weights, other origins, writes and unknown files to the network', () => {
		expect(strategy('/models/stories260K.gguf')).toBe('pass');
		expect(strategy('/models/Big.GGUF')).toBe('pass');
		expect(strategy('https://huggingface.co/x/model.wasm')).toBe('pass');
		expect(strategy('https://huggingface.co/', { mode: 'navigate' })).toBe('pass');
		expect(strategy('/models/index.json', { method: 'POST' })).toBe('pass');
		expect(strategy('/_app/version.json')).toBe('pass');
	});
});
