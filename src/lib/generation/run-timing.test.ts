import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '#lib/sampling';
import { REAL_SAMPLING as sampling } from './testing/sampling';
import { FakeEngine, FakeSequenceEngine, type FakeEngineOptions } from './testing/fake-engine';
import { generate } from './generate';
import { generateLanes } from './lanes';
import type { GenerationEvent, LaneEvent, LaneSpec } from './types';

/**
 * The worker's timings on a made-up clock: every streamed token costs 10 ms, the prompt 100 ms,
 * forking the lanes' sequences 500 ms and each wait for the page `pace` ms. The decode phase
 * must come out the same whatever the page and the setup cost.
 */
function clocked(engine: FakeEngine, pace: number) {
	const clock = { t: 0 };
	const evaluate = engine.evaluate.bind(engine);
	engine.evaluate = async (ids) => {
		if (ids.length > 1) clock.t += 100;
		return evaluate(ids);
	};
	if (engine instanceof FakeSequenceEngine) {
		const fork = engine.forkSequences.bind(engine);
		engine.forkSequences = async (count) => {
			clock.t += 500;
			return fork(count);
		};
	}
	/** When each token was streamed (before its 10 ms), per lane ('' for a single run). */
	const streamedAt = new Map<string, number[]>();
	const onToken = (lane: string, event: GenerationEvent) => {
		if (event.type !== 'token') return;
		streamedAt.set(lane, [...(streamedAt.get(lane) ?? []), clock.t]);
		clock.t += 10;
	};
	const deps = {
		engine,
		model: engine.model,
		sampling,
		now: () => clock.t,
		paced: async () => {
			clock.t += pace;
		}
	};
	return { deps, onToken, streamedAt };
}

const options: FakeEngineOptions = {
	next: () => 0,
	contextLength: 512,
	shape: (distribution, context) => {
		distribution.fill(-5);
		distribution[97 + (context.length % 5)] = 0;
	}
};

const params = (seed: number): SamplingParams => ({ ...DEFAULT_SAMPLING_PARAMS, seed });
const lanes = (seeds: number[]): LaneSpec[] =>
	seeds.map((seed, i) => ({ id: `lane-${i}`, params: params(seed) }));

async function single(pace: number) {
	const { deps, onToken } = clocked(new FakeEngine(options), pace);
	return generate(
		{ input: { mode: 'completion', prompt: 'Once' }, params: params(1), maxNewTokens: 12 },
		deps,
		(event) => onToken('', event)
	);
}

async function sweep(engine: FakeEngine, pace: number) {
	const timed = clocked(engine, pace);
	const result = await generateLanes(
		{ input: { mode: 'completion', prompt: 'Once' }, maxNewTokens: 12, lanes: lanes([1, 2, 3]) },
		timed.deps,
		(event: LaneEvent) => {
			if (event.type === 'lane') timed.onToken(event.laneId, event.event);
		}
	);
	const stats = result.lanes.map(({ outcome }) => {
		if (!outcome.ok) throw new Error(outcome.error.message);
		return outcome.result.stats;
	});
	return { result, stats, streamedAt: timed.streamedAt };
}

describe('run timings', () => {
	it('a run’s decode phase runs from its first token to its last, without waits for the page', async () => {
		const fast = await single(0);
		const heldByPage = await single(1000);
		expect(fast.stats.generatedTokens).toBe(12);
		expect(fast.stats.decodeMs).toBe(11 * 10);
		expect(heldByPage.stats.decodeMs).toBe(fast.stats.decodeMs);
		expect(fast.stats.prefillMs).toBe(100);
		// No blended tokens/s is written any more.
		expect(fast.stats.tokensPerSecond).toBeUndefined();
	});

	it('a run of one token has no decode phase', async () => {
		const { deps, onToken } = clocked(new FakeEngine(options), 0);
		const result = await generate(
			{ input: { mode: 'completion', prompt: 'Once' }, params: params(1), maxNewTokens: 1 },
			deps,
			(event) => onToken('', event)
		);
		expect(result.stats.decodeMs).toBeNull();
	});

	it('lanes decoded together are each timed from their own first token to their own last', async () => {
		const { result, stats, streamedAt } = await sweep(new FakeSequenceEngine(options), 0);
		expect(result.decodedTogether).toBe(true);
		stats.forEach((lane, i) => {
			const at = streamedAt.get(`lane-${i}`)!;
			expect(lane.decodeMs, `lane ${i}`).toBe(at.at(-1)! - at[0]);
			// Forking the prompt's cache (500 ms) happens before any first token: no lane pays it.
			expect(lane.decodeMs!).toBeLessThan(500);
		});
		// Each step carries one token of every live lane: equal lanes decode at equal speeds.
		expect(new Set(stats.map((lane) => lane.decodeMs)).size).toBe(1);
		const held = await sweep(new FakeSequenceEngine(options), 1000);
		expect(held.stats.map((lane) => lane.decodeMs)).toEqual(stats.map((lane) => lane.decodeMs));
	});

	it('lanes run one after another are timed the same way: the first pays no prefill', async () => {
		const { result, stats } = await sweep(new FakeEngine(options), 1000);
		expect(result.decodedTogether).toBe(false);
		expect(result.prefillMs).toBe(100);
		expect(stats.map((lane) => lane.decodeMs)).toEqual([110, 110, 110]);
	});
});
