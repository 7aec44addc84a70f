import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS } from '#lib/sampling';
import { REAL_SAMPLING as sampling } from './testing/sampling';
import type { SamplingParams } from '#lib/sampling';
import {
	FAKE_EOS,
	FAKE_VOCAB,
	FakeEngine,
	FakeSequenceEngine,
	type FakeEngineOptions
} from './testing/fake-engine';
import { generate } from './generate';
import { generateLanes, laneRequest } from './lanes';
import type { GenerationEvent, LaneEvent, LaneSpec, LanesRequest } from './types';

/** Pseudo-random log-probabilities per context, so that seeds and parameters matter. */
function noisy(distribution: Float32Array, context: readonly number[]): void {
	let h = 2166136261;
	for (const id of context) h = Math.imul(h ^ id, 16777619) >>> 0;
	for (let i = 0; i < FAKE_VOCAB; i++) {
		h = Math.imul(h ^ (i + 0x9e37), 2654435761) >>> 0;
		distribution[i] = ((h % 10_000) / 10_000) * 6 - 6;
	}
	distribution[97 + (context.length % 7)] += 3;
	distribution[FAKE_EOS] += context.length > 20 ? 4 : -4;
}

const engineFor = (options: Partial<FakeEngineOptions> = {}) =>
	new FakeEngine({ next: () => 0, shape: noisy, contextLength: 64, ...options });

const sequenceEngineFor = (options: Partial<FakeEngineOptions> = {}) =>
	new FakeSequenceEngine({ next: () => 0, shape: noisy, contextLength: 512, ...options });

const params = (extra: Partial<SamplingParams> = {}): SamplingParams => ({
	...DEFAULT_SAMPLING_PARAMS,
	temperature: 1,
	...extra
});

function lanesRequest(lanes: LaneSpec[], extra: Partial<LanesRequest> = {}): LanesRequest {
	return {
		input: { mode: 'completion', prompt: 'Once upon' },
		maxNewTokens: 16,
		lanes,
		...extra
	};
}

const seedLanes = (seeds: number[], extra: Partial<SamplingParams> = {}): LaneSpec[] =>
	seeds.map((seed) => ({ id: `seed-${seed}`, params: params({ seed, ...extra }) }));

/** Prompt evaluations the fake engine saw: every evaluate() of more than one token. */
const promptRuns = (engine: FakeEngine) => engine.evaluated.filter((ids) => ids.length > 1);

async function runLanes(
	engine: FakeEngine,
	request: LanesRequest,
	options: { signal?: AbortSignal; onEvent?: (event: LaneEvent) => void } = {}
) {
	const events: LaneEvent[] = [];
	const result = await generateLanes(
		request,
		{ engine, model: engine.model, sampling, signal: options.signal },
		(event) => {
			events.push(event);
			options.onEvent?.(event);
		}
	);
	const laneEvents = (id: string) =>
		events.flatMap((e) => (e.type === 'lane' && e.laneId === id ? [e.event] : []));
	const outcome = (id: string) => {
		const found = result.lanes.find((l) => l.laneId === id)?.outcome;
		if (!found) throw new Error(`no lane ${id}`);
		return found;
	};
	const lane = (id: string) => {
		const found = outcome(id);
		if (!found.ok) throw new Error(`lane ${id} failed: ${found.error.message}`);
		return found.result;
	};
	return { result, events, laneEvents, outcome, lane };
}

/** A standalone run of the same lane on a fresh engine. */
async function standalone(request: LanesRequest, lane: LaneSpec, options = {}) {
	const engine = engineFor(options);
	const events: GenerationEvent[] = [];
	const result = await generate(
		laneRequest(request, lane),
		{ engine, model: engine.model, sampling },
		(e) => events.push(e)
	);
	return { result, events };
}

/**
 * Fake summaries (entropy 0.75) of the arrays the engine returned only, as our llama.cpp
 * engine keeps them: a copy of a distribution has none.
 */
function summarizing(): Partial<FakeEngineOptions> {
	const returned = new WeakSet<Float32Array>();
	return {
		shape: (distribution, context) => {
			noisy(distribution, context);
			returned.add(distribution);
		},
		summaryOf: (distribution) =>
			returned.has(distribution) ? { max: 0, logSum: 0.25, meanShift: -0.5 } : null
	};
}

/** The result without timings, which differ run to run. */
function comparable(result: Awaited<ReturnType<typeof generate>>) {
	const { stats, ...rest } = result;
	return {
		...rest,
		promptTokens: stats.promptTokens,
		generatedTokens: stats.generatedTokens,
		meanEntropy: stats.meanEntropy,
		perplexity: stats.perplexity
	};
}

describe('generateLanes: prefix reuse', () => {
	it('evaluates the prompt once for any number of lanes, rolling back between them', async () => {
		const engine = engineFor();
		const request = lanesRequest(seedLanes([1, 2, 3, 4]));
		const { result, events } = await runLanes(engine, request);
		expect(promptRuns(engine)).toHaveLength(1);
		expect(result.promptEvaluations).toBe(1);
		expect(result.promptTokens).toEqual(engine.evaluated[0]);
		expect(engine.calls.filter((c) => c === 'rollback')).toHaveLength(1 + 3);
		expect(events[0]).toMatchObject({ type: 'prefill', promptTokens: result.promptTokens });
		expect(events.filter((e) => e.type === 'prefill')).toHaveLength(1);
		expect(result.lanes.map((l) => l.laneId)).toEqual(['seed-1', 'seed-2', 'seed-3', 'seed-4']);
	});

	it('runs lanes one after another, each streaming its events and then its outcome', async () => {
		const engine = engineFor();
		const { events } = await runLanes(engine, lanesRequest(seedLanes([1, 2])));
		const order = events.map((e) =>
			e.type === 'prefill' ? 'prefill' : `${e.laneId}:${e.type === 'lane' ? e.event.type : 'end'}`
		);
		const first = order.lastIndexOf('seed-1:end');
		expect(order.slice(0, 2)).toEqual(['prefill', 'seed-1:start']);
		expect(order.slice(first + 1, first + 2)).toEqual(['seed-2:start']);
		expect(order.at(-1)).toBe('seed-2:end');
		expect(order.slice(0, first).every((o) => !o.startsWith('seed-2'))).toBe(true);
	});

	it('gives every lane exactly the tokens, text, events and stats of a standalone run', async () => {
		const lanes: LaneSpec[] = [
			...seedLanes([1, 2, 3, 4]),
			{ id: 'hot', params: params({ seed: 9, temperature: 1.7, topK: 0, topP: 1, minP: 0 }) },
			{
				id: 'penalties',
				params: params({ seed: 5, repeatPenalty: 1.4, repeatLastN: -1, frequencyPenalty: 0.5 })
			},
			{ id: 'order', params: params({ seed: 6, order: ['top-k', 'temperature', 'min-p'] }) },
			{ id: 'traced', params: params({ seed: 7 }), trace: { topN: 5 } }
		];
		const request = lanesRequest(lanes, { stopSequences: ['zz'], maxNewTokens: 24 });
		const { lane, laneEvents } = await runLanes(engineFor(), request);
		for (const spec of lanes) {
			const alone = await standalone(request, spec);
			expect(comparable(lane(spec.id)), spec.id).toEqual(comparable(alone.result));
			expect(laneEvents(spec.id), spec.id).toEqual(alone.events);
		}
		expect(lane('seed-1').tokenIds.length).toBeGreaterThan(3);
	});

	it("starts every lane from the prompt's distribution on an engine that reuses its array", async () => {
		const lanes = seedLanes([1, 2, 3]);
		const request = lanesRequest(lanes);
		const { lane } = await runLanes(engineFor({ reuseArray: true }), request);
		for (const spec of lanes) {
			const alone = await standalone(request, spec, { reuseArray: true });
			expect(comparable(lane(spec.id)), spec.id).toEqual(comparable(alone.result));
		}
	});

	it("takes the first token's figures from the engine's summary of the prompt", async () => {
		const request = lanesRequest(seedLanes([1, 2]), { maxNewTokens: 6 });
		const { lane } = await runLanes(engineFor(summarizing()), request);
		for (const spec of request.lanes) {
			const alone = await standalone(request, spec, summarizing());
			expect(lane(spec.id).stats.meanEntropy, spec.id).toBe(0.75);
			expect(comparable(lane(spec.id)), spec.id).toEqual(comparable(alone.result));
		}
	});

	it('gives different outputs for different seeds, and identical ones for equal seeds', async () => {
		const lanes = [...seedLanes([1, 2, 3, 4]), { id: 'again-1', params: params({ seed: 1 }) }];
		const { lane } = await runLanes(engineFor(), lanesRequest(lanes));
		const texts = ['seed-1', 'seed-2', 'seed-3', 'seed-4'].map((id) => lane(id).text);
		expect(new Set(texts).size).toBe(4);
		expect(lane('again-1').tokenIds).toEqual(lane('seed-1').tokenIds);
		expect(lane('again-1').text).toBe(lane('seed-1').text);
	});

	it('gives identical lanes at temperature 0 whatever the seed', async () => {
		const { result } = await runLanes(
			engineFor(),
			lanesRequest(seedLanes([1, 2, 3, 4000000000], { temperature: 0 }))
		);
		const outputs = result.lanes.map((l) => (l.outcome.ok ? l.outcome.result.tokenIds : null));
		expect(outputs[0]?.length).toBeGreaterThan(0);
		for (const output of outputs) expect(output).toEqual(outputs[0]);
	});

	it('counts the prompt again when the engine replays it to roll back (WebLLM)', async () => {
		const engine = engineFor({ rollbackReplays: true });
		const request = lanesRequest(seedLanes([1, 2, 3]));
		const { result, lane } = await runLanes(engine, request);
		expect(result.promptEvaluations).toBe(3);
		expect(promptRuns(engine)).toHaveLength(3);
		for (const spec of request.lanes) {
			const alone = await standalone(request, spec, { rollbackReplays: true });
			expect(lane(spec.id).tokenIds).toEqual(alone.result.tokenIds);
		}
	});
});

describe('generateLanes: failures', () => {
	it('reports an invalid lane with its field and runs the others', async () => {
		const request = lanesRequest([
			{ id: 'a', params: params({ seed: 1 }) },
			{ id: 'bad-t', params: params({ temperature: Number.NaN }) },
			{ id: 'bad-k', params: params({ topK: FAKE_VOCAB + 1 }) },
			{ id: 'bad-trace', params: params(), trace: { topN: 0 } },
			{ id: 'native', params: params(), sampling: 'native' },
			{ id: 'b', params: params({ seed: 2 }) }
		]);
		const { outcome, lane, events } = await runLanes(engineFor(), request);
		expect(outcome('bad-t')).toMatchObject({
			ok: false,
			error: { name: 'SamplingValidationError', field: 'temperature' }
		});
		expect(outcome('bad-k')).toMatchObject({ ok: false, error: { field: 'topK' } });
		expect(outcome('bad-trace')).toMatchObject({ ok: false, error: { field: 'trace.topN' } });
		expect(outcome('native')).toMatchObject({
			ok: false,
			error: { name: 'GenerationRequestError', field: 'sampling' }
		});
		for (const id of ['a', 'b']) {
			expect(lane(id).tokenIds).toEqual(
				(await standalone(request, request.lanes.find((l) => l.id === id) as LaneSpec)).result
					.tokenIds
			);
		}
		// Invalid lanes still end with a lane-end event, and emit nothing else.
		expect(events.filter((e) => e.type !== 'prefill' && e.laneId === 'bad-t')).toEqual([
			{ type: 'lane-end', laneId: 'bad-t', outcome: outcome('bad-t') }
		]);
	});

	it('isolates a lane that fails mid-run, evaluating the prompt again if the cache was lost', async () => {
		let lane = '';
		let failed = false;
		const engine = engineFor({
			onEvaluate: () => {
				if (lane === 'seed-2' && !failed && engine.contextUsed > 14) {
					failed = true;
					// Like wllama after a failed decode: the KV cache is gone.
					engine.context = [];
					throw new Error('decode failed');
				}
			}
		});
		const request = lanesRequest(seedLanes([1, 2, 3]));
		const { result, outcome } = await runLanes(engine, request, {
			onEvent: (e) => {
				if (e.type === 'lane') lane = e.laneId;
			}
		});
		expect(outcome('seed-2')).toEqual({
			ok: false,
			error: { name: 'Error', message: 'decode failed' }
		});
		expect(result.promptEvaluations).toBe(2);
		for (const id of ['seed-1', 'seed-3']) {
			const spec = request.lanes.find((l) => l.id === id) as LaneSpec;
			const found = outcome(id);
			expect(found.ok && found.result.tokenIds).toEqual(
				(await standalone(request, spec)).result.tokenIds
			);
		}
	});

	it('ends the whole request when the engine crashed', async () => {
		const crash = Object.assign(new Error('gone'), { name: 'EngineCrashedError' });
		const engine = engineFor({
			onEvaluate: (ids) => {
				if (ids.length === 1) throw crash;
			}
		});
		await expect(runLanes(engine, lanesRequest(seedLanes([1, 2])))).rejects.toBe(crash);
	});

	it('refuses bad shared fields before any engine work', async () => {
		const engine = engineFor();
		const bad: [Partial<LanesRequest>, string][] = [
			[{ lanes: [] }, 'lanes'],
			[{ lanes: seedLanes(Array.from({ length: 17 }, (_, i) => i)) }, 'lanes'],
			[{ lanes: [...seedLanes([1]), ...seedLanes([1])] }, 'lanes[1].id'],
			[{ lanes: [{ id: '', params: params() }] }, 'lanes[0].id'],
			[{ maxNewTokens: 0 }, 'maxNewTokens'],
			[{ stopIds: [FAKE_VOCAB] }, 'stopIds']
		];
		for (const [extra, field] of bad) {
			await expect(
				runLanes(engine, lanesRequest(seedLanes([1]), extra)),
				field
			).rejects.toMatchObject({ name: 'GenerationRequestError', field });
		}
		expect(engine.calls).toEqual([]);
	});
});

describe('generateLanes: Stop', () => {
	it('ends the lane in progress within one token and every later lane at once', async () => {
		const controller = new AbortController();
		const engine = engineFor();
		let evaluationsAtStop = 0;
		const request = lanesRequest(seedLanes([1, 2, 3, 4]), { maxNewTokens: 40 });
		const { result, outcome, lane, events } = await runLanes(engine, request, {
			signal: controller.signal,
			onEvent: (e) => {
				if (e.type === 'lane' && e.laneId === 'seed-2' && e.event.type === 'token') {
					if (e.event.index === 2) {
						controller.abort();
						evaluationsAtStop = engine.evaluated.length;
					}
				}
			}
		});
		expect(lane('seed-1').finishReason).not.toBe('stopped');
		expect(lane('seed-2').finishReason).toBe('stopped');
		expect(lane('seed-2').tokenIds).toHaveLength(3);
		for (const id of ['seed-3', 'seed-4']) {
			expect(outcome(id)).toMatchObject({
				ok: true,
				result: { finishReason: 'stopped', tokenIds: [], text: '' }
			});
		}
		expect(engine.evaluated).toHaveLength(evaluationsAtStop);
		expect(result.promptEvaluations).toBe(1);
		expect(events.filter((e) => e.type === 'lane-end')).toHaveLength(4);
	});

	it('runs nothing when stopped before it starts', async () => {
		const controller = new AbortController();
		controller.abort();
		const engine = engineFor();
		const { result } = await runLanes(engine, lanesRequest(seedLanes([1, 2])), {
			signal: controller.signal
		});
		expect(engine.evaluated).toEqual([]);
		expect(result.promptEvaluations).toBe(0);
		expect(result.lanes.map((l) => l.outcome.ok && l.outcome.result.finishReason)).toEqual([
			'stopped',
			'stopped'
		]);
	});
});

describe('generateLanes: lanes decoded together (an engine with sequences)', () => {
	const mixed = (): LaneSpec[] => [
		...seedLanes([1, 2, 3, 4]),
		{ id: 'hot', params: params({ seed: 9, temperature: 1.7, topK: 0, topP: 1, minP: 0 }) },
		{ id: 'penalties', params: params({ seed: 5, repeatPenalty: 1.4, repeatLastN: -1 }) },
		{ id: 'traced', params: params({ seed: 7 }), trace: { topN: 5 } }
	];

	it('evaluates the prompt once, then feeds every live lane in one batch per step', async () => {
		const engine = sequenceEngineFor();
		const request = lanesRequest(mixed(), { maxNewTokens: 24 });
		const { result, lane } = await runLanes(engine, request);
		expect(result).toMatchObject({ decodedTogether: true, sequentialReason: null });
		expect(result.promptEvaluations).toBe(1);
		expect(promptRuns(engine)).toHaveLength(1);
		// No lane token goes through evaluate(): only the prompt does.
		expect(engine.evaluated).toHaveLength(1);
		const lengths = request.lanes.map((l) => lane(l.id).tokenIds.length);
		expect(engine.batches).toHaveLength(Math.max(...lengths) - 1);
		expect(engine.batches[0]).toHaveLength(request.lanes.length);
		expect(engine.calls.filter((c) => c === 'forkSequences')).toHaveLength(1);
		expect(engine.calls.at(-1)).toBe('endSequences');
	});

	it('gives every lane exactly the tokens, text, events and stats of a standalone run', async () => {
		const request = lanesRequest(mixed(), { stopSequences: ['zz'], maxNewTokens: 24 });
		const { lane, laneEvents } = await runLanes(sequenceEngineFor(), request);
		for (const spec of request.lanes) {
			const alone = await standalone(request, spec, { contextLength: 512 });
			expect(comparable(lane(spec.id)), spec.id).toEqual(comparable(alone.result));
			expect(laneEvents(spec.id), spec.id).toEqual(alone.events);
		}
	});

	it("takes every step's figures from the engine's summaries, the prompt's included", async () => {
		const request = lanesRequest(seedLanes([1, 2, 3]), { maxNewTokens: 8 });
		const { lane } = await runLanes(sequenceEngineFor(summarizing()), request);
		for (const spec of request.lanes) {
			const alone = await standalone(request, spec, { contextLength: 512, ...summarizing() });
			// Made-up summaries: entropy 0.75 at every step, none computed in JS.
			expect(lane(spec.id).stats.meanEntropy, spec.id).toBe(0.75);
			expect(comparable(lane(spec.id)), spec.id).toEqual(comparable(alone.result));
		}
	});

	it('streams the lanes side by side, and each ends on its own', async () => {
		const engine = sequenceEngineFor();
		const request = lanesRequest(seedLanes([1, 2, 3, 4, 5, 6]), { maxNewTokens: 40 });
		const { events, lane } = await runLanes(engine, request);
		const order = events.map((e) =>
			e.type === 'prefill' ? 'prefill' : `${e.laneId}:${e.type === 'lane' ? e.event.type : 'end'}`
		);
		// Every lane has streamed a token before any lane ends.
		const firstEnd = order.findIndex((o) => o.endsWith(':end'));
		for (const spec of request.lanes) {
			expect(order.indexOf(`${spec.id}:token`)).toBeLessThan(firstEnd);
		}
		const lengths = request.lanes.map((l) => lane(l.id).tokenIds.length);
		expect(new Set(lengths).size).toBeGreaterThan(1);
		expect(request.lanes.map((l) => lane(l.id).finishReason)).toContain('eos');
		// A lane that ended is in no later batch; the batches shrink as lanes end.
		const sizes = engine.batches.map((b) => b.length);
		expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
		expect(sizes.at(-1)).toBeLessThan(request.lanes.length);
	});

	it('ends every lane within one step on Stop', async () => {
		const engine = sequenceEngineFor();
		const controller = new AbortController();
		engine.onBatch = () => {
			if (engine.batches.length === 3) controller.abort();
		};
		const request = lanesRequest(seedLanes([1, 2, 3]), { maxNewTokens: 30 });
		const { lane } = await runLanes(engine, request, { signal: controller.signal });
		expect(engine.batches).toHaveLength(3);
		for (const spec of request.lanes) {
			expect(lane(spec.id).finishReason).toBe('stopped');
			expect(lane(spec.id).tokenIds).toHaveLength(3);
		}
		expect(engine.calls.at(-1)).toBe('endSequences');
	});

	it('runs lanes one after another, saying why, when the engine has too few sequences', async () => {
		const engine = sequenceEngineFor({ contextLength: 64 });
		engine.maxSequences = 3;
		const request = lanesRequest(seedLanes([1, 2, 3, 4]), { maxNewTokens: 16 });
		const { result, lane } = await runLanes(engine, request);
		expect(result.decodedTogether).toBe(false);
		expect(result.sequentialReason).toBe('the engine decodes at most 3 lanes together');
		expect(engine.batches).toHaveLength(0);
		for (const spec of request.lanes) {
			const alone = await standalone(request, spec);
			expect(lane(spec.id).tokenIds).toEqual(alone.result.tokenIds);
		}
	});

	it('says so when the engine decodes one sequence at a time', async () => {
		const { result } = await runLanes(engineFor(), lanesRequest(seedLanes([1, 2])));
		expect(result.decodedTogether).toBe(false);
		expect(result.sequentialReason).toMatch(/one sequence at a time/);
	});
});
