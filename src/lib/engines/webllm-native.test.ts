import { describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerationEvent } from '#lib/generation/types';
import {
	createSampler,
	DEFAULT_SAMPLING_PARAMS,
	validateSamplingParams,
	type SamplingParams
} from '#lib/sampling';
import { BOS, createTestEngine, IM_END, MODEL, scriptedLogits } from './testing/webllm-fixture';
import { nativeIgnoredParams, nativeSamplingFields } from './webllm-native';

const sampling = { createSampler, validateSamplingParams };
const params = (extra: Partial<SamplingParams> = {}): SamplingParams => ({
	...DEFAULT_SAMPLING_PARAMS,
	...extra
});

describe('native sampling parameters', () => {
	it('passes the parameters WebLLM supports and neutral values for stages that are off', () => {
		const p = params({
			temperature: 0.7,
			topP: 0.9,
			repeatPenalty: 1.1,
			frequencyPenalty: 0.2,
			presencePenalty: -0.5,
			logitBias: { 5: 2, 7: -100 }
		});
		expect(nativeSamplingFields(p, 7)).toEqual({
			temperature: 0.7,
			top_p: 0.9,
			repetition_penalty: 1.1,
			frequency_penalty: 0.2,
			presence_penalty: -0.5,
			logit_bias: { '5': 2, '7': -100 },
			seed: 7
		});
		const off = params({ temperature: 0.7, topP: 0.9, order: ['top-k'], logitBias: { 5: 2 } });
		expect(nativeSamplingFields(off, 1)).toEqual({
			temperature: 1,
			top_p: 1,
			repetition_penalty: 1,
			frequency_penalty: 0,
			presence_penalty: 0,
			seed: 1
		});
	});

	it('names what WebLLM does not honour', () => {
		const fields = (p: SamplingParams, seed = 1) =>
			nativeIgnoredParams(p, seed).map((i) => i.field);
		expect(fields(params({ topK: 40, minP: 0.05 }))).toEqual(['topK', 'minP', 'seed']);
		expect(fields(params({ topK: 0, minP: 0, repeatPenalty: 1.1 }))).toEqual([
			'repeatLastN',
			'seed'
		]);
		expect(
			fields(
				params({ topK: 0, minP: 0, order: ['temperature', 'logit-bias'], logitBias: { 1: 1 } })
			)
		).toEqual(['order', 'seed']);
		// Neutral stages out of order change nothing.
		expect(fields(params({ topK: 0, minP: 0, order: ['top-p', 'temperature'], topP: 1 }))).toEqual([
			'seed'
		]);
		const big = nativeIgnoredParams(params(), 2 ** 31 + 5).at(-1)?.reason;
		expect(big).toContain('acts as 6');
	});
});

async function setup(script = {}) {
	const test = createTestEngine({
		logits: scriptedLogits,
		text: (id) => (id < 128 ? String.fromCharCode(id) : ''),
		stopIds: [IM_END],
		...script
	});
	await test.engine.load({ kind: 'webllm', model: MODEL });
	return { ...test, fake: test.fakes[0] };
}

const request = (extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
	input: { mode: 'completion', prompt: 'Once' },
	params: params({ seed: 11, temperature: 0.6, topP: 0.8, topK: 40, minP: 0 }),
	maxNewTokens: 8,
	sampling: 'native',
	...extra
});

describe('WebLlmEngine: native mode', () => {
	it("streams WebLLM's own samples as token events and reports what it ignored", async () => {
		const { engine, fake } = await setup();
		const events: GenerationEvent[] = [];
		const result = await engine.generateNative(
			request({ stopSequences: ['zz'] }),
			{ sampling },
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
		const { engine, fake } = await setup();
		const events: GenerationEvent[] = [];
		await engine.generateNative(
			request({
				input: { mode: 'chat', systemPrompt: 'S', messages: [{ role: 'user', content: 'Hi' }] }
			}),
			{ sampling },
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
		const { engine, fake } = await setup();
		const first = await engine.generateNative(request({ maxNewTokens: 50 }), { sampling });
		const stopId = first.tokenIds[1];
		const result = await engine.generateNative(request({ maxNewTokens: 50, stopIds: [stopId] }), {
			sampling
		});
		expect(result.finishReason).toBe('eos');
		expect(result.tokenIds.at(-1)).toBe(stopId);
		expect(fake.calls).toContain('interruptGenerate');
		expect(fake.lockHeld).toBe(false);
		expect(fake.streamsFinished).toBe(2);
	});

	it('Stop interrupts WebLLM, drains the stream, and the next request does not hang', async () => {
		const { engine, fake } = await setup({ stopIds: [] });
		const controller = new AbortController();
		const result = await engine.generateNative(
			request({ maxNewTokens: 1000 }),
			{ sampling, signal: controller.signal },
			(e) => {
				if (e.type === 'token' && e.index === 3) controller.abort();
			}
		);
		expect(result.finishReason).toBe('stopped');
		expect(result.tokenIds).toHaveLength(4);
		expect(fake.calls.filter((c) => c === 'interruptGenerate').length).toBeGreaterThan(0);
		expect(fake.streamsFinished).toBe(1);
		expect(fake.lockHeld).toBe(false);
		const next = await engine.generateNative(request({ maxNewTokens: 3 }), { sampling });
		expect(next.finishReason).toBe('max-tokens');
	});

	it('exact mode after a native run starts from an empty cache again', async () => {
		const { engine, fake } = await setup();
		await engine.generateNative(request(), { sampling });
		fake.calls.length = 0;
		await engine.rollback(0);
		expect(fake.calls).toEqual(['resetChat']);
		const out = await engine.evaluate([BOS]);
		expect(Array.from(out)).toEqual(Array.from(scriptedLogits([BOS])));
	});

	it('refuses traces', async () => {
		const { engine } = await setup();
		await expect(
			engine.generateNative(request({ trace: { topN: 5 } }), { sampling })
		).rejects.toMatchObject({ field: 'trace' });
	});
});
