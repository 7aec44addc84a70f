import { describe, expect, it } from 'vitest';
import { syntheticLogits } from '../../../../bench/synthetic-logits';
import { Candidates } from '../candidates';
import { Xoshiro128StarStar } from '../rng';
import { ROUNDER, STEPS, tableWeightOf } from './mass';
import { TFS_FLAT, TailFreeSelection, tfsFlatCut } from './tail-free';
import { KEY_ORIGIN, WeightOrder } from './weight-order';

/**
 * Tail-free's fast paths against the plain definition at Qwen's vocabulary: the deep heads of
 * weight-order.ts (the true best weights, in order) and the decisions taken from them, on
 * model-shaped logits and on shapes chosen to break them.
 */

const VOCAB = 151_936;
/** Each test here sorts the full vocabulary by hand several times. */
const SLOW = 60_000;

/** Deterministic standard normal numbers (Box–Muller on the shared generator). */
function normals(count: number, seed: number): number[] {
	const rng = Xoshiro128StarStar.fromSeed(seed);
	return Array.from({ length: count }, () => {
		const radius = Math.sqrt(-2 * Math.log(1 - rng.nextFloat()));
		return radius * Math.cos(2 * Math.PI * rng.nextFloat());
	});
}

/** A plateau of exactly `size` best tokens (within one bin), then a model-shaped bulk below. */
function plateau(size: number, seed: number): Float32Array {
	const bulk = normals(VOCAB, seed).map((x) => -6 + 2 * x);
	return Float32Array.from(bulk, (x, i) => (i % 7 === 3 && i / 7 < size ? 0 : Math.min(x, -0.5)));
}

/** The shapes every fast path is checked on. */
function shapes(): { name: string; logits: Float32Array }[] {
	const model = (seed: number, scale = 1) => syntheticLogits(VOCAB, seed).map((x) => x * scale);
	const gaussian = normals(VOCAB, 99);
	const rng = Xoshiro128StarStar.fromSeed(5);
	return [
		...[1, 2, 4, 5].map((seed) => ({ name: `model seed ${seed}`, logits: model(seed) })),
		{ name: 'model, temperature 0.7', logits: model(9, 1 / 0.7) },
		{ name: 'model, temperature 1.5', logits: model(13, 1 / 1.5) },
		{ name: 'all equal', logits: new Float32Array(VOCAB) },
		{
			name: 'two plateaus',
			logits: Float32Array.from(gaussian, (_, i) => (i % 3 === 0 ? 0 : -2))
		},
		{
			name: 'many ties',
			logits: Float32Array.from(gaussian, (x) => Math.round(x * 2.5 * 4) / 4)
		},
		{
			name: '−Infinity members',
			logits: model(3).map((x, i) => (i % 3 === 1 ? -Infinity : x))
		},
		{
			// Log-ratios exactly half-way between table steps: the bins' edges.
			name: 'bin edges',
			logits: Float32Array.from(gaussian, () => -((rng.nextUint32() % 2400) + 0.5) / 128)
		},
		{
			// Weights on a straight line: the flat case, S near 0.
			name: 'straight line',
			logits: Float32Array.from({ length: VOCAB }, (_, i) => Math.log(1 - i / VOCAB + 1e-9))
		},
		...[1023, 1024, 1025, 16383, 16384, 16385, 32768].map((size) => ({
			name: `plateau of ${size}`,
			logits: plateau(size, size)
		}))
	];
}

/** Each member's table weight relative to the best of `ids`, in rank order. */
function rankedWeights(logits: ArrayLike<number>, ids: number[]): { order: number[]; w: number[] } {
	const order = [...ids].sort((a, b) => (logits[a] !== logits[b] ? logits[b] - logits[a] : a - b));
	const best = logits[order[0]];
	return { order, w: order.map((id) => tableWeightOf(logits[id] - best)) };
}

/**
 * Tail-free by the plain definition (reference.ts's rule) on ranked weights: the second
 * differences' running sums once, then the kept count for any z.
 */
function plainRule(w: number[]): { flat: boolean; cut: (z: number) => number } {
	const cumulative: number[] = [];
	let sum = 0;
	for (let i = 0; i + 2 < w.length; i++) {
		sum += Math.abs(w[i] - 2 * w[i + 1] + w[i + 2]);
		cumulative.push(sum);
	}
	const flat = !(sum > TFS_FLAT * w.reduce((a, b) => a + b, 0));
	return {
		flat,
		cut(z) {
			if (flat) return tfsFlatCut(z, w.length);
			const i = cumulative.findIndex((c, i) => c > z * sum && i >= 1);
			return i === -1 ? w.length : i;
		}
	};
}

/** The table step of a log-ratio as `tableWeightOf` takes it: x·128 rounded, ties to even. */
const tableStep = (x: number) => x * STEPS - ROUNDER + ROUNDER;

const allIds = Array.from({ length: VOCAB }, (_, i) => i);
const Z = [0.3, 0.9, 0.95, 0.99, 0.9999];
/** Heads as the stage tries them, single heads around the bins' edges, and one past the set. */
const HEAD_CHOICES = [[64], [1000], [1024, 16384, 32768, 65536], [16384], [40000], [VOCAB + 1]];

describe('weight order: deep heads by log-ratio bins', () => {
	it.each(shapes())(
		'a sorted head starts with the true best weights ($name)',
		({ logits }) => {
			const values = Float64Array.from(logits);
			const max = values.reduce((a, b) => Math.max(a, b), -Infinity);
			const expected = rankedWeights(values, allIds).w;
			const order = new WeightOrder();
			expect(order.start(values, VOCAB)).toBe(true);
			for (const [collectFor, wanted] of [
				[40000, 40000],
				[40000, 1024],
				[16384, 16384],
				[1000, 1000]
			]) {
				order.collect(order.boundFor(collectFor));
				expect(order.maxLogit).toBe(max);
				const t = order.binAbove(order.boundFor(wanted));
				const trusted = order.sortHead(t);
				// The trusted count is the members of bins ≤ t (the nearest table step, ties to even).
				const inBins = allIds.filter((id) => -tableStep(values[id] - max) <= t).length;
				expect(trusted).toBe(inBins);
				const head = Array.from(order.sorted.subarray(0, trusted), (key) => KEY_ORIGIN - key);
				expect(head).toEqual(expected.slice(0, trusted));
				// The head's members hold every member above their lowest logit.
				const members = new Set(order.head.subarray(0, order.headSize));
				const lowest = [...members].reduce((a, id) => Math.min(a, values[id]), Infinity);
				expect(allIds.filter((id) => values[id] > lowest).every((id) => members.has(id))).toBe(
					true
				);
			}
		},
		SLOW
	);

	it.each(shapes())(
		'sorting every member gives every weight and the total ($name)',
		({ logits }) => {
			const values = Float64Array.from(logits);
			const max = values.reduce((a, b) => Math.max(a, b), -Infinity);
			const expected = rankedWeights(values, allIds).w.filter((w) => w > 0);
			const order = new WeightOrder();
			const size = order.sortAll(values, VOCAB, max);
			expect(size).toBe(expected.length);
			expect(Array.from(order.sorted.subarray(0, size), (key) => KEY_ORIGIN - key)).toEqual(
				expected
			);
			expect(order.total).toBe(expected.reduce((a, b) => a + b, 0));
		},
		SLOW
	);
});

describe('tail-free decides from a head exactly as from every weight', () => {
	it.each(shapes())(
		'on the full vocabulary ($name)',
		({ logits }) => {
			const { order, w } = rankedWeights(logits, allIds);
			const candidates = new Candidates(VOCAB);
			const rule = plainRule(w);
			for (const z of Z) {
				const expected = rule.cut(z);
				for (const heads of HEAD_CHOICES) {
					candidates.reset(logits);
					const kept = new TailFreeSelection(heads).select(candidates, z);
					expect(kept, `z ${z}, heads ${heads}`).toBe(expected);
					if (kept < VOCAB) {
						expect(Array.from(candidates.ranking.subarray(0, kept))).toEqual(order.slice(0, kept));
					}
				}
				candidates.reset(logits);
				expect(new TailFreeSelection().select(candidates, z, true), `exact, z ${z}`).toBe(expected);
			}
		},
		SLOW
	);

	it.each(shapes().filter((_, i) => i % 3 === 0))(
		'on listed members, after top-k and after a log-ratio cut ($name)',
		({ logits }) => {
			const candidates = new Candidates(VOCAB);
			for (const narrow of ['top-k', 'cut'] as const) {
				const reset = () => {
					candidates.reset(logits);
					if (narrow === 'top-k') candidates.keepRanking(candidates.rank(60000));
					else candidates.retainLogRatioAtLeast(candidates.maxLogit(), -9);
				};
				reset();
				const ids = Array.from({ length: candidates.count }, (_, i) => candidates.idAt(i));
				const { order, w } = rankedWeights(logits, ids);
				const rule = plainRule(w);
				for (const z of Z) {
					for (const heads of HEAD_CHOICES) {
						reset();
						const kept = new TailFreeSelection(heads).select(candidates, z);
						expect(kept, `${narrow}, z ${z}, heads ${heads}`).toBe(rule.cut(z));
						if (kept < ids.length) {
							expect(Array.from(candidates.ranking.subarray(0, kept))).toEqual(
								order.slice(0, kept)
							);
						}
					}
				}
			}
		},
		SLOW
	);

	it(
		'at z where the cut sits exactly on a running share, and near the flat bound',
		() => {
			const candidates = new Candidates(VOCAB);
			const logits = syntheticLogits(VOCAB, 6);
			const { w } = rankedWeights(logits, allIds);
			const rule = plainRule(w);
			const second = w.slice(0, 42).map((x, i) => Math.abs(x - 2 * w[i + 1] + w[i + 2]));
			const sum = plainSum(w);
			let cumulative = 0;
			const shares = second.map((x) => (cumulative += x) / sum);
			for (const share of shares) {
				for (const z of [share, share * (1 - 1e-15), share * (1 + 1e-15)].filter((z) => z < 1)) {
					for (const heads of HEAD_CHOICES) {
						candidates.reset(logits);
						expect(new TailFreeSelection(heads).select(candidates, z)).toBe(rule.cut(z));
					}
				}
			}
			// A straight line with one step down whose size puts S (2 × the step, plus the rounding's
			// noise) below and above 10⁻⁶·W.
			const line = Array.from({ length: VOCAB }, (_, i) => 1 - i / (2 * VOCAB));
			const total = line.reduce((a, b) => a + b, 0);
			const flat = new Set<boolean>();
			for (const scale of [0.8, 0.9, 0.94, 0.95, 0.96, 0.97, 1, 1.1]) {
				const step = (scale * TFS_FLAT * total) / 2;
				const bent = Float32Array.from(line, (x, i) => Math.log(i < 500 ? x : x - step));
				const bentRule = plainRule(rankedWeights(bent, allIds).w);
				flat.add(bentRule.flat);
				for (const heads of HEAD_CHOICES) {
					candidates.reset(bent);
					expect(new TailFreeSelection(heads).select(candidates, 0.5), `step ${scale}`).toBe(
						bentRule.cut(0.5)
					);
				}
			}
			expect([...flat].sort()).toEqual([false, true]);
		},
		SLOW
	);
});

/** The sum of the second differences of ranked weights. */
function plainSum(w: number[]): number {
	let sum = 0;
	for (let i = 0; i + 2 < w.length; i++) sum += Math.abs(w[i] - 2 * w[i + 1] + w[i + 2]);
	return sum;
}

/** A candidate set of float64 logits (set after the float32 reset, so weights come out exact). */
function candidatesOf(logits: Float64Array): Candidates {
	const candidates = new Candidates(logits.length);
	candidates.reset(new Float32Array(logits.length));
	candidates.logits.set(logits);
	return candidates;
}

/** Logits whose table weights are `weights` (each within 1e-14, so the same integers). */
const logitsOfWeights = (weights: number[]) =>
	Float64Array.from(weights, (w) => (w > 0 ? Math.log(w / 2 ** 32) : -Infinity));

describe('tail-free bounds on the unsorted rest', () => {
	it(
		'hold on straight lines with kinks, where the rest adds less than its first difference',
		() => {
			// The head ends inside a straight segment: the rest's second differences add up to the
			// kinks below it, possibly far less than the last known first difference d.
			const size = 8192;
			const rng = Xoshiro128StarStar.fromSeed(21);
			for (let line = 0; line < 24; line++) {
				const breaks = [0, ...Array.from({ length: 5 }, () => rng.nextUint32() % size), size - 1];
				breaks.sort((a, b) => a - b);
				const levels = breaks.map(() => rng.nextFloat()).sort((a, b) => b - a);
				levels[0] = 1;
				const weights = Array.from({ length: size }, (_, i) => {
					const k = Math.max(0, breaks.findIndex((b) => b > i) - 1);
					const span = breaks[k + 1] - breaks[k] || 1;
					const level = levels[k] + ((levels[k + 1] - levels[k]) * (i - breaks[k])) / span;
					return Math.max(1, Math.round(level * level * 2 ** 32));
				});
				const logits = logitsOfWeights(weights);
				const ids = Array.from({ length: size }, (_, i) => i);
				const rule = plainRule(rankedWeights(logits, ids).w);
				for (const z of [...Array.from({ length: 19 }, (_, i) => (i + 1) / 20), 0.99, 0.9999]) {
					for (const heads of [[64], [1000], [2000], [1024, 16384, 32768, 65536]]) {
						const kept = new TailFreeSelection(heads).select(candidatesOf(logits), z);
						expect(kept, `line ${line}, z ${z}, heads ${heads}`).toBe(rule.cut(z));
					}
				}
			}
		},
		SLOW
	);

	it(
		'hold where a head ends in a sparse top, with more of S possibly in the rest than z leaves',
		() => {
			// One token a nat (or two) below the last, where the sample sees each, then a bulk of
			// weight 0: small heads end on a drop larger than their last weight.
			for (const spacing of [1, 2]) {
				const size = 8192;
				const logits = new Float64Array(size).fill(-30);
				for (let k = 0; k < 12; k++) logits[16 * k] = -spacing * k;
				for (let i = 1; i < size; i += 97) logits[i] = -25 - (i % 5);
				const ids = Array.from({ length: size }, (_, i) => i);
				const rule = plainRule(rankedWeights(logits, ids).w);
				for (const z of [0.1, 0.5, 0.9, 0.99, 0.9999]) {
					for (const heads of [[32], [48], [64], [96], [160], [32, 64, 128]]) {
						const kept = new TailFreeSelection(heads).select(candidatesOf(logits), z);
						expect(kept, `spacing ${spacing}, z ${z}, heads ${heads}`).toBe(rule.cut(z));
					}
				}
			}
		},
		SLOW
	);

	it(
		'hold where S lies between 10⁻⁶ of the head and 10⁻⁶ of every weight (the flat test)',
		() => {
			// A plateau, a ramp down and a long tail of small weights: a head ending early in the tail
			// brackets W between its own weight and that plus w for each member left; S, fixed by the
			// ramp's corners, is put inside that bracket, so only the exact W decides whether the
			// curve counts as flat.
			const ramp = 600;
			const tail = 20000;
			const tailWeight = 2 ** 20;
			const shape = (plateauSize: number) => [
				...Array<number>(plateauSize).fill(2 ** 32),
				...Array.from({ length: ramp }, (_, i) =>
					Math.round(2 ** 32 * (1 - (i + 1) / (ramp + 1)) + tailWeight)
				),
				// A slow straight descent, over some 90 bins: a head can end inside it.
				...Array.from({ length: tail }, (_, i) => Math.round(tailWeight * (1 - i / (2 * tail))))
			];
			const sumOfWeights = (w: number[]) => w.reduce((a, b) => a + b, 0);
			// S does not depend on the plateau's size (past 1); W and the head's weight do.
			const sum = plainSum(shape(2));
			const rampWeight = sumOfWeights(shape(0).slice(0, ramp));
			const tailTotal = sumOfWeights(shape(0).slice(ramp));
			// Plateaus that put S above 10⁻⁶ of the plateau and ramp with room for some of the tail
			// in a head, and below 10⁻⁶ of every weight.
			const found: number[] = [];
			for (let plateauSize = 2; plateauSize < 5000 && found.length < 3; plateauSize++) {
				const head = plateauSize * 2 ** 32 + rampWeight;
				if (sum > TFS_FLAT * (head + 1500 * tailWeight) && sum <= TFS_FLAT * (head + tailTotal)) {
					found.push(plateauSize);
				}
			}
			for (const plateauSize of found) {
				const logits = logitsOfWeights(shape(plateauSize));
				// Already in rank order, the best at log-ratio 0.
				const w = Array.from(logits, (x) => tableWeightOf(x));
				expect(plainSum(w)).toBe(sum);
				const rule = plainRule(w);
				expect(rule.flat).toBe(true);
				for (const z of [0.3, 0.6, 0.9]) {
					const inTail = plateauSize + ramp + 2000;
					for (const heads of [[64], [1000], [1024, 16384, 32768, 65536], [inTail]]) {
						const kept = new TailFreeSelection(heads).select(candidatesOf(logits), z);
						expect(kept, `plateau ${plateauSize}, z ${z}, heads ${heads}`).toBe(rule.cut(z));
					}
				}
			}
			expect(found.length).toBe(3);
		},
		SLOW
	);
});
