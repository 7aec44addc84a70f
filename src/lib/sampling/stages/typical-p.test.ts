import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticLogits } from '../../../../bench/synthetic-logits';
import { Candidates } from '../candidates';
import { Xoshiro128StarStar } from '../rng';
import { logitsArbitrary } from '../testing/arbitraries';
import { members, rankOrder } from '../testing/stage-harness';
import { stageDefinition } from './registry';
import { tableWeightOf } from './mass';
import { ExactSum, TypicalSelection, typicalCentre } from './typical-p';

/**
 * Typical-p's binned path (sets of 256 members or more): the bins it keeps whole, drops, or
 * leaves in play must give exactly what sorting every member by distance gives, on shapes chosen
 * to sit on the bins' edges.
 */

const sortedIds = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);

/** The rule itself: every member sorted by (distance, rank), kept until the mass exceeds p·W. */
function fullSortTypical(logits: Float64Array, memberIds: number[], p: number): number[] {
	const max = memberIds.reduce((best, id) => Math.max(best, logits[id]), -Infinity);
	const weight = new Map(memberIds.map((id) => [id, tableWeightOf(logits[id] - max)]));
	const total = memberIds.reduce((sum, id) => sum + (weight.get(id) as number), 0);
	const weighted = new ExactSum();
	for (const id of memberIds) {
		const w = weight.get(id) as number;
		if (w > 0) weighted.add(w * (logits[id] - max));
	}
	const centre = typicalCentre(total, weighted.value);
	const distance = (id: number) =>
		weight.get(id) === 0 ? Infinity : Math.abs(centre - (logits[id] - max));
	const order = rankOrder(logits, memberIds).sort((a, b) => distance(a) - distance(b));
	if (!(total > p * total)) return sortedIds(memberIds);
	let mass = 0;
	for (let k = 0; k < order.length; k++) {
		mass += weight.get(order[k]) as number;
		if (mass > p * total) return sortedIds(order.slice(0, k + 1));
	}
	return sortedIds(memberIds);
}

/** Typical-p's stage on `candidates` as they are (dense or listed). */
function applyTypical(candidates: Candidates, p: number): number[] {
	const stage = stageDefinition('typical-p').create(
		{ typicalP: p },
		{ logitBias: {}, order: ['typical-p'] }
	);
	stage.apply(candidates, { history: [], window: undefined as never, draws: [] });
	return sortedIds(members(candidates));
}

function dense(logits: ArrayLike<number>): Candidates {
	const candidates = new Candidates(logits.length);
	candidates.reset(Float32Array.from(logits));
	return candidates;
}

function expectFullSortAgreement(logits: ArrayLike<number>, ps: number[]): void {
	for (const p of ps) {
		const candidates = dense(logits);
		const all = Array.from({ length: logits.length }, (_, id) => id);
		const expected = fullSortTypical(candidates.logits, all, p);
		expect(applyTypical(candidates, p), `p ${p}`).toEqual(expected);
	}
}

/** Logits at exact multiples of 1/256 nat below 2: every value on a bin's centre or edge. */
function onBinEdges(vocabSize: number, seed: number): number[] {
	const rng = Xoshiro128StarStar.fromSeed(seed);
	return Array.from({ length: vocabSize }, (_, id) =>
		id === 0 ? 2 : 2 - (rng.nextUint32() % (24 * 256)) / 256
	);
}

/** A double p with p·total rounding to `part` exactly (near part / total), or null if none. */
function probabilityGiving(part: number, total: number): number | null {
	const bits = new DataView(new ArrayBuffer(8));
	bits.setFloat64(0, part / total);
	for (let step = -4; step <= 4; step++) {
		const p = new DataView(new ArrayBuffer(8));
		// Neighbouring doubles: p is positive, so its bits order as its values.
		p.setBigUint64(0, bits.getBigUint64(0) + BigInt(step));
		if (p.getFloat64(0) * total === part) return p.getFloat64(0);
	}
	return null;
}

describe('typical-p on large sets', () => {
	it('keeps what a full sort keeps on model-shaped logits of 151,936 tokens', () => {
		for (const seed of [1, 5, 6]) {
			expectFullSortAgreement(syntheticLogits(151_936, seed), [0.2, 0.9, 0.95, 0.999]);
		}
	});

	it('keeps what a full sort keeps at several temperatures', () => {
		for (const temperature of [0.3, 2, 5]) {
			const logits = syntheticLogits(30_000, 7).map((x) => x / temperature);
			expectFullSortAgreement(logits, [0.1, 0.5, 0.9, 0.99]);
		}
	});

	it('keeps what a full sort keeps when every logit lies on a bin’s centre or edge', () => {
		for (const seed of [1, 2, 3]) {
			expectFullSortAgreement(onBinEdges(5_000, seed), [0.05, 0.3, 0.7, 0.95, 0.9999]);
		}
	});

	it('takes equal logits in rank order, and two plateaus nearest first', () => {
		const equal = new Array(1000).fill(0.5);
		// Every distance is 0: the lowest ids, until more than half the mass.
		expect(applyTypical(dense(equal), 0.5)).toEqual(Array.from({ length: 501 }, (_, i) => i));
		const plateaus = Array.from({ length: 1000 }, (_, id) => (id % 2 === 0 ? 0 : -1));
		expectFullSortAgreement(plateaus, [0.1, 0.5, 0.6, 0.9]);
	});

	it('takes one token more when the nearer tokens weigh exactly p·W (the test is “exceeds”)', () => {
		// 500 tokens at the best logit lie nearest the entropy, the others 1 nat lower after them;
		// their count is the first for which some p gives p·W equal to the 500's weight exactly.
		const nearer = 500 * 2 ** 32;
		const lower = Array.from({ length: 100 }, (_, i) => 500 + i).find(
			(n) => probabilityGiving(nearer, nearer + n * tableWeightOf(-1)) !== null
		) as number;
		const p = probabilityGiving(nearer, nearer + lower * tableWeightOf(-1)) as number;
		const logits = Array.from({ length: 500 + lower }, (_, id) => (id < 500 ? 0 : -1));
		expect(applyTypical(dense(logits), p)).toEqual(Array.from({ length: 501 }, (_, i) => i));
		expectFullSortAgreement(logits, [p]);
	});

	it('never keeps a token of weight 0 unless it keeps everything', () => {
		// A few likely tokens and a crowd right at the edge of weight 0 (e^−23 of the best).
		const logits = Array.from({ length: 4000 }, (_, id) =>
			id < 4 ? -id * 0.1 : -23 + ((id % 64) - 32) / 2048
		);
		expectFullSortAgreement(logits, [0.5, 0.999, 0.9999999, 1 - 1e-12]);
		const kept = applyTypical(dense(logits), 0.9999999);
		const max = Math.max(...logits);
		expect(kept.every((id) => tableWeightOf(logits[id] - max) > 0)).toBe(true);
	});

	it('leaves banned (−Infinity) tokens out', () => {
		const logits = syntheticLogits(20_000, 3).map((x, id) => (id % 3 === 0 ? -Infinity : x));
		expectFullSortAgreement(logits, [0.5, 0.95]);
		expect(applyTypical(dense(logits), 0.95).some((id) => id % 3 === 0)).toBe(false);
	});

	it('works on a listed set (after another stage) as on the same tokens alone', () => {
		const logits = syntheticLogits(20_000, 4);
		for (const p of [0.3, 0.95]) {
			const candidates = dense(logits);
			// Members: those within 14 nats of the best, listed in id order.
			candidates.retainLogRatioAtLeast(candidates.maxLogit(), -14);
			const listed = members(candidates);
			expect(listed.length).toBeGreaterThan(1000);
			expect(applyTypical(candidates, p)).toEqual(fullSortTypical(candidates.logits, listed, p));
		}
	});

	it('keeps what a full sort keeps on random logits with ties and banned tokens', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 256, max: 3000 }).chain((v) => logitsArbitrary(v)),
				fc.double({ min: 0.01, max: 0.999, noNaN: true }),
				(logits, p) => {
					const candidates = dense(logits);
					const all = Array.from({ length: logits.length }, (_, id) => id);
					expect(applyTypical(candidates, p)).toEqual(fullSortTypical(candidates.logits, all, p));
				}
			),
			{ numRuns: 60 }
		);
	});

	it('reports the kept count, the kept mass and the cut as the decision made them', () => {
		const candidates = dense(syntheticLogits(151_936, 2));
		const selection = new TypicalSelection();
		selection.select(candidates, 0.9);
		const kept = applyTypical(dense(syntheticLogits(151_936, 2)), 0.9);
		expect(selection.keptCount).toBe(kept.length);
		const max = candidates.maxLogit();
		const mass = kept.reduce((sum, id) => sum + tableWeightOf(candidates.logits[id] - max), 0);
		expect(selection.keptWeight).toBe(mass);
		expect(mass).toBeGreaterThan(0.9 * selection.total);
		const distances = kept.map((id) => Math.abs(selection.centre - (candidates.logits[id] - max)));
		expect(selection.cutDistance).toBe(Math.max(...distances));
	});
});
