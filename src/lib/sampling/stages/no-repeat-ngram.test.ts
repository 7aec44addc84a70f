import fc from 'fast-check';
import { expectAgreementWithReference } from '../testing/reference-agreement';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, stageValues, type SamplingParams } from '../params';
import { createSampler } from '../sampler';
import { logitsArbitrary } from '../testing/arbitraries';
import { explainStage, members, rankOrder, runStage, softmax } from '../testing/stage-harness';
import { matchedPositions } from './no-repeat-ngram';
import { DEFAULT_ORDER, stageDefinition } from './registry';

const flat = [0, 0, 0, 0, 0, 0];

/** The ids no-repeat n-gram leaves of six equally likely tokens. */
function survivors(history: number[], n: number, logits = flat): number[] {
	return members(runStage('no-repeat-ngram', logits, { noRepeatNgramSize: n }, history));
}

/** Hugging Face's rule, spelled out: every n-gram of the context, keyed by its first n − 1 ids. */
function naiveBans(history: number[], n: number): Set<number> {
	const banned = new Set<number>();
	const prefix = history.slice(history.length - n + 1).join(',');
	for (let j = 0; j + n <= history.length; j++) {
		if (history.slice(j, j + n - 1).join(',') === prefix) banned.add(history[j + n - 1]);
	}
	return banned;
}

describe('no-repeat n-gram', () => {
	it('explains itself: the matched earlier n-grams, the banned tokens and each token’s count', () => {
		const detail = explainStage(
			'no-repeat-ngram',
			flat,
			{ noRepeatNgramSize: 2 },
			[3, 2, 0],
			[1, 2, 1, 3, 1]
		);
		const fact = (key: string) => detail.facts.find((f) => f.key === key)?.value;
		expect(fact('matches')).toBe(2);
		expect(fact('banned')).toBe(2);
		expect(detail.sequences).toEqual([
			{ label: 'Last n − 1 tokens', ids: [1] },
			{ label: 'Earlier n-gram at token 0', ids: [1, 2] },
			{ label: 'Earlier n-gram at token 2', ids: [1, 3] },
			{ label: 'Banned', ids: [2, 3] }
		]);
		expect(detail.measure?.values).toEqual([1, 1, 0]);
		expect(detail.measure?.kept).toBe('below');
		expect(detail.note).toBeUndefined();
		const all = explainStage(
			'no-repeat-ngram',
			[0, 1, 0.5],
			{ noRepeatNgramSize: 1 },
			[0],
			[0, 1, 2]
		);
		expect(all.note).toMatch(/Every candidate would be banned/);
	});

	it('bans the token that would complete an n-gram already in the context', () => {
		// Context 1 2 3 1 2: the trigram "1 2 3" exists, so after "1 2" token 3 is banned.
		expect(survivors([1, 2, 3, 1, 2], 3)).toEqual([0, 1, 2, 4, 5]);
		// Bigrams after "1": "1 2" and "1 3".
		expect(survivors([1, 2, 1, 3, 1], 2)).toEqual([0, 1, 4, 5]);
		// n = 1 bans every token of the context.
		expect(survivors([0, 2, 2], 1)).toEqual([1, 3, 4, 5]);
		expect(matchedPositions([1, 2, 1, 3, 1], 2)).toEqual([0, 2]);
	});

	it('bans nothing when the context is shorter than n or the suffix never occurred before', () => {
		expect(survivors([1, 2], 3)).toEqual([0, 1, 2, 3, 4, 5]);
		expect(survivors([], 1)).toEqual([0, 1, 2, 3, 4, 5]);
		expect(survivors([1, 2, 3, 4], 2)).toEqual([0, 1, 2, 3, 4, 5]);
	});

	it('keeps the best token, and says so, when every candidate would be banned', () => {
		const c = runStage('no-repeat-ngram', [0, 1, 0.5], { noRepeatNgramSize: 1 }, [0, 1, 2]);
		expect(members(c)).toEqual([1]);
		expect(c.fallback).toBe(true);
		// Only a banned (−∞) token would be left: the best one is kept instead.
		const d = runStage('no-repeat-ngram', [-Infinity, 1, 0.5], { noRepeatNgramSize: 1 }, [1, 2]);
		expect(members(d)).toEqual([1]);
		expect(d.fallback).toBe(true);
	});

	it('works on a listed set too, after a truncation, keeping the rank order', () => {
		const params: SamplingParams = {
			...DEFAULT_SAMPLING_PARAMS,
			temperature: 1,
			topK: 4,
			topP: 1,
			minP: 0,
			noRepeatNgramSize: 2,
			seed: 3,
			order: ['top-k', 'no-repeat-ngram']
		};
		const sampler = createSampler(params, { vocabSize: 6, trace: true });
		// After "5", token 0 followed it before (and 0 is the best); top-k keeps 0, 1, 2, 3.
		const id = sampler.sample(Float32Array.from([5, 4, 3, 2, 1, 0]), [5, 0, 5]);
		expect(id).not.toBe(0);
		const trace = sampler.lastTrace;
		expect(trace?.stages.map((s) => s.survivors)).toEqual([4, 3]);
		expect(trace?.candidates.find((c) => c.id === 0)?.removedBy).toBe('no-repeat-ngram');
	});

	it('bans exactly what Hugging Face would, keeps at least one token, on random contexts', () => {
		fc.assert(
			fc.property(
				fc
					.integer({ min: 1, max: 40 })
					.chain((v) =>
						fc.tuple(
							logitsArbitrary(v),
							fc.array(fc.integer({ min: 0, max: v - 1 }), { maxLength: 60 }),
							fc.integer({ min: 1, max: 5 })
						)
					),
				([logits, history, n]) => {
					const c = runStage('no-repeat-ngram', logits, { noRepeatNgramSize: n }, history);
					const kept = members(c);
					expect(kept.length).toBeGreaterThanOrEqual(1);
					const banned = naiveBans(history, n);
					const expected = Array.from(logits, (_, i) => i).filter((id) => !banned.has(id));
					// At least one token with a finite logit stays: the best one if none would.
					const finite = expected.some((id) => logits[id] > -Infinity);
					expect(kept).toEqual(finite ? expected : [rankOrder(logits)[0]]);
					expect(c.fallback).toBe(!finite);
					const total = [...softmax(logits, kept).values()].reduce((a, b) => a + b, 0);
					expect(total).toBeCloseTo(1, 12);
				}
			)
		);
	});

	it('is neutral at 0 and off by default', () => {
		const definition = stageDefinition('no-repeat-ngram');
		const values = stageValues(DEFAULT_SAMPLING_PARAMS);
		expect(DEFAULT_SAMPLING_PARAMS.noRepeatNgramSize).toBe(0);
		expect(definition.isNeutral(values, { logitBias: {} })).toBe(true);
		expect(DEFAULT_ORDER).not.toContain('no-repeat-ngram');
	});

	it('picks the same tokens as the full-sort reference, switched on, in random orders', () => {
		expectAgreementWithReference(
			['no-repeat-ngram'],
			fc.record({ noRepeatNgramSize: fc.integer({ min: 1, max: 4 }) }),
			{ maxVocab: 60, maxSteps: 4, numRuns: 200 }
		);
	});
});
