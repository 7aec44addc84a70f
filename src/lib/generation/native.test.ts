import { describe, expect, it } from 'vitest';
import {
	BOS,
	createTestEngine,
	IM_END,
	MODEL,
	scriptedLogits
} from '#lib/engines/webllm/testing/fixture';
import {
	createSampler,
	DEFAULT_SAMPLING_PARAMS,
	validateSamplingParams,
	type SamplingParams
} from '#lib/sampling';
import { generateNative } from './native';
import type { GenerateRequest, GenerationEvent } from './types';

const sampling = { createSampler, validateSamplingParams };
const params = (extra: Partial<SamplingParams> = {}): SamplingParams => ({
	...DEFAULT_SAMPLING_PARAMS,
	...extra
});

async function setup(script = {}) {
	const test = createTestEngine({
		logits: scriptedLogits,
		text: (id) => (id < 128 ? String.fromCharCode(id) : ''),
		stopIds: [IM_END],
		...script
	});
	const model = await test.engine.load({ kind: 'webllm', model: MODEL });
	return { ...test, model, fake: test.fakes[0] };
}

const request = (extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
	input: { mode: 'completion', prompt: 'Once' },
	params: params({ seed: 11, temperature: 0.6, topP: 0.8, topK: 40, minP: 0 }),
	maxNewTokens: 8,
	sampling: 'native',
	...extra
});

describe('native generation on WebLLM', () => {
	it("streams WebLLM's own samples as token events and reports what it ignored", async () => {
		const { engine, model, fake } = await setup();
		const events: GenerationEvent[] = [];
		const result = await generateNative(
			request({ stopSequences: ['zz'] }),
			{ engine, model, sampling },
			(e) => events.push(e)
		);
		expect(fake.requests[0]).toMatchObject({
			prompt: 'Once',
			stream: true,
			temperature: 0.6,
			top_p: 0.8,
			repetition_penalty: 1,
			frequency_penalty: 0,
			presence_penalty: 0,
			seed: 11,
			max_tokens: 8,
			stop: ['zz']
		});
		expect(fake.calls).toContain('resetChat');
		expect(result.ignoredParams?.map((i) => i.field)).toEqual(['topK', 'seed']);
		expect(events[0]).toMatchObject({ type: 'start', seed: 11, promptTokens: [79, 110, 99, 101] });
		const tokens = events.filter((e) => e.type === 'token');
		expect(tokens.map((t) => t.tokenId)).toEqual(result.tokenIds);
		expect(result.tokenIds).toEqual(fake.sampled.slice(0, result.tokenIds.length));
		expect(result.seed).toBe(11);
		expect(['eos', 'max-tokens']).toContain(result.finishReason);
		expect(fake.lockHeld).toBe(false);
	});

	it('uses chatCompletion in chat mode, with the prompt tokens WebLLM feeds', async () => {
		const { engine, model, fake } = await setup();
		const events: GenerationEvent[] = [];
		await generateNative(
			request({
				input: { mode: 'chat', systemPrompt: 'S', messages: [{ role: 'user', content: 'Hi' }] }
			}),
			{ engine, model, sampling },
			(e) => events.push(e)
		);
		expect(fake.calls).toContain('chatCompletion');
		expect(fake.requests[0]).toMatchObject({
			messages: [
				{ role: 'system', content: 'S' },
				{ role: 'user', content: 'Hi' }
			]
		});
		const start = events[0];
		expect(start.type === 'start' && start.promptTokens[0]).toBe(BOS);
	});

	it('ends on our own stop ids, then interrupts WebLLM and drains its stream', async () => {
		const { engine, model, fake } = await setup();
		const first = await generateNative(request({ maxNewTokens: 50 }), { engine, model, sampling });
		const stopId = first.tokenIds[1];
		const result = await generateNative(request({ maxNewTokens: 50, stopIds: [stopId] }), { engine, model, sampling
		});
		expect(result.finishReason).toBe('eos');
		expect(result.tokenIds.at(-1)).toBe(stopId);
		expect(fake.calls).toContain('interruptGenerate');
		expect(fake.lockHeld).toBe(false);
		expect(fake.streamsFinished).toBe(2);
	});

	it('Stop interrupts WebLLM, drains the stream, and the next request does not hang', async () => {
		const { engine, model, fake } = await setup({ stopIds: [] });
		const controller = new AbortController();
		const result = await generateNative(
			request({ maxNewTokens: 1000 }),
			{ engine, model, sampling, signal: controller.signal },
			(e) => {
				if (e.type === 'token' && e.index === 3) controller.abort();
			}
		);
		expect(result.finishReason).toBe('stopped');
		expect(result.tokenIds).toHaveLength(4);
		expect(fake.calls.filter((c) => c === 'interruptGenerate').length).toBeGreaterThan(0);
		expect(fake.streamsFinished).toBe(1);
		expect(fake.lockHeld).toBe(false);
		const next = await generateNative(request({ maxNewTokens: 3 }), { engine, model, sampling });
		expect(next.finishReason).toBe('max-tokens');
	});

	it('exact mode after a native run starts from an empty cache again', async () => {
		const { engine, model, fake } = await setup();
		await generateNative(request(), { engine, model, sampling });
		fake.calls.length = 0;
		await engine.rollback(0);
		expect(fake.calls).toEqual(['resetChat']);
		const out = await engine.evaluate([BOS]);
		expect(Array.from(out)).toEqual(Array.from(scriptedLogits([BOS])));
	});

	it('refuses traces', async () => {
		const { engine, model } = await setup();
		await expect(
			generateNative(request({ trace: { topN: 5 } }), { engine, model, sampling })
		).rejects.toMatchObject({ field: 'trace' });
	});
});
