import fc from 'fast-check';
import { expectAgreementWithReference } from '../testing/reference-agreement';
import { describe, expect, it } from 'vitest';
import { Candidates } from '../candidates';
import { DEFAULT_SAMPLING_PARAMS, stageValues, type SamplingParams } from '../params';
import { createSampler } from '../sampler';
import { PenaltyWindow } from '../window';
import { explainStage, members, rankOrder, runStage, softmax } from '../testing/stage-harness';
import { dynamicTemperatureOf, entropyOfDense, entropyOfMembers } from './dynamic-temperature';
import { Xoshiro128StarStar } from '../rng';
import { DEFAULT_ORDER, stageDefinition } from './registry';

const probs = [0.4, 0.3, 0.2, 0.1];
const l = probs.map(Math.log);
// H = 0.4·ln(1/0.4) + 0.3·ln(1/0.3) + 0.2·ln(1/0.2) + 0.1·ln(1/0.1) = 1.279854…; ln 4 = 1.386294…
const H = 1.2798542258336676;
const NORMALIZED = H / Math.log(4); // 0.923220…

/** The member logits after the stage, by id. */
function logitsAfter(logits: number[], overrides: Partial<SamplingParams>): number[] {
	const c = runStage('dynamic-temperature', logits, overrides);
	return members(c).map((id) => c.logits[id]);
}

describe('dynamic temperature', () => {
	it('explains itself: the entropy, H/H_max, the range and the temperature used at this step', () => {
		const detail = explainStage(
			'dynamic-temperature',
			l,
			{ temperature: 1, dynatempRange: 0.5 },
			[3, 0]
		);
		const fact = (key: string) => detail.facts.find((f) => f.key === key)?.value;
		expect(fact('entropy')).toBeCloseTo(H, 6);
		expect(fact('maxEntropy')).toBeCloseTo(Math.log(4), 12);
		expect(fact('normalizedEntropy')).toBeCloseTo(NORMALIZED, 6);
		expect(fact('minTemperature')).toBe(0.5);
		expect(fact('maxTemperature')).toBe(1.5);
		expect(fact('temperature')).toBeCloseTo(0.5 + NORMALIZED, 6);
		// The transform: each tracked logit relative to the best, before and after ÷ T used.
		const used = 0.5 + NORMALIZED;
		const gap = Math.fround(l[3]) - Math.fround(l[0]);
		expect(detail.measure?.before).toEqual([gap, 0]);
		expect(detail.measure?.values[0]).toBeCloseTo(gap / used, 6);
		expect(detail.measure?.kept).toBe('all');
		const cold = explainStage('dynamic-temperature', [-30, 0, -40], {
			temperature: 0.5,
			dynatempRange: 0.5
		});
		expect(cold.note).toMatch(/only the best token/);
	});

	it('measures the entropy of the members', () => {
		expect(entropyOfMembers(4, (i) => l[i], l[0])).toBeCloseTo(H, 12);
		// Uniform: H = ln(count); one token far ahead of the rest: H = 0 (the rest add nothing).
		expect(entropyOfMembers(5, () => 2, 2)).toBeCloseTo(Math.log(5), 12);
		expect(entropyOfMembers(3, (i) => (i === 0 ? 0 : -30), 0)).toBe(0);
	});

	it('gets the same entropy, bit for bit, from the dense loop and from the members', () => {
		// The dense loop writes the shared e^x out in place; the reference calls it.
		const rng = Xoshiro128StarStar.fromSeed(5);
		for (let trial = 0; trial < 20; trial++) {
			const sigma = 0.1 + 6 * rng.nextFloat();
			const logits = Float64Array.from(
				{ length: 5000 },
				() =>
					sigma * Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(6.28 * rng.nextFloat())
			);
			logits[rng.nextUint32() % 5000] = -Infinity;
			const max = logits.reduce((a, b) => Math.max(a, b), -Infinity);
			expect(entropyOfDense(logits, 5000, max)).toBe(entropyOfMembers(5000, (i) => logits[i], max));
		}
	});

	it('gives the same logits whatever order a listed set holds its members in', () => {
		const raw = Float32Array.from([0.3, -1.2, 2.5, 0.7, -0.4, 1.9]);
		const stage = stageDefinition('dynamic-temperature').create(
			stageValues({ ...DEFAULT_SAMPLING_PARAMS, dynatempRange: 0.6 }),
			{ logitBias: {} }
		);
		const context = { history: [], window: new PenaltyWindow(6) };
		const dense = new Candidates(6);
		dense.reset(raw);
		stage.apply(dense, context);
		const ranked = new Candidates(6);
		ranked.reset(raw);
		ranked.keepRanking(ranked.rank(6));
		expect(Array.from(ranked.ids)).toEqual([2, 5, 3, 0, 4, 1]);
		stage.apply(ranked, context);
		expect(Array.from(ranked.logits)).toEqual(Array.from(dense.logits));
	});

	it('uses T_used = min + (max − min)·(H/H_max)^exponent', () => {
		const linear = dynamicTemperatureOf(1, 0.5, 1, H, 4);
		expect(linear.minTemperature).toBe(0.5);
		expect(linear.maxTemperature).toBe(1.5);
		expect(linear.normalizedEntropy).toBeCloseTo(0.92322, 5);
		expect(linear.temperature).toBeCloseTo(1.42322, 5);
		// Exponent 2: 0.5 + 0.923220² = 1.352335…
		expect(dynamicTemperatureOf(1, 0.5, 2, H, 4).temperature).toBeCloseTo(1.352335, 5);
		// min_temp is clamped at 0: T 0.3, range 0.5 gives [0, 0.8].
		expect(dynamicTemperatureOf(0.3, 0.5, 1, H, 4).minTemperature).toBe(0);
		expect(dynamicTemperatureOf(0.3, 0.5, 1, H, 4).temperature).toBeCloseTo(0.8 * NORMALIZED, 9);
	});

	it('divides every logit by the temperature of this step', () => {
		const after = logitsAfter(l, { temperature: 1, dynatempRange: 0.5 });
		const used = 0.5 + NORMALIZED;
		// The harness hands the stage float32 logits, as engines do.
		after.forEach((logit, i) => expect(logit).toBeCloseTo(Math.fround(l[i]) / used, 8));
		// The resulting probabilities: softmax(ln p / 1.42322), flatter than p.
		const p = [...softmax(after).values()];
		expect(p[0]).toBeLessThan(0.4);
		expect(p[3]).toBeGreaterThan(0.1);
		expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
	});

	it('runs at T + range on a uniform distribution and at max(0, T − range) on a certain one', () => {
		expect(logitsAfter([2, 2, 2, 2], { temperature: 1, dynatempRange: 0.5 })).toEqual([
			2 / 1.5,
			2 / 1.5,
			2 / 1.5,
			2 / 1.5
		]);
		// The others are beyond e^−23 of the best: H = 0, so T_used = 1 − 0.5.
		expect(logitsAfter([0, -30, -40], { temperature: 1, dynatempRange: 0.5 })).toEqual([
			0, -60, -80
		]);
		// T_used = 0 keeps the best member alone, as llama.cpp's temperature 0 does.
		const c = runStage('dynamic-temperature', [-30, 0, -40], {
			temperature: 0.5,
			dynatempRange: 0.5
		});
		expect(members(c)).toEqual([1]);
	});

	it('keeps the ranking, at least one token and the temperature within its range, on random logits', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 200 }).chain((v) => finiteLogits(v)),
				fc.double({ min: 0.05, max: 2, noNaN: true }),
				fc.double({ min: 0.01, max: 2, noNaN: true }),
				fc.double({ min: 0.1, max: 4, noNaN: true }),
				(logits, temperature, range, exponent) => {
					const c = runStage('dynamic-temperature', logits, {
						temperature,
						dynatempRange: range,
						dynatempExponent: exponent
					});
					const kept = members(c);
					expect(kept.length).toBeGreaterThanOrEqual(1);
					const total = [...softmax(c.logits, kept).values()].reduce((a, b) => a + b, 0);
					expect(total).toBeCloseTo(1, 12);
					if (kept.length === logits.length && logits.length > 1) {
						expect(rankOrder(c.logits)).toEqual(rankOrder(Float32Array.from(logits)));
						// The scale it applied, read off the best finite logit that is not 0.
						const id = kept.find((i) => Number.isFinite(logits[i]) && logits[i] !== 0);
						if (id !== undefined && Math.abs(logits[id]) > 1e-3) {
							const used = Math.fround(logits[id]) / c.logits[id];
							expect(used).toBeGreaterThanOrEqual(Math.max(0, temperature - range) - 1e-9);
							expect(used).toBeLessThanOrEqual(temperature + range + 1e-9);
						}
					}
				}
			)
		);
	});

	it('counts a temperature below 10⁻⁶ as 0 (the best token alone), never overflowing 1/T', () => {
		expect(dynamicTemperatureOf(0, 1e-300, 1, H, 4).temperature).toBe(0);
		const c = runStage('dynamic-temperature', [1, 20, 3], { temperature: 0, dynatempRange: 1e-9 });
		expect(members(c)).toEqual([1]);
	});

	it('at range 0 leaves the temperature to the temperature stage: llama.cpp’s temp-ext cases', () => {
		// test-sampling.cpp: temp_ext(T, delta 0) on p = 0.1, 0.2, 0.3, 0.4 is plain temperature.
		const p = [0.1, 0.2, 0.3, 0.4].map(Math.log);
		const order = [...DEFAULT_ORDER, 'dynamic-temperature'] as SamplingParams['order'];
		const values = stageValues({ ...DEFAULT_SAMPLING_PARAMS, temperature: 0, order });
		expect(stageDefinition('dynamic-temperature').isNeutral(values, { logitBias: {}, order })).toBe(
			true
		);
		expect(stageDefinition('temperature').isNeutral(values, { logitBias: {}, order })).toBe(false);
		expect(members(runStage('temperature', p, { temperature: 0, order }))).toEqual([3]);
		const c = runStage('temperature', p, { temperature: 1, order });
		const after = [...softmax(c.logits.subarray(0, 4)).values()];
		after.forEach((q, i) => expect(q).toBeCloseTo([0.1, 0.2, 0.3, 0.4][i], 6));
	});

	it('is neutral at range 0, off by default, and leaves one token alone', () => {
		const definition = stageDefinition('dynamic-temperature');
		const values = stageValues(DEFAULT_SAMPLING_PARAMS);
		expect(DEFAULT_SAMPLING_PARAMS.dynatempRange).toBe(0);
		expect(DEFAULT_SAMPLING_PARAMS.dynatempExponent).toBe(1);
		expect(definition.isNeutral(values, { logitBias: {} })).toBe(true);
		expect(DEFAULT_ORDER).not.toContain('dynamic-temperature');
		expect(logitsAfter([3], { dynatempRange: 1 })).toEqual([3]);
	});
});

describe('temperature defers to dynamic temperature', () => {
	const order = [...DEFAULT_ORDER, 'dynamic-temperature'] as SamplingParams['order'];

	it('is skipped while dynamic temperature is in the chain with a range above 0', () => {
		const temperature = stageDefinition('temperature');
		const values = stageValues({ ...DEFAULT_SAMPLING_PARAMS, dynatempRange: 0.5 });
		expect(temperature.isNeutral(values, { logitBias: {}, order })).toBe(true);
		// Range 0, or dynamic temperature not in the chain: temperature applies T as usual.
		expect(temperature.isNeutral({ ...values, dynatempRange: 0 }, { logitBias: {}, order })).toBe(
			false
		);
		expect(temperature.isNeutral(values, { logitBias: {}, order: [...DEFAULT_ORDER] })).toBe(false);
		// Judged alone (a native sampler's view), it applies T.
		expect(temperature.isNeutral(values, { logitBias: {} })).toBe(false);
	});

	it('so T is applied once: the trace shows temperature skipped and the draw matches', () => {
		const params: SamplingParams = {
			...DEFAULT_SAMPLING_PARAMS,
			temperature: 0.7,
			dynatempRange: 0.3,
			topK: 0,
			topP: 1,
			minP: 0,
			seed: 7,
			order
		};
		const sampler = createSampler(params, { vocabSize: 4, trace: true });
		sampler.sample(Float32Array.from(l), []);
		const stages = sampler.lastTrace?.stages ?? [];
		expect(stages.find((s) => s.name === 'temperature')?.skipped).toBe(true);
		expect(stages.find((s) => s.name === 'dynamic-temperature')?.skipped).toBe(false);
		// Entropy after: the distribution at T_used = 0.4 + 0.6·0.923220, not at T·T_used.
		const used = 0.4 + 0.6 * NORMALIZED;
		const expected = softmax(l.map((x) => x / used));
		const entropy = -[...expected.values()].reduce((s, p) => s + p * Math.log(p), 0);
		expect(stages.at(-1)?.entropy).toBeCloseTo(entropy, 6);
	});

	it('with temperature 0 the chain is not greedy: dynamic temperature runs from [0, range]', () => {
		const params: SamplingParams = {
			...DEFAULT_SAMPLING_PARAMS,
			temperature: 0,
			dynatempRange: 1,
			topK: 0,
			seed: 1,
			order
		};
		const sampler = createSampler(params, { vocabSize: 4, trace: true });
		sampler.sample(Float32Array.from(l), []);
		expect(sampler.lastTrace?.u).not.toBeNull();
	});

	it('picks the same tokens as the full-sort reference, with quadratic smoothing, in random orders', () => {
		expectAgreementWithReference(
			['dynamic-temperature', 'quadratic-smoothing'],
			fc.record({
				dynatempRange: fc.double({ min: 0.01, max: 2, noNaN: true }),
				smoothingFactor: fc.double({ min: 0.001, max: 3, noNaN: true })
			}),
			{ numRuns: 200 }
		);
	});
});

/** Random logits, every one finite (so the scale can be read back from any of them). */
function finiteLogits(vocabSize: number): fc.Arbitrary<number[]> {
	return fc.array(fc.double({ min: -20, max: 20, noNaN: true }), {
		minLength: vocabSize,
		maxLength: vocabSize
	});
}
