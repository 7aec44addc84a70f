import { describe, expect, it } from 'vitest';
import { parseCustomModel, readStoredCustomModels } from './custom-webllm';

const good = {
	id: 'MyModel-q4f16_1-MLC',
	modelUrl: 'https://example.test/models/MyModel-q4f16_1-MLC/',
	modelLibUrl: 'https://example.test/libs/MyModel-q4f16_1-webgpu.wasm'
};

describe('parseCustomModel', () => {
	it('accepts a well-formed model and derives what it needs', () => {
		const result = parseCustomModel(good, []);
		expect(result).toEqual({
			ok: true,
			model: {
				id: 'MyModel-q4f16_1-MLC',
				name: 'MyModel-q4f16_1-MLC',
				modelUrl: 'https://example.test/models/MyModel-q4f16_1-MLC',
				modelLibUrl: 'https://example.test/libs/MyModel-q4f16_1-webgpu.wasm',
				requiredFeatures: ['shader-f16'],
				vramRequiredMB: null
			}
		});
	});

	it('names every field that is wrong', () => {
		const result = parseCustomModel(
			{ id: 'bad id', modelUrl: 'models/x', modelLibUrl: 'https://example.test/lib.js' },
			[]
		);
		expect(result.ok).toBe(false);
		if (result.ok) return;
		expect(result.errors.id).toMatch(/^Model id:/);
		expect(result.errors.modelUrl).toBe('Model URL: “models/x” is not an absolute http(s) URL.');
		expect(result.errors.modelLibUrl).toMatch(/\.wasm file/);
	});

	it('refuses an id already in the list', () => {
		const result = parseCustomModel(good, [good.id]);
		expect(result.ok ? null : result.errors.id).toBe(
			'Model id: “MyModel-q4f16_1-MLC” is already in the list.'
		);
	});
});

describe('readStoredCustomModels', () => {
	it('keeps valid entries and drops broken ones without throwing', () => {
		const stored = [good, { id: 'x y' }, good, 42, null];
		expect(readStoredCustomModels(stored).map((m) => m.id)).toEqual([good.id]);
		expect(readStoredCustomModels({ not: 'a list' })).toEqual([]);
		expect(readStoredCustomModels(undefined)).toEqual([]);
	});
});
