import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, stageValues } from '../params';
import { logitsArbitrary } from '../testing/arbitraries';
import { explainStage, members, runStage, softmax } from '../testing/stage-harness';
import { DEFAULT_ORDER, stageDefinition } from './registry';

// Finite logits 3, 2, 1, 0: mean 1.5, σ = √1.25 = 1.1180…; the −∞ token is left out of both.
const logits = [3, 2, 1, 0, -Infinity];

describe('top-nσ', () => {
	it('keeps logits ≥ max − n·σ, σ over the finite logits', () => {
		expect(members(runStage('top-n-sigma', logits, { topNSigma: 1 }))).toEqual([0, 1]); // cut 1.88
		expect(members(runStage('top-n-sigma', logits, { topNSigma: 2 }))).toEqual([0, 1, 2]); // 0.76
		expect(members(runStage('top-n-sigma', logits, { topNSigma: 3 }))).toEqual([0, 1, 2, 3]); // −0.35
	});

	it('gives llama.cpp’s published cases (tests/test-sampling.cpp, logits = ln p)', () => {
		const probs = [0.1, 0.2, 0.3, 0.4];
		const l = probs.map(Math.log);
		const kept = members(runStage('top-n-sigma', l, { topNSigma: 1 }));
		expect(kept).toEqual([2, 3]);
		const p = softmax(l, kept);
		expect(p.get(2)).toBeCloseTo(0.428571, 5);
		expect(p.get(3)).toBeCloseTo(0.571429, 5);
		// n = 0 is a no-op, and n = 3 keeps all four.
		expect(members(runStage('top-n-sigma', l, { topNSigma: 0 }))).toEqual([0, 1, 2, 3]);
		expect(members(runStage('top-n-sigma', l, { topNSigma: 3 })).sort()).toEqual([0, 1, 2, 3]);
	});

	it('keeps the same tokens whatever the temperature before it', () => {
		const hot = logits.map((l) => l / 1.7);
		expect(members(runStage('top-n-sigma', hot, { topNSigma: 1 }))).toEqual([0, 1]);
		const cold = logits.map((l) => l / 0.3);
		expect(members(runStage('top-n-sigma', cold, { topNSigma: 2 }))).toEqual([0, 1, 2]);
	});

	it('on random logits keeps exactly the tokens at or above the cut, the best among them', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 2, max: 200 }).chain((v) => logitsArbitrary(v)),
				fc.double({ min: 0.01, max: 5, noNaN: true }),
				(l, n) => {
					const kept = members(runStage('top-n-sigma', l, { topNSigma: n }));
					expect(kept.length).toBeGreaterThanOrEqual(1);
					const finite = Array.from(l).filter((x) => x > -Infinity);
					const max = Math.max(...finite);
					const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
					const sigma = Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / finite.length);
					const cut = max - n * sigma;
					const keptSet = new Set(kept);
					for (let id = 0; id < l.length; id++) {
						if (Math.abs(l[id] - cut) < 1e-9 * Math.max(1, Math.abs(cut))) continue;
						expect(keptSet.has(id), `token ${id}: ${l[id]} against ${cut}`).toBe(l[id] >= cut);
					}
					const total = [...softmax(l, kept).values()].reduce((a, b) => a + b, 0);
					expect(total).toBeCloseTo(1, 12);
				}
			)
		);
	});

	it('is neutral at 0 (llama.cpp: n ≤ 0 is off), off by default, and leaves one token alone', () => {
		const definition = stageDefinition('top-n-sigma');
		const values = stageValues(DEFAULT_SAMPLING_PARAMS);
		expect(DEFAULT_SAMPLING_PARAMS.topNSigma).toBe(0);
		expect(definition.isNeutral(values, { logitBias: {} })).toBe(true);
		expect(DEFAULT_ORDER).not.toContain('top-n-sigma');
		expect(members(runStage('top-n-sigma', logits, { topNSigma: 0 }))).toEqual([0, 1, 2, 3, 4]);
		expect(members(runStage('top-n-sigma', [5], { topNSigma: 1 }))).toEqual([0]);
	});

	it('explains itself: σ, the cut line and each tracked token’s logit', () => {
		const detail = explainStage('top-n-sigma', logits, { topNSigma: 1 }, [0, 3, 4]);
		const sigma = Math.sqrt(1.25);
		expect(detail.facts.find((f) => f.key === 'sigma')?.value).toBeCloseTo(sigma, 12);
		expect(detail.measure?.values).toEqual([3, 0, -Infinity]);
		expect(detail.measure?.lines[0].value).toBeCloseTo(3 - sigma, 12);
		expect(detail.measure?.kept).toBe('above');
	});
});
