import fc from 'fast-check';
import { expectAgreementWithReference } from '../testing/reference-agreement';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ORDER, stageDefinition, type StageName } from './registry';
import { etaThreshold } from './eta-cutoff';
import { logitsArbitrary } from '../testing/arbitraries';
import { explainStage, members, rankOrder, runStage, softmax } from '../testing/stage-harness';
import { DEFAULT_SAMPLING_PARAMS, stageValues } from '../params';

/** Top-a, epsilon cutoff and eta cutoff: hand-computed cases and the invariants each keeps. */

const probs = [0.5, 0.3, 0.15, 0.05];
const l = probs.map(Math.log);

/** Entropy in nats of `probs`: 1.14212… */
const H = -probs.reduce((sum, p) => sum + p * Math.log(p), 0);

describe('top-a', () => {
	it('drops p < a·p_max² (p_max = 0.5, so the floor is a/4)', () => {
		expect(members(runStage('top-a', l, { topA: 0.1 }))).toEqual([0, 1, 2, 3]); // floor 0.025
		expect(members(runStage('top-a', l, { topA: 0.5 }))).toEqual([0, 1, 2]); // floor 0.125
		expect(members(runStage('top-a', l, { topA: 1 }))).toEqual([0, 1]); // floor 0.25
	});

	it('cuts hard when the model is sure and barely when it is not', () => {
		// p_max 0.9: floor 0.2·0.81 = 0.162 drops 0.06 and 0.04.
		expect(members(runStage('top-a', [0.9, 0.06, 0.04].map(Math.log), { topA: 0.2 }))).toEqual([0]);
		// p_max 0.3: floor 0.2·0.09 = 0.018 keeps 0.02.
		const flat = [0.3, 0.25, 0.25, 0.18, 0.02].map(Math.log);
		expect(members(runStage('top-a', flat, { topA: 0.2 }))).toEqual([0, 1, 2, 3, 4]);
	});
});

describe('epsilon cutoff', () => {
	it('drops p < ε', () => {
		expect(members(runStage('epsilon-cutoff', l, { epsilonCutoff: 0.01 }))).toEqual([0, 1, 2, 3]);
		expect(members(runStage('epsilon-cutoff', l, { epsilonCutoff: 0.1 }))).toEqual([0, 1, 2]);
		expect(members(runStage('epsilon-cutoff', l, { epsilonCutoff: 0.2 }))).toEqual([0, 1]);
	});

	it('keeps the best token when none reaches ε, and says so', () => {
		const c = runStage('epsilon-cutoff', l, { epsilonCutoff: 0.6 });
		expect(members(c)).toEqual([0]);
		expect(c.fallback).toBe(true);
	});
});

describe('eta cutoff', () => {
	it('uses the floor min(η, √η·e^(−H)), H in nats', () => {
		expect(H).toBeCloseTo(1.142118, 5);
		expect(etaThreshold(0.1, H)).toBe(0.1); // √0.1·e^−H = 0.10093
		expect(etaThreshold(0.2, H)).toBeCloseTo(0.142725, 5);
		expect(etaThreshold(0.3, H)).toBeCloseTo(0.174802, 5);
	});

	it('drops p below that floor', () => {
		expect(members(runStage('eta-cutoff', l, { etaCutoff: 0.1 }))).toEqual([0, 1, 2]);
		// Epsilon 0.2 drops the 0.15 token; eta 0.2 keeps it, the distribution being uncertain.
		expect(members(runStage('eta-cutoff', l, { etaCutoff: 0.2 }))).toEqual([0, 1, 2]);
		expect(members(runStage('eta-cutoff', l, { etaCutoff: 0.3 }))).toEqual([0, 1]);
	});

	it('a sure model gets the floor η itself', () => {
		const sure = [0.97, 0.02, 0.01].map(Math.log);
		// H = 0.1538, √η·e^−H ≈ 0.08 > η: the floor is η itself.
		expect(members(runStage('eta-cutoff', sure, { etaCutoff: 0.009 }))).toEqual([0, 1, 2]);
		expect(members(runStage('eta-cutoff', sure, { etaCutoff: 0.015 }))).toEqual([0, 1]);
	});
});

type Cutoff = {
	name: StageName;
	key: 'topA' | 'epsilonCutoff' | 'etaCutoff';
	/** The probability floor for these probabilities. */
	floor: (p: number[], value: number) => number;
};

const CUTOFFS: Cutoff[] = [
	{ name: 'top-a', key: 'topA', floor: (p, a) => a * Math.max(...p) ** 2 },
	{ name: 'epsilon-cutoff', key: 'epsilonCutoff', floor: (_, e) => e },
	{
		name: 'eta-cutoff',
		key: 'etaCutoff',
		floor: (p, eta) => etaThreshold(eta, -p.reduce((s, x) => (x > 0 ? s + x * Math.log(x) : s), 0))
	}
];

describe.each(CUTOFFS)('$name on random logits', ({ name, key, floor }) => {
	it('keeps exactly the tokens at or above its floor, at least one, the best among them', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 200 }).chain((v) => logitsArbitrary(v)),
				fc.double({ min: 0.0001, max: 1, noNaN: true }),
				(logits, value) => {
					const c = runStage(name, logits, { [key]: value });
					const kept = members(c);
					expect(kept.length).toBeGreaterThanOrEqual(1);
					const probs = softmax(logits);
					const p = [...probs.values()];
					const threshold = floor(p, value);
					const best = rankOrder(logits)[0];
					expect(kept).toContain(best);
					const survivors = softmax(logits, kept);
					const total = [...survivors.values()].reduce((s, x) => s + x, 0);
					expect(total).toBeCloseTo(1, 12);
					if (c.fallback) return;
					const keptSet = new Set(kept);
					for (const [id, q] of probs) {
						// Skip tokens within rounding (2^-32 of the best) of the floor itself.
						if (Math.abs(q - threshold) < 1e-6 * Math.max(threshold, 1e-9)) continue;
						if (q < 2 ** -30) continue;
						expect(keptSet.has(id), `token ${id}: p = ${q}, floor ${threshold}`).toBe(
							q >= threshold
						);
					}
				}
			)
		);
	});

	it('is neutral at 0: every token stays, and the chain skips it', () => {
		const definition = stageDefinition(name);
		const values = stageValues({ ...DEFAULT_SAMPLING_PARAMS, [key]: 0 });
		expect(definition.isNeutral(values, { logitBias: {} })).toBe(true);
		expect(definition.isNeutral({ ...values, [key]: 0.1 }, { logitBias: {} })).toBe(false);
		fc.assert(
			fc.property(logitsArbitrary(50), (logits) => {
				expect(members(runStage(name, logits, { [key]: 0 }))).toEqual(
					Array.from({ length: 50 }, (_, i) => i)
				);
			})
		);
	});

	it('is off by default: neutral default value and not in the default order', () => {
		expect(DEFAULT_SAMPLING_PARAMS[key]).toBe(0);
		expect(DEFAULT_ORDER).not.toContain(name);
	});
});

describe('the cutoffs and top-nσ in a chain', () => {
	it('pick the same tokens as the full-sort reference, switched on, in random orders', () => {
		expectAgreementWithReference(
			['top-a', 'epsilon-cutoff', 'eta-cutoff', 'top-n-sigma'],
			fc.record({
				topA: fc.double({ min: 0.001, max: 1, noNaN: true }),
				epsilonCutoff: fc.double({ min: 0.0001, max: 0.2, noNaN: true }),
				etaCutoff: fc.double({ min: 0.0001, max: 0.2, noNaN: true }),
				topNSigma: fc.double({ min: 0.01, max: 4, noNaN: true })
			})
		);
	});
});

// The logits pass through float32, so probabilities agree to about 7 digits.
describe('the cutoffs explain themselves: each tracked token’s probability against the floor', () => {
	const fact = (detail: ReturnType<typeof explainStage>, key: string) =>
		detail.facts.find((f) => f.key === key)?.value;

	it('top-a: the floor a·p_max² and the best probability', () => {
		const detail = explainStage('top-a', l, { topA: 0.5 });
		expect(fact(detail, 'bestProbability')).toBeCloseTo(0.5, 6);
		expect(fact(detail, 'floor')).toBeCloseTo(0.125, 6);
		expect(detail.measure?.lines[0].value).toBeCloseTo(0.125, 6);
		detail.measure?.values.forEach((p, i) => expect(p).toBeCloseTo(probs[i], 6));
		expect(detail.measure).toMatchObject({ kept: 'above', scale: 'log' });
	});

	it('epsilon: the floor is ε', () => {
		const detail = explainStage('epsilon-cutoff', l, { epsilonCutoff: 0.1 }, [3, 0]);
		expect(fact(detail, 'floor')).toBe(0.1);
		expect(detail.measure?.values[0]).toBeCloseTo(0.05, 6);
		expect(detail.measure?.values[1]).toBeCloseTo(0.5, 6);
	});

	it('eta: the entropy and the smaller of η and √η·e^(−H)', () => {
		const detail = explainStage('eta-cutoff', l, { etaCutoff: 0.2 });
		expect(fact(detail, 'entropy')).toBeCloseTo(H, 6);
		expect(fact(detail, 'floor')).toBeCloseTo(Math.min(0.2, Math.sqrt(0.2) * Math.exp(-H)), 6);
	});
});
