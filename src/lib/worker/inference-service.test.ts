import { describe, expect, it } from 'vitest';
import { FAKE_BOS, FakeEngine } from '#lib/generation/fake-engine';
import type { GenerateRequest, GenerationEvent } from '#lib/generation/types';
import { createSampler, DEFAULT_SAMPLING_PARAMS, validateSamplingParams } from '#lib/sampling';
import { InferenceService } from './inference-service';

function setup(next: (context: readonly number[]) => number = () => 97) {
	const engine = new FakeEngine({ next });
	const service = new InferenceService(() => engine, { createSampler, validateSamplingParams });
	service.configure({ wasmBaseUrl: 'http://localhost/wllama/' });
	return { engine, service };
}

const request = (extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
	input: { mode: 'completion', prompt: 'ab' },
	params: { ...DEFAULT_SAMPLING_PARAMS, temperature: 0 },
	maxNewTokens: 5,
	...extra
});

describe('InferenceService', () => {
	it('needs configure() and a model first', async () => {
		const bare = new InferenceService(() => new FakeEngine({ next: () => 0 }), {
			createSampler,
			validateSamplingParams
		});
		await expect(
			bare.loadModel({ kind: 'url', url: 'http://localhost/m.gguf' })
		).rejects.toMatchObject({
			name: 'NotConfiguredError'
		});
		const { service } = setup();
		await expect(service.generate(request())).rejects.toMatchObject({ name: 'NoModelError' });
	});

	it('loads, tokenizes (BOS on request) and generates with the real sampler', async () => {
		const { service } = setup();
		await service.loadModel({ kind: 'url', url: 'http://localhost/m.gguf' });
		expect(await service.tokenize('ab')).toEqual([97, 98]);
		expect(await service.tokenize('ab', { addBos: true })).toEqual([FAKE_BOS, 97, 98]);
		expect(await service.tokenPieces([97, 98])).toEqual(['a', 'b']);
		const result = await service.generate(request());
		expect(result.text).toBe('aaaaa');
		expect(result.finishReason).toBe('max-tokens');
	});

	it('delivers every event before the result, even when the page is slow', async () => {
		const { service } = setup();
		await service.loadModel({ kind: 'url', url: 'http://localhost/m.gguf' });
		const seen: GenerationEvent[] = [];
		const slowPage = (event: GenerationEvent) =>
			new Promise<void>((resolve) =>
				setTimeout(() => {
					seen.push(event);
					resolve();
				}, 5)
			);
		const result = await service.generate(request(), slowPage);
		expect(seen).toHaveLength(1 + result.tokenIds.length);
	});

	it('refuses a second generation while one runs, and stop() ends it', async () => {
		const { service } = setup();
		await service.loadModel({ kind: 'url', url: 'http://localhost/m.gguf' });
		let stopAt = -1;
		const running = service.generate(request({ maxNewTokens: 1000 }), (event) => {
			if (event.type === 'token' && event.index === 3) {
				stopAt = event.index;
				service.stop();
			}
		});
		await expect(service.generate(request())).rejects.toMatchObject({ name: 'BusyError' });
		const result = await running;
		expect(result.finishReason).toBe('stopped');
		expect(result.tokenIds).toHaveLength(stopAt + 1);
		expect((await service.generate(request())).finishReason).toBe('max-tokens');
	});

	it('rejects invalid sampling parameters with the field named', async () => {
		const { service, engine } = setup();
		await service.loadModel({ kind: 'url', url: 'http://localhost/m.gguf' });
		const bad = request({ params: { ...DEFAULT_SAMPLING_PARAMS, topP: 2 } });
		await expect(service.generate(bad)).rejects.toMatchObject({
			name: 'SamplingValidationError',
			field: 'topP'
		});
		expect(engine.evaluated).toEqual([]);
	});
});
