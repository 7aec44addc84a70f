import { describe, expect, it } from 'vitest';
import type { LoadProgress, ModelInfo } from '#lib/core/model';
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
import { generate } from './generate';
import { FakeEngine } from './testing/fake-engine';
import type { GenerateRequest, GenerationEvent } from './types';

/** Generation on the WebGPU engine (WebLLM on fakes): exact mode's parity with the CPU path,. */

const sampling = { createSampler, validateSamplingParams };
const source = { kind: 'webllm' as const, model: MODEL };

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

async function loaded(script = {}) {
	const setup = createTestEngine({ logits: scriptedLogits, ...script });
	const progress: LoadProgress[] = [];
	const info = await setup.engine.load(source, { onProgress: (p) => progress.push(p) });
	return { ...setup, info, progress, fake: setup.fakes[0] };
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
			const { engine, info, fake } = await loaded();
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
		const { engine, info, fake } = await loaded();
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
		const { engine, info } = await loaded();
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

