import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '#lib/core/model';
import { BOS, IM_END, loadTestEngine, scriptedLogits } from '#lib/engines/webllm/testing/fixture';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '#lib/sampling';
import { generate } from './generate';
import { generateNative } from './native';
import { FakeEngine } from './testing/fake-engine';
import { REAL_SAMPLING as sampling } from './testing/sampling';
import type { GenerateRequest, GenerationEvent } from './types';

/**
 * Generation on the WebGPU engine (WebLLM on fakes): exact runs pick the same tokens as the CPU
 * path; native runs stream WebLLM's own samples as the same events.
 */

const params = (extra: Partial<SamplingParams> = {}): SamplingParams => ({
	...DEFAULT_SAMPLING_PARAMS,
	...extra
});

/** The CPU path: the fake CPU engine handing our sampler the same logits for the same context. */
class ScriptedCpuEngine extends FakeEngine {
	constructor(info: ModelInfo) {
		super({ next: () => 0, contextLength: info.contextLength, addBos: info.addBos });
		Object.assign(this.model, {
			vocabSize: info.vocabSize,
			bosId: info.bosId,
			eosId: info.eosId,
			stopIds: info.stopIds,
			distribution: info.distribution
		});
	}
	override async evaluate(ids: readonly number[]): Promise<Float32Array> {
		await super.evaluate(ids);
		return scriptedLogits(this.context);
	}
}

function request(params: Partial<SamplingParams>, extra: Partial<GenerateRequest> = {}) {
	return {
		input: { mode: 'completion', prompt: 'Once upon' },
		params: { ...DEFAULT_SAMPLING_PARAMS, ...params },
		maxNewTokens: 24,
		...extra
	} as GenerateRequest;
}

describe('WebLLM: exact generation', () => {
	const cases: Partial<SamplingParams>[] = [
		{ seed: 1 },
		{ seed: 42, temperature: 1.3, topK: 0, topP: 1, minP: 0 },
		{ seed: 7, repeatPenalty: 1.5, repeatLastN: -1, frequencyPenalty: 0.4, presencePenalty: 0.3 },
		{ seed: 99, logitBias: { 32: -100, 98: 5 }, order: ['top-k', 'temperature', 'logit-bias'] },
		{ seed: 3, temperature: 0 }
	];

	it.each(cases)(
		'picks exactly the tokens of the CPU path for the same logits (%o)',
		async (params) => {
			const { engine, info, fake } = await loadTestEngine();
			const cpu = new ScriptedCpuEngine(info);
			const onWebGpu = await generate(request(params), { engine, model: info, sampling });
			const onCpu = await generate(request(params), { engine: cpu, model: cpu.model, sampling });
			expect(onWebGpu.tokenIds.length).toBeGreaterThan(3);
			expect(onWebGpu.tokenIds).toEqual(onCpu.tokenIds);
			expect(onWebGpu.text).toBe(onCpu.text);
			expect(onWebGpu.seed).toBe(onCpu.seed);
			expect(onWebGpu.finishReason).toBe(onCpu.finishReason);

			// What WebLLM was given and did: every step forced exactly our pick, its sampler returned
			// it, and the model was fed exactly the prompt and then our picks.
			const ids = onWebGpu.tokenIds;
			expect(fake.processed).toHaveLength(ids.length);
			fake.processed.forEach((forced, step) => {
				const finite = [...forced.keys()].filter((i) => forced[i] !== -Infinity);
				expect(finite).toEqual([ids[step]]);
			});
			expect(fake.sampled).toEqual(ids);
			expect(fake.forwarded.map((f) => f.ids)).toEqual([
				cpu.evaluated[0],
				...ids.slice(0, -1).map((id) => [id])
			]);
			expect(fake.forwarded.map((f) => f.isPrefill)).toEqual(fake.forwarded.map((_, i) => i === 0));
		}
	);

	it("keeps our pick even when WebLLM's own bias, penalties and temperature are not neutral", async () => {
		const { engine, info, fake } = await loadTestEngine();
		const params = { seed: 5, repeatPenalty: 1.2 };
		const first = await generate(request(params), { engine, model: info, sampling });
		fake.chatOptions = {
			repetition_penalty: 1.8,
			frequency_penalty: 2,
			presence_penalty: 2,
			temperature: 0.1
		};
		const second = await generate(request(params), { engine, model: info, sampling });
		expect(second.tokenIds).toEqual(first.tokenIds);
	});

	it('starts a chat prompt with BOS (addBos)', async () => {
		const { engine, info } = await loadTestEngine();
		const events: GenerationEvent[] = [];
		await generate(
			{
				...request({ temperature: 0 }),
				input: { mode: 'chat', messages: [{ role: 'user', content: 'Hi' }] }
			},
			{ engine, model: info, sampling },
			(e) => events.push(e)
		);
		const start = events[0];
		expect(start.type === 'start' && start.promptTokens[0]).toBe(BOS);
	});
});

async function setup(script = {}) {
	const test = await loadTestEngine({
		text: (id) => (id < 128 ? String.fromCharCode(id) : ''),
		stopIds: [IM_END],
		...script
	});
	return { ...test, model: test.info };
}

const nativeRequest = (extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
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
			nativeRequest({ stopSequences: ['zz'] }),
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
			nativeRequest({
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
		const first = await generateNative(nativeRequest({ maxNewTokens: 50 }), {
			engine,
			model,
			sampling
		});
		const stopId = first.tokenIds[1];
		const result = await generateNative(nativeRequest({ maxNewTokens: 50, stopIds: [stopId] }), {
			engine,
			model,
			sampling
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
			nativeRequest({ maxNewTokens: 1000 }),
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
		const next = await generateNative(nativeRequest({ maxNewTokens: 3 }), {
			engine,
			model,
			sampling
		});
		expect(next.finishReason).toBe('max-tokens');
	});

	it('exact mode after a native run starts from an empty cache again', async () => {
		const { engine, model, fake } = await setup();
		await generateNative(nativeRequest(), { engine, model, sampling });
		fake.calls.length = 0;
		await engine.rollback(0);
		expect(fake.calls).toEqual(['resetChat']);
		const out = await engine.evaluate([BOS]);
		expect(Array.from(out)).toEqual(Array.from(scriptedLogits([BOS])));
	});

	it('refuses traces', async () => {
		const { engine, model } = await setup();
		await expect(
			generateNative(nativeRequest({ trace: { topN: 5 } }), { engine, model, sampling })
		).rejects.toMatchObject({ field: 'trace' });
	});
});
