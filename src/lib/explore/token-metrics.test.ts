import { describe, expect, it } from 'vitest';
import { createSampler, DEFAULT_SAMPLING_PARAMS } from '#lib/sampling';
import {
	confidence,
	CONFIDENCE_PALETTE,
	confidenceColour,
	confidenceStep,
	describeMetric,
	mirostatMu,
	rank,
	rawProbability,
	surprisal,
	survivors
} from './token-metrics';

function traced(logits: number[], overrides = {}) {
	const sampler = createSampler(
		{ ...DEFAULT_SAMPLING_PARAMS, topK: 0, topP: 1, minP: 0, seed: 1, ...overrides },
		{ vocabSize: logits.length, trace: { topN: 3 } }
	);
	sampler.sample(Float32Array.from(logits), []);
	return sampler.lastTrace!;
}

describe('token metrics', () => {
	it('read Mirostat’s μ where it ran, and nothing where it did not', () => {
		const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
		const order = [...DEFAULT_SAMPLING_PARAMS.order, 'mirostat' as const];
		expect(mirostatMu(traced(logits, { order, mirostatMode: 2, mirostatTau: 3 }))).toBe(6);
		expect(mirostatMu(traced(logits, { order, mirostatMode: 0 }))).toBeNull();
		expect(mirostatMu(traced(logits))).toBeNull();
	});

	it('read the chosen token’s probability, surprisal and rank from a greedy trace', () => {
		const trace = traced([Math.log(0.7), Math.log(0.2), Math.log(0.1)], { temperature: 0 });
		expect(trace.chosenId).toBe(0);
		expect(rawProbability(trace)).toBeCloseTo(0.7, 6);
		expect(surprisal(trace)).toBeCloseTo(-Math.log(0.7), 6);
		expect(rank(trace)).toBe(1);
		expect(describeMetric(trace, 'probability')).toBe('p 0.700');
		expect(confidence(trace, 'rank', 1)).toBe(1);
	});

	it('rank counts the candidates the model preferred; top-k 1 leaves one survivor', () => {
		const forced = traced([0, 1, 2, 3], { topK: 1 });
		expect(survivors(forced)).toBe(1);
		expect(rank(forced)).toBe(1);
		const biased = traced([0, 1, 2, 3], { logitBias: { 0: 100 } });
		expect(biased.chosenId).toBe(0);
		expect(rank(biased)).toBe(4);
	});

	it('read the token actually placed when the user picked another candidate than the draw', () => {
		const trace = traced([Math.log(0.7), Math.log(0.2), Math.log(0.1)], { temperature: 0 });
		expect(rawProbability(trace, 2)).toBeCloseTo(0.1, 6);
		expect(surprisal(trace, 2)).toBeCloseTo(-Math.log(0.1), 6);
		expect(rank(trace, 2)).toBe(3);
		expect(describeMetric(trace, 'probability', 2)).toBe('p 0.100');
		expect(confidence(trace, 'probability', 1, 2)).toBeCloseTo(0.1, 6);
		expect(confidence(trace, 'rank', 1, 2)).toBeCloseTo(1 / 3, 6);
	});

	it('colour by one step of the palette per fifth of the score, in both themes', () => {
		const first = CONFIDENCE_PALETTE[0];
		const last = CONFIDENCE_PALETTE[CONFIDENCE_PALETTE.length - 1];
		expect(confidenceColour(0)).toBe(`light-dark(${first.light}, ${first.dark})`);
		expect(confidenceColour(1)).toBe(`light-dark(${last.light}, ${last.dark})`);
		expect(confidenceColour(2)).toBe(confidenceColour(1));
		expect(confidenceColour(-1)).toBe(confidenceColour(0));
		expect(confidenceColour(Number.NaN)).toBe(confidenceColour(0));
		expect([0, 0.19, 0.2, 0.5, 0.79, 0.8, 0.999, 1].map(confidenceStep)).toEqual([
			0, 0, 1, 2, 3, 4, 4, 4
		]);
	});
});
