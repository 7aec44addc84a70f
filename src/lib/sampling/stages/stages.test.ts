import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logitsArbitrary } from '../testing/arbitraries';
import { members, rankOrder, runStage, softmax } from '../testing/stage-harness';
import { STAGE_DEFINITIONS } from './registry';

const logits = [2, -1, 0.5, 3, -4];

describe('repetition penalty', () => {
	it('divides positive and multiplies negative logits of tokens in the window, once each', () => {
		const c = runStage(
			'repetition-penalty',
			logits,
			{ repeatPenalty: 2, repeatLastN: 64 },
			[0, 1, 1]
		);
		expect(Array.from(c.logits)).toEqual([1, -2, 0.5, 3, -4]);
	});

	it('only looks at the last repeatLastN tokens; −1 means the whole context, 0 none', () => {
		const history = [3, 0, 1];
		const lastTwo = runStage(
			'repetition-penalty',
			logits,
			{ repeatPenalty: 2, repeatLastN: 2 },
			history
		);
		expect(Array.from(lastTwo.logits)).toEqual([1, -2, 0.5, 3, -4]);
		const all = runStage(
			'repetition-penalty',
			logits,
			{ repeatPenalty: 2, repeatLastN: -1 },
			history
		);
		expect(Array.from(all.logits)).toEqual([1, -2, 0.5, 1.5, -4]);
	});
});

describe('frequency and presence penalties', () => {
	it('subtract count·frequency + presence from tokens in the window', () => {
		const c = runStage(
			'frequency-presence',
			logits,
			{ frequencyPenalty: 0.5, presencePenalty: 0.25, repeatLastN: 64 },
			[0, 1, 1, 1]
		);
		expect(Array.from(c.logits)).toEqual([1.25, -2.75, 0.5, 3, -4]);
	});

	it('negative values reward repetition', () => {
		const c = runStage(
			'frequency-presence',
			logits,
			{ frequencyPenalty: -1, presencePenalty: -0.5, repeatLastN: 64 },
			[4, 4]
		);
		expect(c.logits[4]).toBe(-1.5);
	});
});

describe('logit bias', () => {
	it('adds each bias to its token', () => {
		const c = runStage('logit-bias', logits, { logitBias: { 1: 10, 4: -100 } });
		expect(Array.from(c.logits)).toEqual([2, 9, 0.5, 3, -104]);
		expect(c.count).toBe(5);
	});
});

describe('temperature', () => {
	it('divides every logit by T', () => {
		const c = runStage('temperature', logits, { temperature: 0.5 });
		expect(Array.from(c.logits)).toEqual([4, -2, 1, 6, -8]);
		expect(c.count).toBe(5);
	});

	it('T = 0 keeps only the best token, the lowest id on ties', () => {
		expect(members(runStage('temperature', logits, { temperature: 0 }))).toEqual([3]);
		expect(members(runStage('temperature', [1, 5, 5, 2], { temperature: 0 }))).toEqual([1]);
	});
});

describe('top-k', () => {
	it('keeps the k best in rank order, ties broken by lower id', () => {
		expect(members(runStage('top-k', [1, 3, 3, 0, 3], { topK: 2 }))).toEqual([1, 2]);
	});

	it('k = 1 is the argmax', () => {
		fc.assert(
			fc.property(logitsArbitrary(40), (l) => {
				expect(members(runStage('top-k', l, { topK: 1 }))).toEqual([rankOrder(l)[0]]);
			})
		);
	});

	it('matches a full sort for any k', () => {
		fc.assert(
			fc.property(logitsArbitrary(300), fc.integer({ min: 1, max: 300 }), (l, k) => {
				const kept = members(runStage('top-k', l, { topK: k }));
				expect(rankOrder(l, kept)).toEqual(rankOrder(l).slice(0, k));
			})
		);
	});
});

describe('top-p', () => {
	it('keeps the smallest prefix whose mass reaches p', () => {
		const probs = [0.5, 0.3, 0.15, 0.05];
		const l = probs.map(Math.log);
		expect(members(runStage('top-p', l, { topP: 0.5 }))).toEqual([0]);
		expect(members(runStage('top-p', l, { topP: 0.79 }))).toEqual([0, 1]);
		expect(members(runStage('top-p', l, { topP: 0.81 }))).toEqual([0, 1, 2]);
		expect(members(runStage('top-p', l, { topP: 0.01 }))).toEqual([0]);
	});

	it('on random logits, the kept prefix has mass ≥ p and one token fewer would not', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 400 }).chain((v) => logitsArbitrary(v)),
				fc.double({ min: 0.01, max: 0.999, noNaN: true }),
				(l, p) => {
					const kept = members(runStage('top-p', l, { topP: p }));
					const order = rankOrder(l);
					expect(kept).toEqual(order.slice(0, kept.length));
					const probs = softmax(l);
					const mass = (n: number) => order.slice(0, n).reduce((s, id) => s + probs.get(id)!, 0);
					// Probabilities are resolved to 2^-32 of the best token's: allow that much slack.
					expect(mass(kept.length)).toBeGreaterThanOrEqual(p - 1e-7);
					if (kept.length > 1) expect(mass(kept.length - 1)).toBeLessThan(p + 1e-7);
				}
			)
		);
	});

	it('finds a nucleus spread over thousands of tokens', () => {
		const flat = Array.from({ length: 5000 }, (_, i) => -i / 5000);
		const kept = members(runStage('top-p', flat, { topP: 0.9 }));
		expect(kept.length).toBeGreaterThan(4000);
		expect(kept).toEqual(rankOrder(flat).slice(0, kept.length));
	});
});

describe('min-p', () => {
	it('keeps exactly the tokens with p ≥ min_p · p_max', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 200 }).chain((v) => logitsArbitrary(v)),
				fc.double({ min: 0.001, max: 0.99, noNaN: true }),
				(l, minP) => {
					const kept = new Set(members(runStage('min-p', l, { minP })));
					const probs = softmax(l);
					const pMax = Math.max(...probs.values());
					for (const [id, p] of probs) {
						const ratio = p / pMax;
						// Skip tokens within rounding of the boundary itself.
						if (Math.abs(ratio - minP) < 1e-9 * minP) continue;
						expect(kept.has(id), `token ${id}: p/p_max = ${ratio}, min-p ${minP}`).toBe(
							ratio >= minP
						);
					}
				}
			)
		);
	});
});

describe('registry', () => {
	it('gives every parameter a single owner and every stage a unique name', () => {
		const keys = STAGE_DEFINITIONS.flatMap((s) => s.params.map((p) => p.key));
		expect(new Set(keys).size).toBe(keys.length);
		const names = STAGE_DEFINITIONS.map((s) => s.name);
		expect(new Set(names).size).toBe(names.length);
	});
});
