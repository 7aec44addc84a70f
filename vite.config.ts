import path from 'node:path';
import { fileURLToPath } from 'node:url';
import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import { crossOriginIsolation } from './tools/vite/cross-origin-isolation.ts';
import { modelsFolder } from './tools/vite/models-folder.ts';

// Local GGUF files served under /models/ in dev and preview; relative to the project root.
const modelsDir = path.resolve(
	fileURLToPath(new URL('.', import.meta.url)),
	process.env.MODELS_DIR ?? 'models'
);

export default defineConfig({
	plugins: [
		crossOriginIsolation(),
		modelsFolder({ dir: modelsDir }),
		sveltekit({ adapter: adapter() })
	],
	worker: { format: 'es' },
	test: {
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['src/**/*.test.ts', 'tools/**/*.test.ts'],
					exclude: ['src/**/*.svelte.test.ts'],
					environment: 'node'
				}
			},
			{
				// Runes state classes, run on Svelte's client runtime so their effects fire.
				extends: true,
				resolve: { conditions: ['browser'] },
				test: {
					name: 'runes',
					include: ['src/**/*.svelte.test.ts'],
					environment: './src/lib/app/testing/runes-environment.ts'
				}
			}
		]
	}
});
