import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Candidates } from './candidates';
import { logitsArbitrary } from './testing/arbitraries';
import { members, rankOrder } from './testing/stage-harness';

function candidatesOf(logits: Float32Array): Candidates {
	const c = new Candidates(logits.length);
	c.reset(logits);
	return c;
}

describe('Candidates', () => {
	it('reset() refuses NaN and +Infinity wherever they are, and accepts banned tokens', () => {
		// Seven values: positions in the four-wide part of the check and in its tail.
		for (const bad of [NaN, Infinity]) {
			for (let at = 0; at < 7; at++) {
				const logits = Float32Array.from([1, 2, 3, 4, 5, 6, 7]);
				logits[at] = bad;
				expect(new Candidates(7).reset(logits)).toBe(false);
			}
		}
		const banned = Float32Array.from([-Infinity, 2, -Infinity, 4, 5, -Infinity, 7]);
		const c = candidatesOf(banned);
		expect(c.reset(banned)).toBe(true);
		expect(Array.from(c.logits)).toEqual(Array.from(banned));
		expect(new Candidates(3).reset(Float32Array.from([-Infinity, -Infinity, -Infinity]))).toBe(
			false
		);
	});

	it('rank(m) lists the m best in rank order without changing the set', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 500 }).chain((v) => fc.tuple(logitsArbitrary(v), fc.nat(v + 5))),
				([logits, m]) => {
					const c = candidatesOf(logits);
					const n = c.rank(m);
					expect(Array.from(c.ranking.subarray(0, n))).toEqual(rankOrder(logits).slice(0, m));
					expect(c.dense).toBe(true);
					expect(c.count).toBe(logits.length);
				}
			)
		);
	});

	it('rank() puts a compact unsorted set in rank order', () => {
		const logits = Float32Array.from([0, 5, 1, 5, -Infinity, 3]);
		const c = candidatesOf(logits);
		c.retainLogRatioAtLeast(5, -Infinity);
		c.keepRanking(c.rank(c.count));
		expect(members(c)).toEqual([1, 3, 5, 2, 0, 4]);
	});

	it('finds the best logit wherever it stands (each place mod 4, the tail) and among banned ones', () => {
		for (let length = 1; length <= 9; length++) {
			for (let at = 0; at < length; at++) {
				const logits = Float32Array.from({ length }, (_, i) => (i % 3 === 0 ? -Infinity : -i));
				logits[at] = 5;
				expect(candidatesOf(logits).maxLogit(), `length ${length}, at ${at}`).toBe(5);
			}
		}
		expect(candidatesOf(Float32Array.from([-Infinity, -3, -Infinity])).maxLogit()).toBe(-3);
	});

	it('keeps the best candidate and flags it when a filter would remove every one', () => {
		const c = candidatesOf(Float32Array.from([1, 4, 2]));
		c.retainLogRatioAtLeast(4, 1);
		expect(members(c)).toEqual([1]);
		expect(c.fallback).toBe(true);
	});

	it('sums integer weights exactly, whatever the member order', () => {
		const logits = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10);
		const dense = candidatesOf(logits);
		const shuffled = candidatesOf(logits);
		shuffled.keepRanking(shuffled.rank(shuffled.count));
		const max = dense.maxLogit();
		expect(shuffled.totalWeight(max)).toBe(dense.totalWeight(max));
	});
});
