import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, stageValues, type SamplingParams } from '../params';
import { logitsArbitrary } from '../testing/arbitraries';
import { explainStage, members, rankOrder, runStage, softmax } from '../testing/stage-harness';
import { breakEvenDistance, smoothLogit } from './quadratic-smoothing';
import { DEFAULT_ORDER, stageDefinition } from './registry';

/** The member logits after the stage, by id. */
function smoothed(logits: number[], overrides: Partial<SamplingParams>): number[] {
	const c = runStage('quadratic-smoothing', logits, overrides);
	return members(c).map((id) => c.logits[id]);
}

describe('quadratic smoothing', () => {
	it('explains itself: the logit transform of each tracked token, factor, curve and break-even', () => {
		const detail = explainStage('quadratic-smoothing', [2, 1, 0, -1], { smoothingFactor: 0.5 });
		expect(detail.measure?.before).toEqual([0, -1, -2, -3]);
		expect(detail.measure?.values).toEqual([0, -0.5, -2, -4.5]);
		expect(detail.measure?.kept).toBe('all');
		const fact = (key: string) => detail.facts.find((f) => f.key === key)?.value;
		expect(fact('factor')).toBe(0.5);
		expect(fact('curve')).toBe(1);
		// At curve 1 the break-even distance is 1/f: the token 2 below the best stays put.
		expect(fact('breakEven')).toBe(2);
		// With the cubic term too: −x maps to itself (x = 1.5616 for f 0.5, c 2).
		for (const [f, c] of [
			[0.5, 2],
			[0.2, 7],
			[3, 1.5]
		]) {
			const x = breakEvenDistance(f, c);
			expect(smoothLogit(-x, 0, f, c)).toBeCloseTo(-x, 12);
		}
		expect(breakEvenDistance(0.5, 2)).toBeCloseTo(1.561553, 6);
	});

	it('at curve 1 maps each logit to max − f·d², d its distance below the best', () => {
		expect(smoothed([2, 1, 0, -1], { smoothingFactor: 0.5 })).toEqual([2, 1.5, 0, -2.5]);
		// Factor 0.25: tokens within 1/f = 4 of the best move closer, farther ones drop.
		expect(smoothed([0, -2, -4, -8], { smoothingFactor: 0.25 })).toEqual([0, -1, -4, -16]);
	});

	it('adds the cubic term: logit′ = max − ((3 − c)/2)·f·d² + ((c − 1)/2)·f·d³', () => {
		// c = 2: −0.25·d² + 0.25·d³ with f = 0.5.
		expect(smoothed([0, -1, -2, -3], { smoothingFactor: 0.5, smoothingCurve: 2 })).toEqual([
			0, -0.5, -3, -9
		]);
		// c = 3: the squared term vanishes, −f·d³ remains.
		expect(smoothLogit(-2, 0, 1, 3)).toBe(-8);
		// The best logit is left as it is, −0 included (fast-check found −0 turned into +0).
		expect(Object.is(smoothLogit(-0, -0, 0.001, 1), -0)).toBe(true);
		// Above 3 a near contender passes the best: c = 10, f = 1, d = −0.5 gives +0.3125.
		expect(smoothLogit(-0.5, 0, 1, 10)).toBeCloseTo(0.3125, 12);
	});

	it('flattens the top and cuts the tail: the survivors probabilities follow the curve', () => {
		const l = [0, -0.5, -1, -6];
		const p = [...softmax(smoothed(l, { smoothingFactor: 0.3 })).values()];
		const before = [...softmax(l).values()];
		expect(p[1] / p[0]).toBeGreaterThan(before[1] / before[0]); // contender gains
		expect(p[3] / p[0]).toBeLessThan(before[3] / before[0]); // tail loses
		expect(p[1] / p[0]).toBeCloseTo(Math.exp(-0.3 * 0.25), 12);
	});

	it('leaves −∞ alone, keeps every token and, up to curve 3, the ranking, on random logits', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 200 }).chain((v) => logitsArbitrary(v)),
				fc.double({ min: 0.001, max: 10, noNaN: true }),
				fc.double({ min: 1, max: 3, noNaN: true }),
				(logits, factor, curve) => {
					const c = runStage('quadratic-smoothing', logits, {
						smoothingFactor: factor,
						smoothingCurve: curve
					});
					expect(members(c)).toEqual(Array.from(logits, (_, i) => i));
					const max = Math.max(...logits);
					for (let id = 0; id < logits.length; id++) {
						if (logits[id] === -Infinity) expect(c.logits[id]).toBe(-Infinity);
						if (logits[id] === max) expect(c.logits[id]).toBe(logits[id]);
						expect(c.logits[id]).toBeLessThanOrEqual(max);
					}
					// Monotone: a higher logit never ends up below a lower one.
					const ranked = rankOrder(logits);
					for (let i = 1; i < ranked.length; i++) {
						expect(c.logits[ranked[i - 1]]).toBeGreaterThanOrEqual(c.logits[ranked[i]]);
					}
					const p = [...softmax(c.logits.subarray(0, logits.length)).values()];
					expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
				}
			)
		);
	});

	it('is neutral at factor 0 and off by default', () => {
		const definition = stageDefinition('quadratic-smoothing');
		const values = stageValues(DEFAULT_SAMPLING_PARAMS);
		expect(DEFAULT_SAMPLING_PARAMS.smoothingFactor).toBe(0);
		expect(DEFAULT_SAMPLING_PARAMS.smoothingCurve).toBe(1);
		expect(definition.isNeutral(values, { logitBias: {} })).toBe(true);
		expect(definition.isNeutral({ ...values, smoothingFactor: 0.1 }, { logitBias: {} })).toBe(
			false
		);
		expect(DEFAULT_ORDER).not.toContain('quadratic-smoothing');
		expect(smoothed([1, -2, 0.5], { smoothingFactor: 0 })).toEqual([1, -2, 0.5]);
	});
});
