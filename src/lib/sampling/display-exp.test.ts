import { describe, expect, it } from 'vitest';
import { displayExp } from './display-exp';

describe('displayExp', () => {
	it('agrees with Math.exp to 1e-14 relative from 0 down to −708', () => {
		let worst = 0;
		for (let i = 0; i <= 200_000; i++) {
			// Dense near 0, where most logits of a step lie, and across the whole range.
			const y = i % 2 === 0 ? -i / 10_000 : (-708 * i) / 200_000;
			const exact = Math.exp(y);
			worst = Math.max(worst, Math.abs(displayExp(y) - exact) / exact);
		}
		expect(worst).toBeLessThan(1e-14);
	});

	it('is Math.exp above 0 (a stage may raise a logit above the previous maximum)', () => {
		for (const y of [1e-9, 0.5, 3, 700]) expect(displayExp(y)).toBe(Math.exp(y));
	});

	it('is exactly 1 at 0 and 0 for probability-0 and negligible values', () => {
		expect(displayExp(0)).toBe(1);
		expect(displayExp(-0)).toBe(1);
		expect(displayExp(-Infinity)).toBe(0);
		expect(displayExp(Number.NaN)).toBe(0);
		expect(displayExp(-709)).toBe(0);
	});
});
