import { describe, expect, it } from 'vitest';
import {
	FAKE_BOS,
	FakeEngine,
	FakeSequenceEngine,
	type FakeEngineOptions
} from '#lib/generation/testing/fake-engine';
import type {
	GenerateRequest,
	GenerationEvent,
	LaneEvent,
	LanesRequest
} from '#lib/generation/types';
import { createSampler, DEFAULT_SAMPLING_PARAMS, validateSamplingParams } from '#lib/sampling';
import type { FakeMlcScript } from '#lib/engines/webllm/testing/fake-mlc-engine';
import { createTestEngine, MODEL, scriptedLogits } from '#lib/engines/webllm/testing/fixture';
import { InferenceService, MAX_UNREAD_EVENTS } from './inference-service';

function setup(next: (context: readonly number[]) => number = () => 97, contextLength = 64) {
	const engine = new FakeEngine({ next, contextLength });
	const service = new InferenceService(() => engine, { createSampler, validateSamplingParams });
	service.configure({
		wasmBaseUrl: 'http://localhost/wllama/',
		engineWasmUrl: 'http://localhost/engine/playground-llama.wasm'
	});
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

	it('holds a run while the page has many events unread, and Stop still ends it', async () => {
		const { service, engine } = setup(() => 97, 1024);
		await service.loadModel({ kind: 'url', url: 'http://localhost/m.gguf' });
		const unread: (() => void)[] = [];
		const done = service.generate(request({ maxNewTokens: 500 }), () => {
			return new Promise<void>((resolve) => unread.push(resolve));
		});
		for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
		const steps = engine.evaluated.length;
		expect(unread.length).toBeLessThanOrEqual(MAX_UNREAD_EVENTS + 1);
		expect(steps).toBeLessThan(MAX_UNREAD_EVENTS + 2);
		// The page reads: the run goes on.
		for (const read of unread.splice(0)) read();
		for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
		expect(engine.evaluated.length).toBeGreaterThan(steps);
		service.stop();
		for (const read of unread.splice(0)) read();
		const pending = setInterval(() => unread.splice(0).forEach((read) => read()), 1);
		const result = await done;
		clearInterval(pending);
		expect(result.finishReason).toBe('stopped');
	});

	it('keeps the loaded model when the engine refuses a bad model file', async () => {
		const { service, engine } = setup();
		const model = await service.loadModel({ kind: 'url', url: 'http://localhost/m.gguf' });
		const refusal = Object.assign(new Error('GGUF version 99 is not supported (2 or 3)'), {
			name: 'GgufError'
		});
		engine.load = () => Promise.reject(refusal);
		await expect(service.loadModel({ kind: 'url', url: 'http://localhost/bad.gguf' })).rejects.toBe(
			refusal
		);
		expect(model.name).toBeTruthy();
		expect(await service.tokenize('ab')).toEqual([97, 98]);
		expect((await service.generate(request())).text).toBe('aaaaa');
		// Any other failure leaves no model, as before.
		engine.load = () => Promise.reject(new Error('out of memory'));
		await expect(
			service.loadModel({ kind: 'url', url: 'http://localhost/m.gguf' })
		).rejects.toThrow('out of memory');
		await expect(service.tokenize('ab')).rejects.toMatchObject({ name: 'NoModelError' });
	});

	it('keeps the last run for what-ifs and step mode, and stop() ends a what-if', async () => {
		const { service, engine } = setup((context) => 97 + (context.length % 3));
		await service.loadModel({ kind: 'url', url: 'http://localhost/m.gguf' });
		const params = { ...DEFAULT_SAMPLING_PARAMS, temperature: 0, seed: 1 };
		const result = await service.generate(request({ params }));
		const nodes = await service.exploreNodes();
		expect(nodes.slice(1).map((n) => n.tokenId)).toEqual(result.tokenIds);

		const evaluations = engine.evaluated.length;
		const again = await service.exploreResample(params, 5);
		expect(again.map((s) => s.node.tokenId)).toEqual(result.tokenIds);
		expect(engine.evaluated.length).toBe(evaluations);

		const branch = await service.exploreStep(nodes[1].id, params, 120);
		expect(branch.node.pickedBy).toBe('user');
		const started = await service.exploreStart({ mode: 'completion', prompt: 'xy' });
		expect(started).toHaveLength(1);

		const stopped = service.exploreResample(params, 50, () => service.stop());
		expect((await stopped).length).toBe(1);
	});

	it('a branch kept in a sequence continues exactly after lanes used the sequences', async () => {
		const next = (context: readonly number[]) => 97 + ((context.length * 7) % 5);
		const walk = async (engine: FakeEngine) => {
			const service = new InferenceService(() => engine, { createSampler, validateSamplingParams });
			service.configure({
				wasmBaseUrl: 'http://localhost/wllama/',
				engineWasmUrl: 'http://localhost/engine/playground-llama.wasm'
			});
			await service.loadModel({ kind: 'url', url: 'http://localhost/m.gguf' });
			const params = { ...DEFAULT_SAMPLING_PARAMS, temperature: 0, seed: 1 };
			await service.generate(request({ params }));
			const nodes = await service.exploreNodes();
			let branch = (await service.exploreStep(nodes[2].id, params, 120)).node;
			branch = (await service.exploreStep(branch.id, params)).node;
			// A sweep with the same prompt forks into the sequences the branch was kept in.
			await service.generateLanes({
				input: { mode: 'completion', prompt: 'ab' },
				maxNewTokens: 8,
				lanes: [1, 2, 3].map((seed) => ({ id: `s${seed}`, params: { ...params, seed } }))
			});
			const tokens: number[] = [];
			for (let i = 0; i < 3; i++) {
				branch = (await service.exploreStep(branch.id, params)).node;
				tokens.push(branch.tokenId as number);
			}
			return tokens;
		};
		const options: FakeEngineOptions = { next, contextLength: 64 };
		const sequences = new FakeSequenceEngine(options);
		expect(await walk(sequences)).toEqual(await walk(new FakeEngine(options)));
		expect(sequences.calls).toContain('evaluateSequences');
		expect(sequences.copies.length).toBeGreaterThan(0);
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
		const warmUp = engine.evaluated.length;
		const bad = request({ params: { ...DEFAULT_SAMPLING_PARAMS, topP: 2 } });
		await expect(service.generate(bad)).rejects.toMatchObject({
			name: 'SamplingValidationError',
			field: 'topP'
		});
		expect(engine.evaluated).toHaveLength(warmUp);
	});
});

describe('InferenceService lanes', () => {
	const lanes = (seeds: number[], extra: Partial<LanesRequest> = {}): LanesRequest => ({
		input: { mode: 'completion', prompt: 'ab' },
		maxNewTokens: 5,
		lanes: seeds.map((seed) => ({ id: `s${seed}`, params: { ...DEFAULT_SAMPLING_PARAMS, seed } })),
		...extra
	});

	it('runs lanes with one prompt evaluation and delivers every event before the result', async () => {
		const { service, engine } = setup();
		await service.loadModel({ kind: 'url', url: 'http://localhost/m.gguf' });
		// The load's warm-up: a throwaway prompt and step, then an empty context.
		expect(engine.evaluated).toEqual([[256, 256], [256]]);
		expect(engine.contextUsed).toBe(0);
		engine.evaluated.length = 0;
		const seen: LaneEvent[] = [];
		const slowPage = (event: LaneEvent) =>
			new Promise<void>((resolve) =>
				setTimeout(() => {
					seen.push(event);
					resolve();
				}, 1)
			);
		const result = await service.generateLanes(lanes([1, 2, 3]), slowPage);
		expect(result.promptEvaluations).toBe(1);
		expect(engine.evaluated.filter((ids) => ids.length > 1)).toHaveLength(1);
		expect(result.lanes.map((l) => l.outcome.ok && l.outcome.result.text)).toEqual([
			'aaaaa',
			'aaaaa',
			'aaaaa'
		]);
		// prefill + per lane: start, 5 tokens, lane-end
		expect(seen).toHaveLength(1 + 3 * 7);
		expect(seen.at(-1)).toMatchObject({ type: 'lane-end', laneId: 's3' });
	});

	it('refuses a single run while lanes run, and stop() ends every lane', async () => {
		const { service } = setup();
		await service.loadModel({ kind: 'url', url: 'http://localhost/m.gguf' });
		const running = service.generateLanes(lanes([1, 2, 3], { maxNewTokens: 1000 }), (event) => {
			if (event.type === 'lane' && event.laneId === 's1' && event.event.type === 'token') {
				if (event.event.index === 1) service.stop();
			}
		});
		await expect(service.generate(request())).rejects.toMatchObject({ name: 'BusyError' });
		const result = await running;
		expect(
			result.lanes.map(
				(l) => l.outcome.ok && [l.outcome.result.finishReason, l.outcome.result.tokenIds.length]
			)
		).toEqual([
			['stopped', 2],
			['stopped', 0],
			['stopped', 0]
		]);
		expect((await service.generateLanes(lanes([1]))).lanes[0].outcome.ok).toBe(true);
	});

	it('needs a model', async () => {
		const { service } = setup();
		await expect(service.generateLanes(lanes([1]))).rejects.toMatchObject({ name: 'NoModelError' });
	});
});

describe('InferenceService with two engines', () => {
	function twoEngines(script: Partial<FakeMlcScript> = {}) {
		const cpu = new FakeEngine({ next: () => 97 });
		const { engine: gpu, fakes } = createTestEngine({
			logits: scriptedLogits,
			stopIds: [],
			...script
		});
		const created: string[] = [];
		const service = new InferenceService(
			(_config, engineId) => {
				created.push(engineId);
				return engineId === 'webllm' ? gpu : cpu;
			},
			{ createSampler, validateSamplingParams }
		);
		service.configure({
			wasmBaseUrl: 'http://localhost/wllama/',
			engineWasmUrl: 'http://localhost/engine/playground-llama.wasm'
		});
		return { service, cpu, gpu, fakes, created };
	}
	const webllm = { kind: 'webllm' as const, model: MODEL };
	const gguf = { kind: 'url' as const, url: 'http://localhost/m.gguf' };

	it('picks the engine by source kind and unloads the other one', async () => {
		const { service, cpu, fakes, created } = twoEngines();
		expect((await service.loadModel(webllm)).backend).toContain('WebLLM');
		expect((await service.generate(request({ maxNewTokens: 3 }))).tokenIds).toHaveLength(3);
		await service.loadModel(gguf);
		expect(fakes[0].calls).toContain('unload');
		expect((await service.generate(request())).text).toBe('aaaaa');
		await service.loadModel(webllm);
		expect(cpu.calls.filter((c) => c === 'unload')).toHaveLength(1);
		expect(created).toEqual(['webllm', 'llama']);
	});

	it('runs a GGUF file on the CPU engine the load asks for, one model at a time', async () => {
		const ours = new FakeEngine({ next: () => 97 });
		const theirs = new FakeEngine({ next: () => 98 });
		const created: string[] = [];
		const service = new InferenceService(
			(_config, engineId) => {
				created.push(engineId);
				return engineId === 'wllama' ? theirs : ours;
			},
			{ createSampler, validateSamplingParams }
		);
		service.configure({
			wasmBaseUrl: 'http://localhost/wllama/',
			engineWasmUrl: 'http://localhost/engine/playground-llama.wasm'
		});
		await service.loadModel(gguf);
		expect((await service.generate(request())).text).toBe('aaaaa');
		await service.loadModel(gguf, { cpuEngine: 'wllama', contextLength: 32 });
		expect(ours.calls).toContain('unload');
		expect((await service.generate(request())).text).toBe('bbbbb');
		expect(created).toEqual(['llama', 'wllama']);
	});

	it('still loads and runs the CPU engine after a WebLLM failure', async () => {
		const { service } = twoEngines({ reloadError: { name: 'DeviceLostError', message: 'lost' } });
		await expect(service.loadModel(webllm)).rejects.toMatchObject({
			name: 'EngineLoadError',
			code: 'device-lost'
		});
		await expect(service.generate(request())).rejects.toMatchObject({ name: 'NoModelError' });
		await service.loadModel(gguf);
		expect((await service.generate(request())).text).toBe('aaaaa');
	});

	it('routes native requests, refuses them with a trace or on the CPU engine', async () => {
		const { service, fakes } = twoEngines();
		await service.loadModel(webllm);
		const native = await service.generate(request({ sampling: 'native', maxNewTokens: 4 }));
		expect(fakes[0].calls).toContain('completion');
		expect(native.ignoredParams?.map((i) => i.field)).toContain('seed');
		await expect(
			service.generate(request({ sampling: 'native', trace: { topN: 5 } }))
		).rejects.toMatchObject({ field: 'trace' });
		await service.loadModel(gguf);
		await expect(service.generate(request({ sampling: 'native' }))).rejects.toMatchObject({
			field: 'sampling'
		});
	});

	it('runs WebLLM lanes like standalone runs, counting each replayed or native prompt', async () => {
		const { service, fakes } = twoEngines();
		await service.loadModel(webllm);
		const params = (seed: number) => ({ ...DEFAULT_SAMPLING_PARAMS, temperature: 1, seed });
		const result = await service.generateLanes({
			input: { mode: 'completion', prompt: 'Once upon' },
			maxNewTokens: 8,
			lanes: [
				{ id: 'a', params: params(1) },
				{ id: 'b', params: params(2) },
				{ id: 'native', params: params(3), sampling: 'native' },
				{ id: 'c', params: params(4) }
			]
		});
		// The prefill, b's replayed rollback, the native request, and c's prefill after it.
		expect(result.promptEvaluations).toBe(4);
		const prefills = fakes[0].forwarded.filter((f) => f.isPrefill);
		expect(prefills).toHaveLength(3);
		expect(fakes[0].calls.filter((c) => c === 'completion')).toHaveLength(1);
		for (const [id, seed] of [
			['a', 1],
			['b', 2],
			['c', 4]
		] as const) {
			const lane = result.lanes.find((l) => l.laneId === id)?.outcome;
			const alone = await service.generate(
				request({
					params: params(seed),
					maxNewTokens: 8,
					input: { mode: 'completion', prompt: 'Once upon' }
				})
			);
			expect(lane?.ok && lane.result.tokenIds, id).toEqual(alone.tokenIds);
			expect(alone.tokenIds.length).toBeGreaterThan(2);
		}
		const native = result.lanes[2].outcome;
		expect(native.ok && native.result.ignoredParams?.length).toBeGreaterThan(0);
	});

	it('Stop ends a native run, releases WebLLM and the next request runs', async () => {
		const { service, fakes } = twoEngines();
		await service.loadModel(webllm);
		const result = await service.generate(
			request({ sampling: 'native', maxNewTokens: 1000 }),
			(event) => {
				if (event.type === 'token' && event.index === 2) service.stop();
			}
		);
		expect(result.finishReason).toBe('stopped');
		expect(fakes[0].calls).toContain('interruptGenerate');
		expect(fakes[0].lockHeld).toBe(false);
		const next = await service.generate(request({ sampling: 'native', maxNewTokens: 2 }));
		expect(next.finishReason).toBe('max-tokens');
		const exact = await service.generate(request({ maxNewTokens: 2 }));
		expect(exact.tokenIds).toHaveLength(2);
	});
});
