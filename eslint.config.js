import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import { layersRule } from './tools/lint/layers.js';

export default ts.config(
	{
		ignores: [
			'build/',
			'.svelte-kit/',
			'static/wllama/',
			'test-results/',
			'playwright-report/',
			'.cache/'
		]
	},
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	prettier,
	...svelte.configs.prettier,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: { 'no-undef': 'off' }
	},
	{
		files: ['src/**/*.ts', 'src/**/*.svelte'],
		plugins: { project: { rules: { layers: layersRule } } },
		rules: { 'project/layers': 'error' }
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: {
			parserOptions: {
				projectService: true,
				extraFileExtensions: ['.svelte'],
				parser: ts.parser
			}
		}
	}
);
