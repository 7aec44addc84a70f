import { describe, expect, it } from 'vitest';
import { Candidates } from '../candidates';
import { Xoshiro128StarStar } from '../rng';
import { etaThreshold } from './eta-cutoff';
import {
	FAST_PASS_MIN_MEMBERS,
	entropyOf,
	fastMassOf,
	logRatioOfProbability,
	massOf,
	retainAtMassCut,
	scaledExp,
	tableWeightOf,
	totalWeightOf,
	type MassCut
} from './mass';
import { weightOf } from '../weights';
import { topAMinLogRatio } from './top-a';

/**
 * The cutoffs' fast pass (no exp per member) must decide exactly as the exact pass: the same
 * integer total, Σ w·ln w within its stated slack, and the same survivors, on large sets of every
 * shape, dense and listed, including cuts placed right on a member.
 */

type Shape = (rng: Xoshiro128StarStar, size: number) => Float32Array;

function normal(rng: Xoshiro128StarStar): number {
	return Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
}

const SHAPES: Record<string, Shape> = {
	// A model's: a broad bulk with a few favourites.
	model: (rng, size) => {
		const sigma = 0.5 + 4 * rng.nextFloat();
		const logits = Float32Array.from({ length: size }, () => sigma * normal(rng));
		for (let i = 0; i < 8; i++) logits[rng.nextUint32() % size] += 14 * rng.nextFloat();
		return logits;
	},
	// Nearly flat: every weight large, the totals near 2^32 · size.
	flat: (rng, size) => Float32Array.from({ length: size }, () => 0.01 * normal(rng)),
	// Logits on a coarse grid: many equal log-ratios, ties at the cut.
	ties: (rng, size) =>
		Float32Array.from({ length: size }, () => Math.round(4 * 3 * normal(rng)) / 4),
	// Sure, with a long tail spread down past the zero-weight log-ratio, and banned tokens.
	peaked: (rng, size) => {
		const logits = Float32Array.from({ length: size }, () => -30 * rng.nextFloat());
		logits[rng.nextUint32() % size] = 5;
		for (let i = 0; i < 20; i++) logits[rng.nextUint32() % size] = -Infinity;
		return logits;
	}
};

function candidatesOf(logits: Float32Array, listed: boolean): Candidates {
	const candidates = new Candidates(logits.length);
	candidates.reset(logits);
	// A listed set in id order, as a stage before would leave it.
	if (listed) candidates.retainLogRatioAtLeast(candidates.maxLogit(), -26);
	return candidates;
}

function survivors(candidates: Candidates): number[] {
	return Array.from({ length: candidates.count }, (_, i) => candidates.idAt(i));
}

/** The exact pass's decision: what every cutoff did before the fast pass. */
function exactRetain(candidates: Candidates, entropy: boolean, cutOf: MassCut): void {
	const mass = massOf(candidates, entropy);
	candidates.retainLogRatioAtLeast(mass.maxLogit, cutOf(mass.total, entropy ? entropyOf(mass) : 0));
}

const CUTS: [string, boolean, (value: number) => MassCut, number[]][] = [
	['top-a', false, (a) => (total) => topAMinLogRatio(a, total), [0.001, 0.2, 0.9]],
	['epsilon', false, (e) => (total) => logRatioOfProbability(e, total), [1e-7, 3e-4, 0.02]],
	[
		'eta',
		true,
		(eta) => (total, entropy) => logRatioOfProbability(etaThreshold(eta, entropy), total),
		[1e-6, 3e-4, 0.002, 0.05]
	]
];

const cases = Object.keys(SHAPES).flatMap((shape) =>
	[false, true].flatMap((listed) =>
		[FAST_PASS_MIN_MEMBERS, 6000, 20_000].map((size) => ({ shape, listed, size }))
	)
);

describe('fast mass pass', () => {
	it.each(cases)(
		'gives the exact total and Σ w·ln w within its slack ($shape, $size, listed $listed)',
		({ shape, listed, size }) => {
			for (let seed = 1; seed <= 4; seed++) {
				const rng = Xoshiro128StarStar.fromSeed(seed * 7919 + size);
				const candidates = candidatesOf(SHAPES[shape](rng, size), listed);
				const exact = massOf(candidates, true);
				for (const entropy of [false, true]) {
					const fast = fastMassOf(candidates, entropy);
					if (fast === null) continue; // rare: the exact pass decides then
					expect(fast.maxLogit).toBe(exact.maxLogit);
					expect(fast.total).toBe(exact.total);
					if (entropy) {
						expect(Math.abs(fast.weightedLog - exact.weightedLog)).toBeLessThanOrEqual(
							fast.weightedLogSlack
						);
						// And the slack is tight enough to matter: well under a millionth of H.
						expect(fast.weightedLogSlack / exact.total).toBeLessThan(1e-5);
					}
				}
			}
		}
	);

	it.each(cases)(
		'keeps the survivors of the exact pass for top-a, epsilon and eta ($shape, $size, listed $listed)',
		({ shape, listed, size }) => {
			for (let seed = 1; seed <= 2; seed++) {
				const rng = Xoshiro128StarStar.fromSeed(seed * 104729 + size);
				const logits = SHAPES[shape](rng, size);
				for (const [, entropy, cutOf, values] of CUTS) {
					for (const value of values) {
						const fast = candidatesOf(logits, listed);
						const exact = candidatesOf(logits, listed);
						retainAtMassCut(fast, entropy, cutOf(value));
						exactRetain(exact, entropy, cutOf(value));
						expect(survivors(fast)).toEqual(survivors(exact));
						expect(fast.fallback).toBe(exact.fallback);
					}
				}
			}
		}
	);

	it('decides like the exact pass when the cut falls right on a member', () => {
		const rng = Xoshiro128StarStar.fromSeed(11);
		for (let trial = 0; trial < 40; trial++) {
			const logits = SHAPES.model(rng, 5000);
			const probe = candidatesOf(logits, false);
			const mass = massOf(probe, true);
			const entropy = entropyOf(mass);
			// A member ranked somewhere in the head, and its probability exactly.
			const id = Array.from({ length: 5000 }, (_, i) => i)
				.sort((a, b) => logits[b] - logits[a])
				.at(1 + (rng.nextUint32() % 200))!;
			const p = (Math.exp(logits[id] - mass.maxLogit) * 2 ** 32) / mass.total;
			// ε = p, and η with √η·e^(−H) = p (eta's second branch), put the cut on that member.
			const eta = Math.min(0.99, (p * Math.exp(entropy)) ** 2);
			for (const [entropyNeeded, cutOf] of [
				[false, (total: number) => logRatioOfProbability(p, total)],
				[true, (total: number, h: number) => logRatioOfProbability(etaThreshold(eta, h), total)]
			] as [boolean, MassCut][]) {
				const fast = candidatesOf(logits, false);
				const exact = candidatesOf(logits, false);
				retainAtMassCut(fast, entropyNeeded, cutOf);
				exactRetain(exact, entropyNeeded, cutOf);
				expect(survivors(fast)).toEqual(survivors(exact));
			}
		}
	});

	it('bounds w·ln w by w·ln v + (w − v) as its slack says: 0.5 below 64, 0.0035 from 64 on', () => {
		const weights = [...Array.from({ length: 300 }, (_, w) => w), 1000, 4096, 1e5, 1e9, 2 ** 32];
		let worstSmall = 0;
		let worstLarge = 0;
		for (const w of weights) {
			for (let k = 0; k <= 400; k++) {
				const v = Math.max(0.43, w - 0.5 + k / 400);
				if (Math.floor(v + 0.5) !== w) continue;
				const exact = w > 0 ? w * Math.log(w) : 0;
				const error = Math.abs(exact - (w * Math.log(v) + (w - v)));
				if (w < 64) worstSmall = Math.max(worstSmall, error);
				else worstLarge = Math.max(worstLarge, error);
			}
		}
		expect(worstSmall).toBeLessThanOrEqual(0.5);
		expect(worstLarge).toBeLessThanOrEqual(0.0035);
	});

	it('rounds weights that lie within its e^x error of a half as Math.exp does', () => {
		// Log-ratios whose 2^32·e^x is k + ½ up to Math.exp's rounding: the cheap e^x is off by
		// up to 1e-11 of the weight, so for large k it rounds the other way about half the time
		// unless the loop takes those weights from Math.exp.
		const rng = Xoshiro128StarStar.fromSeed(23);
		const logits = new Float32Array(FAST_PASS_MIN_MEMBERS * 4);
		const candidates = new Candidates(logits.length);
		for (let trial = 0; trial < 20; trial++) {
			candidates.reset(logits);
			const { logits: working } = candidates;
			working[0] = 0;
			for (let id = 1; id < working.length; id++) {
				const k = Math.floor(2 ** (32 * rng.nextFloat()));
				working[id] = Math.max(-23, Math.log((k + 0.5) / 2 ** 32));
			}
			let total = 0;
			for (let id = 0; id < working.length; id++) total += weightOf(working[id], 0);
			expect(fastMassOf(candidates, false).total).toBe(total);
			expect(fastMassOf(candidates, true).total).toBe(total);
			expect(totalWeightOf(candidates).total).toBe(total);
		}
	});

	it('takes 2^32·e^x from scaledExp within 1e-14 of Math.exp over the whole weighted range', () => {
		let worst = 0;
		for (let k = 0; k <= 23 * 4096; k++) {
			const x = -k / 4096 - (k % 7) * 1e-6;
			if (x < -23) continue;
			const exact = Math.exp(x) * 2 ** 32;
			worst = Math.max(worst, Math.abs(scaledExp(x) - exact) / exact);
		}
		expect(worst).toBeLessThan(1e-14);
	});

	it('gives the shared weight as tableWeightOf, apart from near-halves, and 0 below −23', () => {
		let differing = 0;
		for (let k = 0; k <= 23 * 4096; k++) {
			const x = -k / 4096 - (k % 7) * 1e-6;
			const table = tableWeightOf(x);
			expect(Number.isInteger(table)).toBe(true);
			if (table !== weightOf(x, 0)) differing++;
		}
		expect(differing).toBe(0);
		expect(tableWeightOf(0)).toBe(2 ** 32);
		expect(tableWeightOf(-23.001)).toBe(0);
		expect(tableWeightOf(-Infinity)).toBe(0);
	});
});
