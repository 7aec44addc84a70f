import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import { LAYERS, layersRule, layerViolation } from './layers.js';

describe('layer order', () => {
	it('lets a folder import a lower one, and itself', () => {
		expect(layerViolation('src/lib/app/state.ts', '#lib/core/model')).toBeNull();
		expect(layerViolation('src/lib/engines/x.ts', '$lib/sampling')).toBeNull();
		expect(layerViolation('src/lib/engines/webllm/a.ts', '../types')).toBeNull();
		expect(layerViolation('src/lib/generation/a.ts', './types')).toBeNull();
		expect(layerViolation('src/routes/+page.svelte', '#lib/components/X.svelte')).toBeNull();
		expect(layerViolation('src/lib/core/a.ts', 'idb')).toBeNull();
	});

	it('refuses an import of a higher folder, however it is written', () => {
		expect(layerViolation('src/lib/engines/webllm.ts', '#lib/generation/types')).toMatch(
			'engines/ may not import generation/'
		);
		expect(layerViolation('src/lib/storage/a.ts', '../app/sessions.svelte')).toMatch(
			'storage/ may not import app/'
		);
		expect(layerViolation('src/lib/components/A.svelte', '$lib/../routes/x')).toMatch(
			'components/ may not import routes/'
		);
	});

	it('so no two folders can import each other', () => {
		for (const a of LAYERS) {
			for (const b of LAYERS) {
				if (a === b) continue;
				const there = layerViolation(`src/lib/${a}/x.ts`, `#lib/${b}/y`);
				const back = layerViolation(`src/lib/${b}/x.ts`, `#lib/${a}/y`);
				expect([there, back].filter((v) => v === null)).toHaveLength(1);
			}
		}
	});

	it('names a new folder that has no layer yet', () => {
		expect(layerViolation('src/lib/app/a.ts', '#lib/gadgets/b')).toMatch(
			'src/lib/gadgets has no layer'
		);
	});

	it('reports through ESLint on imports, re-exports and dynamic imports', () => {
		const linter = new Linter({ cwd: '/project' });
		const config = [
			{
				files: ['**/*.ts'],
				plugins: { project: { rules: { layers: layersRule } } },
				rules: { 'project/layers': 'error' as const }
			}
		];
		const code = [
			"import { a } from '#lib/app/a';",
			"export { b } from '#lib/worker/b';",
			"export * from '#lib/core/c';",
			"const d = import('#lib/components/D.svelte');"
		].join('\n');
		const messages = linter.verify(code, config, {
			filename: '/project/src/lib/explore/tree.ts'
		});
		expect(messages.map((m) => m.line)).toEqual([1, 2, 4]);
	});
});
