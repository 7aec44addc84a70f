import type { Environment } from 'vitest/runtime';

/**
 * Node, but with modules transformed for the browser: `.svelte.ts` state classes then run on
 * Svelte's client runtime, so `$effect`s fire (flush them with `flushSync`).
 */
export default {
	name: 'runes',
	viteEnvironment: 'client',
	setup: () => ({ teardown: () => undefined })
} satisfies Environment;
