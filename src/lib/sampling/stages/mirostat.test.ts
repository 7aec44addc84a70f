import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, stageValues, type SamplingParams } from '../params';
import { ReferenceSampler } from '../reference';
import { createSampler, type SamplerCheckpoint } from '../sampler';
import { logitsArbitrary } from '../testing/arbitraries';
import { factValue } from '../stage-detail';
import { explainStage, members, runStage, softmax } from '../testing/stage-harness';
import { mirostatK, nextMu, zipfExponent } from './mirostat';
import { DEFAULT_ORDER, stageDefinition } from './registry';

/** Surprises 1, 2, 3, 4 and 4 bits. */
const halving = [0.5, 0.25, 0.125, 0.0625, 0.0625].map(Math.log);

/** Zipf with exponent 2 over 10 tokens: p_i ∝ (i + 1)^−2. */
const zipf2 = Array.from({ length: 10 }, (_, i) => -2 * Math.log(i + 1));

function params(overrides: Partial<SamplingParams> = {}): SamplingParams {
	return {
		...DEFAULT_SAMPLING_PARAMS,
		order: ['temperature', 'mirostat'],
		seed: 11,
		topK: 0,
		mirostatMode: 2,
		...overrides
	};
}

function muOf(checkpoint: SamplerCheckpoint): number {
	return checkpoint.states!.mirostat[0];
}

/** Twenty steps of a 300-token vocabulary whose shape shifts from step to step. */
const STEPS = Array.from({ length: 20 }, (_, s) =>
	Float32Array.from({ length: 300 }, (_, i) => Math.sin(i * 0.61 + s * 1.7) * 4 - i * 0.01)
);

describe('Mirostat v2', () => {
	it('keeps the tokens whose surprise −log2 p is at most μ = 2τ', () => {
		const kept = (tau: number) =>
			members(runStage('mirostat', halving, { mirostatMode: 2, mirostatTau: tau }));
		expect(kept(1.25)).toEqual([0, 1]); // μ 2.5
		expect(kept(1.75)).toEqual([0, 1, 2]); // μ 3.5
		expect(kept(2.25)).toEqual([0, 1, 2, 3, 4]); // μ 4.5
	});

	it('keeps the best token when μ is below every surprise', () => {
		const candidates = runStage('mirostat', halving, { mirostatMode: 2, mirostatTau: 0.25 });
		expect(members(candidates)).toEqual([0]);
		expect(candidates.fallback).toBe(true);
	});

	it('after each pick moves μ by η times the miss: μ − η·(−log2 p − τ)', () => {
		// τ 1.25: the first step keeps tokens 0 and 1 (p 2/3 and 1/3 after renormalising).
		const p = params({ order: ['mirostat'], mirostatTau: 1.25, mirostatEta: 0.5 });
		const sampler = createSampler(p, { vocabSize: 5 });
		expect(muOf(sampler.checkpoint())).toBe(2.5);
		const id = sampler.sample(Float32Array.from(halving), []);
		expect([0, 1]).toContain(id);
		const chosen = id === 0 ? 2 / 3 : 1 / 3;
		// The float32 logits put p within 1e-7 of 2/3 or 1/3.
		expect(muOf(sampler.checkpoint())).toBeCloseTo(2.5 - 0.5 * (-Math.log2(chosen) - 1.25), 6);
		expect(nextMu(2.5, 1.25, 0.5, 2 / 3)).toBeCloseTo(2.8325, 4);
	});

	it('on random logits keeps exactly the tokens with p ≥ 2^−μ, at least one', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 2, max: 200 }).chain((v) => logitsArbitrary(v)),
				fc.double({ min: 0, max: 8, noNaN: true }),
				(l, tau) => {
					const kept = members(runStage('mirostat', l, { mirostatMode: 2, mirostatTau: tau }));
					expect(kept.length).toBeGreaterThanOrEqual(1);
					const p = softmax(l);
					const floor = 2 ** (-2 * tau);
					const keptSet = new Set(kept);
					const best = Math.max(...p.values());
					for (const [id, probability] of p) {
						if (Math.abs(probability - floor) < 1e-6 * floor) continue;
						if (best < floor) continue; // only the best is kept then
						expect(keptSet.has(id), `token ${id}: p ${probability} vs ${floor}`).toBe(
							probability >= floor
						);
					}
				}
			)
		);
	});
});

describe('Mirostat v1', () => {
	it('fits the Zipf exponent of the best m tokens', () => {
		expect(zipfExponent(10, (i) => zipf2[i])).toBeCloseTo(2, 12);
		expect(zipfExponent(4, (i) => [3, 3, 3, 3][i])).toBe(0);
		expect(zipfExponent(1, () => 0)).toBeNull();
		expect(zipfExponent(3, (i) => [1, -Infinity, -Infinity][i])).toBeNull();
	});

	it('keeps the top k = (ε̂·2^μ / (1 − N^−ε̂))^(1/ŝ) tokens', () => {
		// ŝ = 2, ε̂ = 1, N = 10: k = √(2^μ / 0.9).
		const kept = (tau: number) =>
			members(runStage('mirostat', zipf2, { mirostatMode: 1, mirostatTau: tau }));
		expect(kept(0)).toEqual([0]); // √(1/0.9) = 1.05
		expect(kept(1)).toEqual([0, 1]); // √(4/0.9) = 2.11
		expect(kept(2)).toEqual([0, 1, 2, 3]); // √(16/0.9) = 4.22
		expect(kept(3)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // √(64/0.9) = 8.43
		expect(kept(4)).toHaveLength(10); // √(256/0.9) = 16.9: everything
	});

	it('fits only the best m tokens', () => {
		// Exponent 2 for the first four, flat after: m = 4 sees ŝ = 2, m = 10 sees ŝ = 1.66.
		const head = [0, 1, 2, 3].map((i) => -2 * Math.log(i + 1));
		const bent = [...head, ...Array<number>(6).fill(head[3])];
		const k = (m: number) =>
			runStage('mirostat', bent, { mirostatMode: 1, mirostatTau: 3, mirostatM: m }).count;
		expect(k(4)).toBe(8); // √(64/0.9) = 8.43
		expect(k(10)).toBe(10); // (0.659·64 / (1 − 10^−0.659))^(1/1.659) = 11.1
	});

	it('takes the limit 2^μ / ln N at ŝ = 1, and keeps 1 to count members', () => {
		expect(mirostatK(1, 4, 10, 100)).toBe(Math.floor(16 / Math.log(10))); // 6
		expect(mirostatK(2, 2, 10, 100)).toBe(Math.floor(Math.sqrt(4 / 0.9)));
		expect(mirostatK(2, 40, 10, 100)).toBe(100);
		expect(mirostatK(0, 1, 1000, 50)).toBe(1); // flat head: (2/999)^∞ → 0, kept at 1
		expect(mirostatK(Number.NaN, 1, 10, 5)).toBe(1);
	});

	it('leaves a single token and flat logits within reach alone', () => {
		expect(members(runStage('mirostat', [1], { mirostatMode: 1 }))).toEqual([0]);
		const kept = runStage('mirostat', [2, 2, 2, 2], { mirostatMode: 1, mirostatTau: 5 });
		expect(kept.count).toBe(4); // ŝ = 0 and 2^10 / 3 > 1: k = ∞
	});

	it('on random logits keeps a prefix of the rank order, at least one', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 300 }).chain((v) => logitsArbitrary(v)),
				fc.double({ min: 0, max: 8, noNaN: true }),
				(l, tau) => {
					const candidates = runStage('mirostat', l, { mirostatMode: 1, mirostatTau: tau });
					const kept = members(candidates);
					expect(kept.length).toBeGreaterThanOrEqual(1);
					const worstKept = Math.min(...kept.map((id) => l[id]));
					const keptSet = new Set(kept);
					for (let id = 0; id < l.length; id++) {
						if (l[id] > worstKept) expect(keptSet.has(id)).toBe(true);
					}
				}
			)
		);
	});
});

describe('Mirostat (either version)', () => {
	it('is off by default: mode 0 is neutral and the default chain leaves it out', () => {
		const definition = stageDefinition('mirostat');
		const values = stageValues(DEFAULT_SAMPLING_PARAMS);
		expect(DEFAULT_SAMPLING_PARAMS).toMatchObject({
			mirostatMode: 0,
			mirostatTau: 5,
			mirostatEta: 0.1,
			mirostatM: 100
		});
		expect(definition.isNeutral(values, { logitBias: {} })).toBe(true);
		expect(definition.isNeutral({ ...values, mirostatMode: 2 }, { logitBias: {} })).toBe(false);
		expect(DEFAULT_ORDER).not.toContain('mirostat');
		// Switched into the order at mode 0, it is skipped and the chain draws as without it.
		const off = params({ mirostatMode: 0, order: ['temperature', 'mirostat'] });
		const without = params({ order: ['temperature'] });
		const a = createSampler(off, { vocabSize: 300 });
		const b = createSampler(without, { vocabSize: 300 });
		expect(STEPS.map((l) => a.sample(l, []))).toEqual(STEPS.map((l) => b.sample(l, [])));
		expect(a.checkpoint().states).toBeUndefined();
	});

	it('with η = 0 keeps μ at 2τ', () => {
		const sampler = createSampler(params({ mirostatEta: 0 }), { vocabSize: 300 });
		for (const l of STEPS) sampler.sample(l, []);
		expect(muOf(sampler.checkpoint())).toBe(10);
	});

	it('steers the surprise of the picks towards τ', () => {
		// A wide distribution: plain sampling picks average about 6.6 bits here.
		const wide = Float32Array.from({ length: 2000 }, (_, i) => -Math.log(i + 1) * 1.05);
		const p = softmax(wide);
		const n = 400;
		const meanSurprise = (ids: number[]) =>
			ids.reduce((sum, id) => sum - Math.log2(p.get(id)!), 0) / ids.length;
		const plain = createSampler(params({ order: ['temperature'], seed: 3 }), {
			vocabSize: wide.length
		});
		const unsteered = meanSurprise(Array.from({ length: n }, () => plain.sample(wide, [])));
		expect(unsteered).toBeGreaterThan(5);
		for (const mode of [1, 2]) {
			const sampler = createSampler(params({ mirostatMode: mode, mirostatTau: 3, seed: 3 }), {
				vocabSize: wide.length
			});
			const ids = Array.from({ length: n }, () => sampler.sample(wide, []));
			// Each update moves μ by −η·(s − τ): the mean surprise s of the picks (in the final
			// distribution) is τ − (μ_end − μ_start) / (η·n), and μ stays bounded.
			const observed = 3 - (muOf(sampler.checkpoint()) - 6) / (0.1 * n);
			expect(Math.abs(observed - 3)).toBeLessThan(0.1);
			expect(meanSurprise(ids)).toBeLessThan(unsteered - 1);
		}
	});

	it('picks what the full-sort reference picks, μ carried over many steps, in any order', () => {
		fc.assert(
			fc.property(
				fc.constantFrom(1, 2),
				fc.double({ min: 0, max: 8, noNaN: true }),
				fc.double({ min: 0, max: 1, noNaN: true }),
				fc.integer({ min: 2, max: 120 }),
				fc.shuffledSubarray(['temperature', 'top-k', 'min-p', 'top-p'] as const),
				fc.integer({ min: 0, max: 0xffffffff }),
				(mode, tau, eta, m, others, seed) => {
					const order: SamplingParams['order'] = [...others];
					order.splice(seed % (others.length + 1), 0, 'mirostat');
					const p = params({
						order,
						seed,
						mirostatMode: mode,
						mirostatTau: tau,
						mirostatEta: eta,
						mirostatM: m,
						topK: 50,
						minP: 0.01,
						topP: 0.95,
						temperature: 0.9
					});
					const fast = createSampler(p, { vocabSize: 300 });
					const reference = new ReferenceSampler(p, 300);
					const history: number[] = [];
					for (const l of STEPS) {
						const id = fast.sample(l, history);
						expect(id).toBe(reference.sample(l, history));
						history.push(id);
					}
				}
			),
			{ numRuns: 80 }
		);
	});
});

describe('state across steps in the sampler', () => {
	for (const mode of [1, 2]) {
		it(`v${mode}: resuming a fresh sampler from each step's checkpoint draws the uninterrupted run`, () => {
			const p = params({ mirostatMode: mode, mirostatTau: 3, mirostatEta: 0.7 });
			const straight = createSampler(p, { vocabSize: 300 });
			const expected = STEPS.map((l) => straight.sample(l, []));
			let checkpoint: SamplerCheckpoint | null = null;
			const stepped = STEPS.map((l) => {
				const sampler = createSampler(p, { vocabSize: 300 });
				if (checkpoint) sampler.resume(checkpoint);
				const id = sampler.sample(l, []);
				checkpoint = sampler.checkpoint();
				return id;
			});
			expect(stepped).toEqual(expected);
			expect(muOf(checkpoint!)).toBe(muOf(straight.checkpoint()));
			// μ did move: a sampler resumed with the random stream but not μ draws otherwise.
			expect(muOf(checkpoint!)).not.toBe(6);
		});
	}

	it('needs μ to continue exactly: the random stream alone is not enough', () => {
		const p = params({ mirostatTau: 2, mirostatEta: 1 });
		const straight = createSampler(p, { vocabSize: 300 });
		for (const l of STEPS.slice(0, 10)) straight.sample(l, []);
		const checkpoint = straight.checkpoint();
		const rest = STEPS.slice(10).map((l) => straight.sample(l, []));
		const resumed = createSampler(p, { vocabSize: 300 });
		resumed.resume(checkpoint);
		expect(STEPS.slice(10).map((l) => resumed.sample(l, []))).toEqual(rest);
		// A checkpoint without states (written before stages kept state) still loads: μ = 2τ.
		const { rng, steps } = checkpoint;
		const old = createSampler(p, { vocabSize: 300 });
		old.resume({ rng, steps });
		expect(muOf(old.checkpoint())).toBe(4);
		expect(muOf(checkpoint)).not.toBe(4);
		expect(STEPS.slice(10).map((l) => old.sample(l, []))).not.toEqual(rest);
	});

	it('restart() sets μ back to 2τ and repeats the run', () => {
		const sampler = createSampler(params({ mirostatEta: 0.5 }), { vocabSize: 300 });
		const first = STEPS.map((l) => sampler.sample(l, []));
		expect(muOf(sampler.checkpoint())).not.toBe(10);
		sampler.restart();
		expect(muOf(sampler.checkpoint())).toBe(10);
		expect(STEPS.map((l) => sampler.sample(l, []))).toEqual(first);
	});

	it('tracing (which may run the chain twice) changes neither the draws nor μ', () => {
		for (const mode of [1, 2]) {
			const p = params({ mirostatMode: mode, mirostatTau: 2.5, mirostatEta: 0.4 });
			const plain = createSampler(p, { vocabSize: 300 });
			const traced = createSampler(p, { vocabSize: 300, trace: { topN: 2 } });
			for (const l of STEPS) {
				const id = plain.sample(l, []);
				expect(traced.sample(l, [])).toBe(id);
				expect(traced.lastTrace?.chosenId).toBe(id);
				expect(muOf(traced.checkpoint())).toBe(muOf(plain.checkpoint()));
			}
		}
	});

	it('carries μ in checkpoints only when the chain has a stage with state', () => {
		const plain = createSampler(params({ order: ['temperature'] }), { vocabSize: 300 });
		expect(Object.keys(plain.checkpoint())).toEqual(['rng', 'steps']);
		// Such a checkpoint still resumes a sampler whose chain has no state, state or not.
		plain.resume({ ...plain.checkpoint(), states: { mirostat: [3] } });
		expect(plain.checkpoint().states).toBeUndefined();
	});
});

// The logits pass through float32, so surprises agree to about 6 digits.
describe('Mirostat explains itself: μ, τ, the cut and each token’s surprise', () => {
	it('v2: the threshold is μ, and each tracked token’s surprise −log2 p', () => {
		const detail = explainStage('mirostat', halving, { mirostatMode: 2, mirostatTau: 1.25 });
		expect(factValue(detail, 'mu')).toBe(2.5);
		expect(factValue(detail, 'tau')).toBe(1.25);
		expect(factValue(detail, 'threshold')).toBe(2.5);
		[1, 2, 3, 4, 4].forEach((bits, i) => expect(detail.measure?.values[i]).toBeCloseTo(bits, 5));
		expect(detail.measure?.lines.map((line) => line.value)).toEqual([2.5, 1.25]);
		expect(detail.measure?.kept).toBe('below');
	});

	it('v1: ŝ, k and the surprise of the k-th token as the cut', () => {
		const detail = explainStage('mirostat', zipf2, { mirostatMode: 1, mirostatTau: 2 });
		expect(factValue(detail, 'sHat')).toBeCloseTo(2, 6);
		expect(factValue(detail, 'k')).toBe(4);
		const total = zipf2.reduce((sum, l) => sum + Math.exp(l), 0);
		const fourth = -Math.log2(Math.exp(zipf2[3]) / total); // 4.63 bits
		expect(factValue(detail, 'threshold')).toBeCloseTo(fourth, 5);
		expect(detail.measure?.lines[0].value).toBeCloseTo(fourth, 5);
		expect(detail.measure?.lines.slice(1).map((line) => line.value)).toEqual([4, 2]);
		// With k beyond the set there is no cut: the chart shows μ and τ only.
		const all = explainStage('mirostat', zipf2, { mirostatMode: 1, mirostatTau: 4 });
		expect(factValue(all, 'threshold')).toBeNull();
		expect(all.measure?.kept).toBe('all');
	});

	it('a traced step adds the pick’s surprise and μ after it, which the next step starts from', () => {
		const p = params({ mirostatMode: 2, mirostatTau: 2, mirostatEta: 0.5 });
		const sampler = createSampler(p, { vocabSize: 300, trace: { topN: 5 } });
		let before = 4;
		for (const l of STEPS.slice(0, 6)) {
			sampler.sample(l, []);
			const detail = sampler.lastTrace?.stages.find((st) => st.name === 'mirostat')?.detail;
			const after = muOf(sampler.checkpoint());
			expect(factValue(detail, 'mu')).toBe(before);
			expect(factValue(detail, 'muAfter')).toBe(after);
			const surprise = factValue(detail, 'surprise')!;
			expect(after).toBeCloseTo(before - 0.5 * (surprise - 2), 12);
			before = after;
		}
	});
});
