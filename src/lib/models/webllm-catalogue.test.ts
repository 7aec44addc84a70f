import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import { describe, expect, it } from 'vitest';
import { WEBLLM_CATALOGUE, featuresForQuantization, quantizationOf } from './webllm-catalogue';

describe('WebLLM catalogue', () => {
	it('matches the prebuilt model list shipped with WebLLM', () => {
		for (const model of WEBLLM_CATALOGUE) {
			const record = prebuiltAppConfig.model_list.find((r) => r.model_id === model.id);
			expect(record, model.id).toBeDefined();
			expect(model.modelUrl).toBe(record!.model);
			expect(model.modelLibUrl).toBe(record!.model_lib);
			expect(model.vramRequiredMB).toBe(record!.vram_required_MB);
			for (const feature of record!.required_features ?? []) {
				expect(model.requiredFeatures).toContain(feature);
			}
		}
	});

	it('covers the small chat models the playground promises', () => {
		const ids = WEBLLM_CATALOGUE.map((m) => m.id).join(' ');
		for (const family of [
			'SmolLM2-135M',
			'SmolLM2-360M',
			'Qwen2.5-0.5B',
			'Llama-3.2-1B',
			'gemma3-1b',
			'Qwen3-0.6B'
		]) {
			expect(ids).toContain(family);
		}
	});

	it('marks every f16 build as needing shader-f16, and no f32 build', () => {
		expect(quantizationOf('Llama-3.2-1B-Instruct-q4f16_1-MLC')).toBe('q4f16_1');
		expect(featuresForQuantization('q4f16_1')).toEqual(['shader-f16']);
		expect(featuresForQuantization('q0f32')).toEqual([]);
		for (const model of WEBLLM_CATALOGUE) {
			expect(model.requiredFeatures.includes('shader-f16')).toBe(/f16/.test(model.id));
		}
	});

	it('estimates download sizes from parameters and bits per weight', () => {
		const smol = WEBLLM_CATALOGUE.find((m) => m.id === 'SmolLM2-135M-Instruct-q0f32-MLC')!;
		expect(smol.downloadBytesEstimate).toBe(538_000_000);
	});
});
