import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from './params';
import { createSampler } from './sampler';

/** Critical values of the chi-square distribution at p = 0.001, by degrees of freedom. */
const CHI_SQUARE_P001 = [NaN, 10.828, 13.816, 16.266, 18.467, 20.515, 22.458];

const DRAWS = 20_000;
const probabilities = [0.4, 0.25, 0.15, 0.1, 0.06, 0.04];
const logits = Float32Array.from(probabilities, Math.log);

function counts(overrides: Partial<SamplingParams>): number[] {
	const sampler = createSampler(
		{
			...DEFAULT_SAMPLING_PARAMS,
			temperature: 1,
			topK: 0,
			topP: 1,
			minP: 0,
			seed: 2024,
			...overrides
		},
		{ vocabSize: probabilities.length }
	);
	const observed = probabilities.map(() => 0);
	for (let i = 0; i < DRAWS; i++) observed[sampler.sample(logits, [])]++;
	return observed;
}

function chiSquare(observed: number[], expected: number[]): number {
	return expected.reduce((sum, p, i) => sum + (observed[i] - DRAWS * p) ** 2 / (DRAWS * p), 0);
}

function renormalised(weights: number[]): number[] {
	const total = weights.reduce((a, b) => a + b, 0);
	return weights.map((w) => w / total);
}

describe('seeded draws follow the distribution (chi-square, p > 0.001)', () => {
	it.each([
		['no truncation', {}, probabilities],
		['top-k 3', { topK: 3 }, renormalised(probabilities.slice(0, 3))],
		['top-p 0.6', { topP: 0.6 }, renormalised(probabilities.slice(0, 2))],
		['min-p 0.2', { minP: 0.2 }, renormalised(probabilities.slice(0, 4))],
		['temperature 0.5', { temperature: 0.5 }, renormalised(probabilities.map((p) => p * p))]
	])('%s', (_name, overrides, expected) => {
		const observed = counts(overrides);
		const kept = expected.length;
		expect(observed.slice(kept).every((n) => n === 0)).toBe(true);
		expect(chiSquare(observed.slice(0, kept), expected)).toBeLessThan(CHI_SQUARE_P001[kept - 1]);
	});

	it('would notice a biased sampler', () => {
		// The same statistic on the wrong distribution must be far past the critical value.
		const observed = counts({});
		expect(chiSquare(observed, renormalised([0.3, 0.3, 0.15, 0.1, 0.1, 0.05]))).toBeGreaterThan(
			CHI_SQUARE_P001[5] * 10
		);
	});
});
