import { describe, expect, it } from 'vitest';
import { expOfNonPositive } from './display-exp';

describe('expOfNonPositive', () => {
	it('agrees with Math.exp to 1e-14 relative from 0 down to −708', () => {
		let worst = 0;
		for (let i = 0; i <= 200_000; i++) {
			// Dense near 0, where most logits of a step lie, and across the whole range.
			const y = i % 2 === 0 ? -i / 10_000 : (-708 * i) / 200_000;
			const exact = Math.exp(y);
			worst = Math.max(worst, Math.abs(expOfNonPositive(y) - exact) / exact);
		}
		expect(worst).toBeLessThan(1e-14);
	});

	it('is exactly 1 at 0 and 0 for probability-0 and negligible values', () => {
		expect(expOfNonPositive(0)).toBe(1);
		expect(expOfNonPositive(-0)).toBe(1);
		expect(expOfNonPositive(-Infinity)).toBe(0);
		expect(expOfNonPositive(Number.NaN)).toBe(0);
		expect(expOfNonPositive(-709)).toBe(0);
	});
});
