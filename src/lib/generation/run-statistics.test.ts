import { describe, expect, it } from 'vitest';
import { RunStatistics, stepStatistics, summaryStatistics } from './run-statistics';

const f32 = (values: number[]) => Float32Array.from(values);

describe('stepStatistics', () => {
	it('gives ln n and a surprisal of ln n for a uniform distribution', () => {
		const step = stepStatistics(f32([0, 0, 0, 0]), 2);
		expect(step.entropy).toBeCloseTo(Math.log(4), 12);
		expect(step.surprisal).toBeCloseTo(Math.log(4), 12);
	});

	it('matches hand-computed values for p = (1/4, 3/4)', () => {
		// Logits ln 1 and ln 3: H = −(¼·ln ¼ + ¾·ln ¾) = 0.5623351446…
		const logits = f32([0, Math.log(3)]);
		expect(stepStatistics(logits, 0).entropy).toBeCloseTo(0.5623351446188083, 6);
		expect(stepStatistics(logits, 0).surprisal).toBeCloseTo(Math.log(4), 6);
		expect(stepStatistics(logits, 1).surprisal).toBeCloseTo(Math.log(4 / 3), 6);
	});

	it('gives the same numbers for logits and for log-probabilities', () => {
		const logits = [2.5, 1, 0.25, -1, -3.75, 0];
		const max = logits.reduce((a, b) => Math.max(a, b), -Infinity);
		const logSum = max + Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0));
		const logprobs = logits.map((x) => x - logSum);
		for (const id of [0, 3, 4]) {
			const a = stepStatistics(f32(logits), id);
			const b = stepStatistics(f32(logprobs), id);
			expect(b.entropy).toBeCloseTo(a.entropy, 6);
			expect(b.surprisal).toBeCloseTo(a.surprisal, 6);
		}
	});

	it('ignores −Infinity entries, and a token of probability 0 has infinite surprisal', () => {
		const step = stepStatistics(f32([-Infinity, 0, 0, -Infinity]), 1);
		expect(step.entropy).toBeCloseTo(Math.log(2), 12);
		expect(step.surprisal).toBeCloseTo(Math.log(2), 12);
		expect(stepStatistics(f32([-Infinity, 0, 0]), 0).surprisal).toBe(Infinity);
	});

	it('gives 0 for a one-hot distribution and survives huge logits', () => {
		expect(stepStatistics(f32([-Infinity, 5, -Infinity]), 1)).toEqual({
			entropy: 0,
			surprisal: 0
		});
		const step = stepStatistics(f32([1e30, 1e30]), 0);
		expect(step.entropy).toBeCloseTo(Math.log(2), 12);
	});

	it('agrees with the direct formula over a large vocabulary of spread-out logits', () => {
		// Wide enough that e^y spans hundreds of orders of magnitude, with ties and banned tokens.
		let state = 12345;
		const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
		const logits = new Float32Array(151_936).map((_, i) =>
			i % 997 === 0 ? -Infinity : i % 5 === 0 ? 3.25 : 40 - 800 * random() ** 3
		);
		const max = logits.reduce((a, b) => Math.max(a, b), -Infinity);
		let sum = 0;
		let weighted = 0;
		for (const x of logits) {
			if (x === -Infinity) continue;
			sum += Math.exp(x - max);
			weighted += Math.exp(x - max) * (x - max);
		}
		const entropy = Math.log(sum) - weighted / sum;
		for (const id of [0, 5, 7, 151_935]) {
			const step = stepStatistics(logits, id);
			const surprisal = logits[id] === -Infinity ? Infinity : Math.log(sum) - (logits[id] - max);
			expect(Math.abs(step.entropy - entropy)).toBeLessThan(1e-13 * entropy);
			if (surprisal === Infinity) expect(step.surprisal).toBe(Infinity);
			else expect(Math.abs(step.surprisal - surprisal)).toBeLessThan(1e-13 * surprisal);
		}
	});

	it('treats tokens hundreds of nats below the best as probability 0 in the entropy only', () => {
		const step = stepStatistics(f32([0, -1000]), 1);
		expect(step.entropy).toBe(0);
		expect(step.surprisal).toBe(1000);
	});

	it('refuses a distribution with nothing finite in it', () => {
		expect(() => stepStatistics(f32([-Infinity, -Infinity]), 0)).toThrow(RangeError);
		expect(() => stepStatistics(f32([Number.NaN]), 0)).toThrow(RangeError);
	});
});

describe('RunStatistics', () => {
	it('is null before the first token', () => {
		const stats = new RunStatistics();
		expect(stats.meanEntropy).toBeNull();
		expect(stats.perplexity).toBeNull();
	});

	it('averages entropy and gives exp of the mean surprisal', () => {
		const stats = new RunStatistics();
		stats.add(f32([0, 0, 0, 0]), 0); // H = ln 4, −ln p = ln 4
		stats.add(f32([0, Math.log(3)]), 1); // H = 0.5623…, −ln p = ln 4/3
		expect(stats.steps).toBe(2);
		expect(stats.meanEntropy).toBeCloseTo((Math.log(4) + 0.5623351446188083) / 2, 6);
		expect(stats.perplexity).toBeCloseTo(Math.sqrt(16 / 3), 6);
	});

	it('reports an infinite perplexity once a token had probability 0', () => {
		const stats = new RunStatistics();
		stats.add(f32([0, 0]), 0);
		stats.add(f32([0, -Infinity]), 1);
		expect(stats.perplexity).toBe(Infinity);
	});
});

describe('summaryStatistics', () => {
	it("gives stepStatistics' figures from an engine's summary", () => {
		const distribution = f32([2, -1, 0.5, -Infinity, 3.25, 0]);
		const max = 3.25;
		let sum = 0;
		let weighted = 0;
		for (const x of distribution) {
			const e = Math.exp(x - max);
			sum += e;
			if (e > 0) weighted += e * (x - max);
		}
		const summary = { max, logSum: Math.log(sum), meanShift: weighted / sum };
		for (const token of [0, 3, 4]) {
			const expected = stepStatistics(distribution, token);
			const got = summaryStatistics(distribution, token, summary);
			expect(got.entropy).toBeCloseTo(expected.entropy, 12);
			expect(got.surprisal).toBeCloseTo(expected.surprisal, 12);
		}
		expect(summaryStatistics(distribution, 3, summary).surprisal).toBe(Infinity);
	});

	it('is what a run adds up when the engine has a summary', () => {
		const stats = new RunStatistics();
		const distribution = f32([0, 0]);
		// A made-up summary, to show it is used instead of a pass over the distribution.
		stats.add(distribution, 0, { max: 0, logSum: 2, meanShift: 0.5 });
		expect(stats.meanEntropy).toBe(1.5);
		expect(stats.perplexity).toBeCloseTo(Math.exp(2), 12);
	});
});
