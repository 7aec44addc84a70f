import path from 'node:path';
import { fileURLToPath } from 'node:url';
import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import { HUGGING_FACE_URL, parseHubUrl, parseModelHosts } from './src/lib/models/model-hosts.ts';
import {
	appContentSecurityPolicy,
	contentSecurityPolicyHeaders
} from './tools/vite/content-security-policy.ts';
import { crossOriginIsolation } from './tools/vite/cross-origin-isolation.ts';
import { modelsFolder } from './tools/vite/models-folder.ts';

// Local GGUF files served under /models/ in dev and preview; relative to the project root.
const root = fileURLToPath(new URL('.', import.meta.url));
const modelsDir = path.resolve(root, process.env.MODELS_DIR ?? 'models');
// A second folder listed with it, unset by default: the browser tests' generated models.
const extraModelsDirs = process.env.EXTRA_MODELS_DIR
	? [path.resolve(root, process.env.EXTRA_MODELS_DIR)]
	: [];

// The Hugging Face Hub that models are found on by name: the real one unless a build (the
// browser tests, with their fixture Hub) names another, which the policy then allows too.
const hubUrl = parseHubUrl(process.env.HUB_URL);
// Hosts a deployment adds to the policy's connect-src, e.g. for its own WebLLM models.
const extraModelHosts = [
	...parseModelHosts(process.env.MODEL_HOSTS),
	...(hubUrl === HUGGING_FACE_URL ? [] : [hubUrl])
];
const policy = appContentSecurityPolicy(extraModelHosts);

export default defineConfig({
	plugins: [
		crossOriginIsolation(),
		contentSecurityPolicyHeaders(policy),
		modelsFolder({ dir: modelsDir, extraDirs: extraModelsDirs }),
		// The built page carries the policy as a <meta>, with the hash of SvelteKit's start-up script.
		sveltekit({ adapter: adapter(), csp: { mode: 'hash', directives: policy } })
	],
	define: { __MODEL_HOSTS__: JSON.stringify(extraModelHosts), __HUB_URL__: JSON.stringify(hubUrl) },
	worker: { format: 'es' },
	test: {
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: [
						'src/**/*.test.ts',
						'tools/**/*.test.ts',
						'demos/**/*.test.ts',
						'bench/**/*.test.ts'
					],
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
