import { describe, expect, it } from 'vitest';
import { engineOfModelId, engineOfSource, webLlmIdOf, webLlmModelId } from './model-id';

describe('model ids', () => {
	it('a WebLLM model id round-trips through the prefix', () => {
		const id = webLlmModelId('SmolLM2-360M-Instruct-q4f32_1-MLC');
		expect(id).toBe('webllm:SmolLM2-360M-Instruct-q4f32_1-MLC');
		expect(engineOfModelId(id)).toBe('webllm');
		expect(webLlmIdOf(id)).toBe('SmolLM2-360M-Instruct-q4f32_1-MLC');
	});

	it('any other id is a GGUF model for the CPU engine', () => {
		for (const id of ['stories260K', 'local:my-model.gguf', 'webllm', 'WEBLLM:x']) {
			expect(engineOfModelId(id)).toBe('wllama');
			expect(webLlmIdOf(id)).toBeNull();
		}
	});

	it('a source names its engine by its kind', () => {
		expect(engineOfSource({ kind: 'url', url: '/models/a.gguf' })).toBe('wllama');
		expect(engineOfSource({ kind: 'blob', blob: new Blob([]), name: 'a.gguf' })).toBe('wllama');
		const model = {
			id: 'x',
			name: 'x',
			modelUrl: '',
			modelLibUrl: '',
			requiredFeatures: [],
			vramRequiredMB: null
		};
		expect(engineOfSource({ kind: 'webllm', model })).toBe('webllm');
	});
});
