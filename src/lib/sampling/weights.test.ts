import { describe, expect, it } from 'vitest';
import { Xoshiro128StarStar } from './rng';
import { WEIGHT_SCALE, ZERO_WEIGHT_LOG_RATIO, roundScaled, weightOf } from './weights';

/** The next double above (`step` 1) or below (`step` −1) a positive `x`. */
function adjacent(x: number, step: 1 | -1): number {
	const view = new DataView(new ArrayBuffer(8));
	view.setFloat64(0, x);
	view.setBigUint64(0, view.getBigUint64(0) + BigInt(step));
	return view.getFloat64(0);
}

describe('roundScaled', () => {
	it('is Math.round bit for bit next to every half and every power of two in [0, 2^32]', () => {
		const edges: number[] = [0, 0.25, 0.5 - 2 ** -54, WEIGHT_SCALE];
		for (let k = -1; k <= 32; k++) {
			const power = 2 ** k;
			edges.push(power, power - 0.5, power + 0.5, power - 1.5, power + 1.5);
		}
		const rng = Xoshiro128StarStar.fromSeed(5);
		for (let i = 0; i < 2000; i++) edges.push(Math.floor(rng.nextFloat() * WEIGHT_SCALE) + 0.5);
		for (const edge of edges) {
			for (const v of [edge, adjacent(edge, 1), adjacent(edge, -1)]) {
				if (v < 0 || v > WEIGHT_SCALE) continue;
				expect(Object.is(roundScaled(v), Math.round(v)), `v = ${v}`).toBe(true);
			}
		}
	});

	it('gives weightOf the weights of Math.round over the whole range of log-ratios', () => {
		const rng = Xoshiro128StarStar.fromSeed(9);
		for (let i = 0; i < 100_000; i++) {
			const logRatio = ZERO_WEIGHT_LOG_RATIO * rng.nextFloat();
			expect(weightOf(logRatio, 0)).toBe(Math.round(Math.exp(logRatio) * WEIGHT_SCALE));
		}
		expect(weightOf(0, 0)).toBe(WEIGHT_SCALE);
		expect(weightOf(ZERO_WEIGHT_LOG_RATIO, 0)).toBe(0);
		expect(weightOf(-Infinity, 0)).toBe(0);
	});
});
