import { describe, expect, it } from 'vitest';
import { SplitMix64, Xoshiro128StarStar, randomSeed } from './rng';

describe('Xoshiro128StarStar', () => {
	it('matches the reference C implementation from a known state', () => {
		// State and outputs produced by the authors' xoshiro128starstar.c.
		const rng = new Xoshiro128StarStar([0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0]);
		const outputs: number[] = [];
		const states: number[][] = [];
		for (let i = 0; i < 4; i++) {
			outputs.push(rng.nextUint32());
			states.push(rng.state());
		}
		expect(outputs).toEqual([0xf1391922, 0x6fe53806, 0xa5be2840, 0xf510ee70]);
		expect(states).toEqual([
			[0x72410269, 0xef382c52, 0x2e43bec7, 0x62432f20],
			[0xff3a011b, 0xb33a90fc, 0x2c5a18ae, 0xd81b946b],
			[0x941b058c, 0x605a8949, 0xa641e1b5, 0x0824bb59],
			[0xfc65379c, 0x52006d70, 0x87487639, 0xf1908343]
		]);
	});

	it('repeats the same stream for the same seed and differs for another', () => {
		const take = (seed: number) => {
			const rng = Xoshiro128StarStar.fromSeed(seed);
			return Array.from({ length: 8 }, () => rng.nextUint32());
		};
		expect(take(42)).toEqual(take(42));
		expect(take(42)).not.toEqual(take(43));
		expect(take(0)).not.toEqual(take(1));
	});

	it('gives floats in [0, 1)', () => {
		const rng = Xoshiro128StarStar.fromSeed(7);
		for (let i = 0; i < 10_000; i++) {
			const u = rng.nextFloat();
			expect(u).toBeGreaterThanOrEqual(0);
			expect(u).toBeLessThan(1);
		}
	});

	it('refuses an all-zero state', () => {
		expect(() => new Xoshiro128StarStar([0, 0, 0, 0])).toThrow(RangeError);
	});
});

describe('SplitMix64', () => {
	it('matches the reference outputs for seed 1234567', () => {
		const splitmix = new SplitMix64(1234567n);
		expect([splitmix.next(), splitmix.next(), splitmix.next()]).toEqual([
			6457827717110365317n,
			3203168211198807973n,
			9817491932198370423n
		]);
	});
});

describe('randomSeed', () => {
	it('returns unsigned 32-bit integers', () => {
		for (let i = 0; i < 100; i++) {
			const seed = randomSeed();
			expect(Number.isInteger(seed)).toBe(true);
			expect(seed).toBeGreaterThanOrEqual(0);
			expect(seed).toBeLessThanOrEqual(0xffffffff);
		}
	});
});
