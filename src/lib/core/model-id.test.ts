import { describe, expect, it } from 'vitest';
import {
	engineOfModelId,
	engineOfSource,
	parseCpuEngine,
	webLlmIdOf,
	webLlmModelId
} from './model-id';

describe('model ids', () => {
	it('a WebLLM model id round-trips through the prefix', () => {
		const id = webLlmModelId('SmolLM2-360M-Instruct-q4f32_1-MLC');
		expect(id).toBe('webllm:SmolLM2-360M-Instruct-q4f32_1-MLC');
		expect(engineOfModelId(id)).toBe('webllm');
		expect(webLlmIdOf(id)).toBe('SmolLM2-360M-Instruct-q4f32_1-MLC');
	});

	it('any other id is a GGUF model for our CPU engine, or the CPU engine picked', () => {
		for (const id of ['stories260K', 'local:my-model.gguf', 'webllm', 'WEBLLM:x']) {
			expect(engineOfModelId(id)).toBe('llama');
			expect(engineOfModelId(id, 'wllama')).toBe('wllama');
			expect(webLlmIdOf(id)).toBeNull();
		}
	});

	it('a source names its engine by its kind', () => {
		expect(engineOfSource({ kind: 'url', url: '/models/a.gguf' })).toBe('llama');
		expect(engineOfSource({ kind: 'blob', blob: new Blob([]), name: 'a.gguf' }, 'wllama')).toBe(
			'wllama'
		);
		const model = {
			id: 'x',
			name: 'x',
			modelUrl: '',
			modelLibUrl: '',
			requiredFeatures: [],
			vramRequiredMB: null
		};
		expect(engineOfSource({ kind: 'webllm', model })).toBe('webllm');
		expect(engineOfSource({ kind: 'webllm', model }, 'wllama')).toBe('webllm');
	});

	it('the cpuEngine option names a CPU engine or nothing', () => {
		expect(parseCpuEngine('wllama')).toBe('wllama');
		expect(parseCpuEngine('llama')).toBe('llama');
		for (const value of ['webllm', 'WLLAMA', '', null, undefined]) {
			expect(parseCpuEngine(value)).toBeNull();
		}
	});
});
