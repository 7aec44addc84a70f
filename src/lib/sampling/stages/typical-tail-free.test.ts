import fc from 'fast-check';
import { expectAgreementWithReference } from '../testing/reference-agreement';
import { describe, expect, it } from 'vitest';
import { syntheticLogits } from '../../../../bench/synthetic-logits';
import { DEFAULT_SAMPLING_PARAMS, stageValues } from '../params';
import { ReferenceSampler } from '../reference';
import { createSampler } from '../sampler';
import { logitsArbitrary } from '../testing/arbitraries';
import { explainStage, members, rankOrder, runStage, softmax } from '../testing/stage-harness';
import { DEFAULT_ORDER, stageDefinition } from './registry';
import { tableWeightOf } from './mass';
import { TFS_FLAT, tfsFlatCut } from './tail-free';
import { ExactSum, TypicalSelection, typicalCentre } from './typical-p';
import { Candidates } from '../candidates';

/** Typical-p and tail-free sampling: llama.cpp's test cases, hand-computed cases, invariants. */

const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
const kept = (...args: Parameters<typeof runStage>) => sorted(members(runStage(...args)));

/** Renormalised probabilities of the survivors, in rank order. */
function survivorProbs(probs: number[], ids: number[]): number[] {
	const logits = probs.map(Math.log);
	const p = softmax(logits, ids);
	return rankOrder(logits, ids).map((id) => p.get(id) as number);
}

describe('typical-p', () => {
	it("gives llama.cpp's test-sampling.cpp results", () => {
		// test_typical({0.97, 0.01, 0.01, 0.01}, {0.97}, 0.5)
		const sure = [0.97, 0.01, 0.01, 0.01];
		expect(kept('typical-p', sure.map(Math.log), { typicalP: 0.5 })).toEqual([0]);
		// test_typical({0.4, 0.2, 0.2, 0.2}, {0.2, 0.2, 0.2}, 0.5): the favourite is dropped.
		const four = [0.4, 0.2, 0.2, 0.2];
		const ids = kept('typical-p', four.map(Math.log), { typicalP: 0.5 });
		expect(ids).toEqual([1, 2, 3]);
		for (const p of survivorProbs(four, ids)) expect(p).toBeCloseTo(1 / 3, 6);
	});

	it('takes tokens in increasing |−ln p − H| until their mass exceeds p', () => {
		// H = 1.1421; −ln p = 0.693, 1.204, 1.897, 2.996; distances 0.449, 0.062, 0.755, 1.854:
		// the order is 0.3, 0.5, 0.15, 0.05, with cumulative mass 0.3, 0.8, 0.95, 1.
		const l = [0.5, 0.3, 0.15, 0.05].map(Math.log);
		expect(kept('typical-p', l, { typicalP: 0.25 })).toEqual([1]);
		expect(kept('typical-p', l, { typicalP: 0.3 })).toEqual([0, 1]); // 0.3 is not > 0.3
		expect(kept('typical-p', l, { typicalP: 0.5 })).toEqual([0, 1]);
		expect(kept('typical-p', l, { typicalP: 0.9 })).toEqual([0, 1, 2]);
		expect(kept('typical-p', l, { typicalP: 0.96 })).toEqual([0, 1, 2, 3]);
	});

	it('is neutral at 1, off by default, and leaves one token alone', () => {
		const definition = stageDefinition('typical-p');
		expect(DEFAULT_SAMPLING_PARAMS.typicalP).toBe(1);
		expect(definition.isNeutral(stageValues(DEFAULT_SAMPLING_PARAMS), { logitBias: {} })).toBe(
			true
		);
		expect(DEFAULT_ORDER).not.toContain('typical-p');
		expect(kept('typical-p', [1, 2, 3], { typicalP: 1 })).toEqual([0, 1, 2]);
		expect(kept('typical-p', [4], { typicalP: 0.1 })).toEqual([0]);
	});

	it('on random logits keeps the tokens closest to the entropy until the mass exceeds p', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 2, max: 300 }).chain((v) => logitsArbitrary(v)),
				fc.double({ min: 0.01, max: 0.99, noNaN: true }),
				(l, p) => {
					const ids = members(runStage('typical-p', l, { typicalP: p }));
					expect(ids.length).toBeGreaterThanOrEqual(1);
					expect(new Set(ids).size).toBe(ids.length);
					// Float64 softmax: the kept mass exceeds p, and without the farthest kept token
					// it does not; every dropped token is at least as far from H as every kept one.
					const probs = softmax(l);
					const entropy = -[...probs.values()].reduce(
						(s, x) => (x > 0 ? s + x * Math.log(x) : s),
						0
					);
					const distance = (id: number) => Math.abs(-Math.log(probs.get(id) as number) - entropy);
					const keptSet = new Set(ids);
					const mass = ids.reduce((s, id) => s + (probs.get(id) as number), 0);
					const far = Math.max(...ids.map(distance));
					const tolerance = 1e-6;
					if (ids.length < l.length) expect(mass).toBeGreaterThan(p - tolerance);
					const farthestMass = Math.min(
						...ids
							.filter((id) => distance(id) >= far - tolerance)
							.map((id) => probs.get(id) as number)
					);
					expect(mass - farthestMass).toBeLessThanOrEqual(p + tolerance);
					for (let id = 0; id < l.length; id++) {
						if (keptSet.has(id) || (probs.get(id) as number) < 1e-9) continue;
						expect(distance(id)).toBeGreaterThanOrEqual(far - tolerance);
					}
					const total = [...softmax(l, ids).values()].reduce((a, b) => a + b, 0);
					expect(total).toBeCloseTo(1, 12);
				}
			)
		);
	});
});

describe('tail-free sampling', () => {
	it("gives llama.cpp's test-sampling.cpp results (its test_tfs cases, before TFS was removed)", () => {
		// A straight line: the second derivatives vanish, each counts 1/3.
		const line = [0.1, 0.15, 0.2, 0.25, 0.3];
		const l = line.map(Math.log);
		expect(kept('tail-free', l, { tfsZ: 0.25 })).toEqual([4]);
		const two = kept('tail-free', l, { tfsZ: 0.75 });
		expect(two).toEqual([3, 4]);
		expect(survivorProbs(line, two)).toEqual([
			expect.closeTo(0.3 / 0.55, 6),
			expect.closeTo(0.25 / 0.55, 6)
		]);
		expect(kept('tail-free', l, { tfsZ: 0.99 })).toEqual([3, 4]);
	});

	it('cuts where the cumulative normalised second derivative first exceeds z (from i = 1)', () => {
		// p = 0.4, 0.3, 0.2, 0.05, 0.03, 0.02: first differences 0.1, 0.1, 0.15, 0.02, 0.01;
		// second 0, 0.05, 0.13, 0.01 (sum 0.19); cumulative 0, 0.263, 0.947, 1.
		const l = [0.4, 0.3, 0.2, 0.05, 0.03, 0.02].map(Math.log);
		expect(kept('tail-free', l, { tfsZ: 0.2 })).toEqual([0]);
		expect(kept('tail-free', l, { tfsZ: 0.5 })).toEqual([0, 1]);
		expect(kept('tail-free', l, { tfsZ: 0.94 })).toEqual([0, 1]);
		expect(kept('tail-free', l, { tfsZ: 0.95 })).toEqual([0, 1, 2]);
		// p = 0.5, 0.25, 0.15, 0.06, 0.04: second differences 0.15, 0.01, 0.07; cumulative 0.652,
		// 0.696, 1. At z = 0.5 index 0 already passes, but the first cut llama.cpp takes is i = 1.
		const m = [0.5, 0.25, 0.15, 0.06, 0.04].map(Math.log);
		expect(kept('tail-free', m, { tfsZ: 0.5 })).toEqual([0]);
		expect(kept('tail-free', m, { tfsZ: 0.7 })).toEqual([0, 1]);
	});

	it('is neutral at 1, off by default, and leaves two tokens or fewer alone', () => {
		const definition = stageDefinition('tail-free');
		expect(DEFAULT_SAMPLING_PARAMS.tfsZ).toBe(1);
		expect(definition.isNeutral(stageValues(DEFAULT_SAMPLING_PARAMS), { logitBias: {} })).toBe(
			true
		);
		expect(DEFAULT_ORDER).not.toContain('tail-free');
		expect(kept('tail-free', [3, 2, 1, 0], { tfsZ: 1 })).toEqual([0, 1, 2, 3]);
		expect(kept('tail-free', [3, 0], { tfsZ: 0.01 })).toEqual([0, 1]);
		// Three tokens: one second difference, at index 0, which never counts: all kept.
		expect(kept('tail-free', [3, 1, 0], { tfsZ: 0.01 })).toEqual([0, 1, 2]);
	});

	it('on random logits keeps a rank-order prefix of at least one token', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 300 }).chain((v) => logitsArbitrary(v)),
				fc.double({ min: 0.01, max: 0.99, noNaN: true }),
				(l, z) => {
					const ids = members(runStage('tail-free', l, { tfsZ: z }));
					expect(ids.length).toBeGreaterThanOrEqual(1);
					expect(sorted(ids)).toEqual(sorted(rankOrder(l).slice(0, ids.length)));
				}
			)
		);
	});
});

/** Kept counts by a full sort on the table weights: the rule written out once more. */
function fullSortTailFree(logits: Float32Array, z: number): number {
	const order = rankOrder(logits);
	const w = order.map((id) => tableWeightOf(logits[id] - logits[order[0]]));
	const second = w.slice(0, -2).map((x, i) => Math.abs(x - 2 * w[i + 1] + w[i + 2]));
	const sum = second.reduce((a, b) => a + b, 0);
	if (!(sum > TFS_FLAT * w.reduce((a, b) => a + b, 0))) return tfsFlatCut(z, w.length);
	let cumulative = 0;
	for (let i = 0; i < second.length; i++) {
		cumulative += second[i];
		if (cumulative > z * sum && i >= 1) return i;
	}
	return w.length;
}

/** Typical-p by a full sort of the distances, as reference.ts does: the kept ids, ascending. */
function fullSortTypical(values: ArrayLike<number>, p: number): number[] {
	const logits = Array.from(values);
	const max = Math.max(...logits);
	const w = logits.map((x) => tableWeightOf(x - max));
	const total = w.reduce((a, b) => a + b, 0);
	const weighted = new ExactSum();
	w.forEach((x, i) => x > 0 && weighted.add(x * (logits[i] - max)));
	const centre = typicalCentre(total, weighted.value);
	const distance = w.map((x, i) => (x > 0 ? Math.abs(centre - (logits[i] - max)) : Infinity));
	const order = rankOrder(logits).sort((a, b) => distance[a] - distance[b]);
	let mass = 0;
	for (let k = 0; k < order.length; k++) {
		mass += w[order[k]];
		if (mass > p * total) return sorted(order.slice(0, k + 1));
	}
	return sorted(order);
}

describe('on model-shaped logits of 20,000 tokens', () => {
	const cases = [0.5, 1, 1.5].flatMap((temperature) =>
		[1, 2, 3].map((seed) => ({
			temperature,
			seed,
			logits: syntheticLogits(20000, seed).map((x) => x / temperature)
		}))
	);

	it.each(cases)(
		'tail-free keeps what a full sort keeps (T $temperature, seed $seed)',
		({ logits }) => {
			for (const z of [0.3, 0.9, 0.95, 0.99]) {
				const ids = members(runStage('tail-free', logits, { tfsZ: z }));
				expect(ids.length, `z ${z}`).toBe(fullSortTailFree(logits, z));
				expect(ids).toEqual(rankOrder(logits).slice(0, ids.length));
			}
		}
	);

	it.each(cases)(
		'typical-p keeps what a full sort keeps (T $temperature, seed $seed)',
		({ logits }) => {
			for (const typicalP of [0.2, 0.9, 0.95]) {
				expect(kept('typical-p', logits, { typicalP }), `p ${typicalP}`).toEqual(
					fullSortTypical(logits, typicalP)
				);
			}
		}
	);

	it.each(cases)(
		"typical-p's weight pass gives the exact total and centre (T $temperature, seed $seed)",
		({ logits }) => {
			const candidates = new Candidates(logits.length);
			candidates.reset(Float32Array.from(logits));
			const selection = new TypicalSelection();
			selection.select(candidates, 0.9);
			const max = candidates.maxLogit();
			const weighted = new ExactSum();
			let total = 0;
			for (let id = 0; id < logits.length; id++) {
				const w = tableWeightOf(candidates.logits[id] - max);
				total += w;
				if (w > 0) weighted.add(w * (candidates.logits[id] - max));
			}
			expect(selection.total).toBe(total);
			expect(selection.centre).toBe(typicalCentre(total, weighted.value));
		}
	);

	it.each(cases)(
		'typical-p draws what the reference draws (T $temperature, seed $seed)',
		({ logits, seed }) => {
			for (const typicalP of [0.2, 0.9, 0.95]) {
				for (const tfsZ of [1, 0.95]) {
					const params = {
						...DEFAULT_SAMPLING_PARAMS,
						typicalP,
						tfsZ,
						seed,
						order: ['tail-free' as const, 'typical-p' as const]
					};
					const fast = createSampler(params, { vocabSize: logits.length });
					const reference = new ReferenceSampler(params, logits.length);
					for (let step = 0; step < 5; step++) {
						expect(fast.sample(logits, [])).toBe(reference.sample(logits, []));
					}
				}
			}
		}
	);
});

describe('the charts of typical-p and tail-free', () => {
	const fact = (detail: ReturnType<typeof explainStage>, key: string) =>
		detail.facts.find((f) => f.key === key)?.value;

	it('typical-p: each token’s distance to the entropy, the cut at the largest kept', () => {
		const l = [0.5, 0.3, 0.15, 0.05].map(Math.log);
		const detail = explainStage('typical-p', l, { typicalP: 0.5 });
		// The logits pass through float32, so values agree to about 6 digits.
		expect(fact(detail, 'entropy')).toBeCloseTo(1.14212, 5);
		expect(fact(detail, 'kept')).toBe(2);
		expect(fact(detail, 'keptMass')).toBeCloseTo(0.8, 6);
		const distances = [0.448973, 0.061853, 0.755, 1.853612];
		detail.measure?.values.forEach((d, i) => expect(d).toBeCloseTo(distances[i], 5));
		expect(detail.measure?.lines[0].value).toBeCloseTo(0.448973, 5);
		expect(detail.measure).toMatchObject({ kept: 'below' });
	});

	it('tail-free: the running share of the second differences against z', () => {
		const l = [0.4, 0.3, 0.2, 0.05, 0.03, 0.02].map(Math.log);
		const detail = explainStage('tail-free', l, { tfsZ: 0.5 }, [5, 0, 1, 2, 3]);
		expect(fact(detail, 'kept')).toBe(2);
		expect(fact(detail, 'curvature')).toBeCloseTo(0.19, 6);
		expect(fact(detail, 'dropped')).toBeCloseTo(0.13 / 0.19, 5);
		const shares = [1, 0, 0.05 / 0.19, 0.18 / 0.19, 1]; // the best (0) shows 0 anyway
		detail.measure?.values.forEach((v, i) => expect(v).toBeCloseTo(shares[i], 5));
		expect(detail.measure?.lines).toEqual([{ label: 'z', value: 0.5 }]);
		// The straight line: each of the three second differences counts a third.
		const line = [0.1, 0.15, 0.2, 0.25, 0.3].map(Math.log);
		const flat = explainStage('tail-free', line, { tfsZ: 0.75 });
		expect(flat.measure?.values).toEqual([1, 1, 1, 2 / 3, 0]);
		// z below the best token's own share: the best is still kept, and shows 0.
		const peaked = [0.5, 0.25, 0.15, 0.06, 0.04].map(Math.log);
		const low = explainStage('tail-free', peaked, { tfsZ: 0.5 });
		expect(fact(low, 'kept')).toBe(1);
		expect(low.measure?.values[0]).toBe(0);
		expect(fact(flat, 'kept')).toBe(2);
	});

	it('on 20,000 model-shaped logits, kept tokens are at or below the line and dropped ones above', () => {
		const logits = syntheticLogits(20000, 7);
		const tracked = rankOrder(logits).slice(0, 40);
		for (const tfsZ of [0.5, 0.95]) {
			const detail = explainStage('tail-free', logits, { tfsZ }, tracked);
			const keep = fact(detail, 'kept') as number;
			detail.measure?.values.forEach((v, rank) => {
				if (rank > 0 && rank < keep) expect(v).toBeLessThanOrEqual(tfsZ);
				if (rank >= keep) expect(v).toBeGreaterThan(tfsZ);
			});
		}
		for (const typicalP of [0.3, 0.9]) {
			const detail = explainStage('typical-p', logits, { typicalP }, tracked);
			const cut = detail.measure?.lines[0].value as number;
			const keptIds = new Set(members(runStage('typical-p', logits, { typicalP })));
			detail.measure?.values.forEach((d, i) => {
				if (keptIds.has(tracked[i])) expect(d).toBeLessThanOrEqual(cut);
				else expect(d).toBeGreaterThanOrEqual(cut);
			});
		}
	});
});

describe('typical-p and tail-free in a traced run', () => {
	it('record their details and draw exactly what an untraced run draws', () => {
		const logits = syntheticLogits(3000, 5);
		const params = {
			...DEFAULT_SAMPLING_PARAMS,
			seed: 9,
			temperature: 1.3,
			topK: 0,
			minP: 0,
			typicalP: 0.9,
			tfsZ: 0.97,
			order: [...DEFAULT_SAMPLING_PARAMS.order, 'tail-free' as const, 'typical-p' as const]
		};
		const plain = createSampler(params, { vocabSize: logits.length });
		const traced = createSampler(params, { vocabSize: logits.length, trace: { topN: 3 } });
		for (let step = 0; step < 30; step++) {
			expect(traced.sample(logits, [])).toBe(plain.sample(logits, []));
			const trace = traced.lastTrace!;
			for (const name of ['tail-free', 'typical-p']) {
				const detail = trace.stages.find((s) => s.name === name)!.detail!;
				expect(detail.measure?.values).toHaveLength(trace.candidates.length);
			}
		}
	});
});

describe('typical-p and tail-free in a chain', () => {
	it('pick the same tokens as the full-sort reference, switched on, in random orders', () => {
		expectAgreementWithReference(
			['typical-p', 'tail-free'],
			fc.record({
				typicalP: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
				tfsZ: fc.double({ min: 0.01, max: 0.99, noNaN: true })
			}),
			{ maxVocab: 400 }
		);
	});
});
