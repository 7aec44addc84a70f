import { describe, expect, it } from 'vitest';
import {
	loadFakeWllamaEngine,
	WLLAMA_BOS,
	WLLAMA_EOS
} from '#lib/engines/wllama/testing/fake-wllama';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '#lib/sampling';
import { generate } from './generate';
import { generateNative } from './native';
import { REAL_SAMPLING as sampling } from './testing/sampling';
import type { GenerateRequest, GenerationEvent } from './types';

/**
 * Native runs on wllama (llama.cpp's own sampler, on a fake wllama): the same events as exact
 * runs, greedy picks equal to exact greedy ones, a run that repeats itself, and the ends.
 */

/** A model whose next token depends on the context: mostly "a", "b" or "c", EOS a little. */
const probabilities = (context: readonly number[]) =>
	new Map([
		[97 + (context.length % 3), 0.5],
		[100 + (context.length % 5), 0.3],
		[110, 0.15],
		[WLLAMA_EOS, 0.05]
	]);

const request = (
	params: Partial<SamplingParams> = {},
	extra: Partial<GenerateRequest> = {}
): GenerateRequest => ({
	input: { mode: 'completion', prompt: 'Once' },
	params: { ...DEFAULT_SAMPLING_PARAMS, ...params },
	maxNewTokens: 12,
	sampling: 'native',
	...extra
});

describe('native generation on wllama', () => {
	it("streams llama.cpp's picks as an exact run's events; greedy picks what exact greedy picks", async () => {
		const { engine, model, wllama } = await loadFakeWllamaEngine({ probabilities });
		const events: GenerationEvent[] = [];
		const native = await generateNative(
			request({ temperature: 0 }),
			{ engine, model, sampling },
			(e) => events.push(e)
		);
		const exact = await generate(request({ temperature: 0 }, { sampling: 'exact' }), {
			engine,
			model,
			sampling
		});
		expect(native.tokenIds).toHaveLength(12);
		expect(native.tokenIds).toEqual(exact.tokenIds);
		expect(native.text).toBe(exact.text);
		expect(native.finishReason).toBe('max-tokens');
		const prompt = [WLLAMA_BOS, ...new TextEncoder().encode('Once')];
		expect(events[0]).toMatchObject({ type: 'start', promptTokens: prompt });
		expect(
			events.filter((e) => e.type === 'token').map((e) => e.type === 'token' && e.tokenId)
		).toEqual(native.tokenIds);
		// The prompt is the sampler's first history: its penalty window sees it.
		expect(wllama.calls).toContain(`samplingInit ${prompt.length}`);
	});

	it("gives llama.cpp's sampler the user's values, and the same settings repeat themselves", async () => {
		const { engine, model, wllama } = await loadFakeWllamaEngine({ probabilities });
		const params = {
			temperature: 1.2,
			topK: 3,
			topP: 1,
			minP: 0,
			repeatPenalty: 1.1,
			repeatLastN: -1,
			seed: 5
		};
		const first = await generateNative(request(params), { engine, model, sampling });
		expect(wllama.sampling?.config).toMatchObject({
			temp: 1.2,
			top_k: 3,
			penalty_repeat: 1.1,
			penalty_last_n: model.contextLength
		});
		expect(wllama.sampling?.history.slice(5)).toEqual(first.tokenIds);
		const again = await generateNative(request({ ...params, seed: 6 }), {
			engine,
			model,
			sampling
		});
		expect(again.tokenIds).toEqual(first.tokenIds);
		expect(new Set(first.tokenIds).size).toBeGreaterThan(1);
		// Reported: the seed (llama.cpp's own, fixed at load) and an order it cannot follow.
		expect(first.ignoredParams?.map((i) => i.field)).toEqual(['seed']);
		const reordered = await generateNative(
			request({ ...params, topP: 0.9, order: ['temperature', 'top-p'] }),
			{ engine, model, sampling }
		);
		expect(reordered.ignoredParams?.map((i) => i.field)).toEqual(['order', 'seed']);
	});

	it('ends at a stop id, at max tokens without decoding the last pick, and when the context is full', async () => {
		const eos = () => new Map([[WLLAMA_EOS, 1]]);
		const { engine, model } = await loadFakeWllamaEngine({ probabilities: eos });
		const stopped = await generateNative(request(), { engine, model, sampling });
		expect(stopped.finishReason).toBe('eos');
		expect(stopped.tokenIds).toEqual([WLLAMA_EOS]);

		const test = await loadFakeWllamaEngine({ probabilities }, 9);
		const long = await generateNative(request({}, { maxNewTokens: 3 }), {
			...test,
			sampling
		});
		expect(long.finishReason).toBe('max-tokens');
		// Prompt (5) and the first two picks were decoded; the third was not needed.
		expect(test.engine.contextUsed).toBe(7);
		const full = await generateNative(request({}, { maxNewTokens: 50 }), { ...test, sampling });
		expect(full.finishReason).toBe('context-full');
		expect(full.tokenIds).toHaveLength(9 - 5 + 1);
	});

	it('Stop ends the run within one token, and exact mode works afterwards', async () => {
		const { engine, model } = await loadFakeWllamaEngine({ probabilities });
		const controller = new AbortController();
		const result = await generateNative(
			request({}, { maxNewTokens: 1000 }),
			{ engine, model, sampling, signal: controller.signal },
			(e) => {
				if (e.type === 'token' && e.index === 2) controller.abort();
			}
		);
		expect(result.finishReason).toBe('stopped');
		expect(result.tokenIds).toHaveLength(3);
		const exact = await generate(
			request({ temperature: 0 }, { sampling: 'exact', maxNewTokens: 4 }),
			{
				engine,
				model,
				sampling
			}
		);
		expect(exact.tokenIds).toHaveLength(4);
	});

	it('refuses traces', async () => {
		const { engine, model } = await loadFakeWllamaEngine({ probabilities });
		await expect(
			generateNative(request({}, { trace: { topN: 5 } }), { engine, model, sampling })
		).rejects.toMatchObject({ field: 'trace' });
	});
});
