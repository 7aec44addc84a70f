import { describe, expect, it } from 'vitest';
import { createSampler, DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '#lib/sampling';
import { drawRows, stageExplanation, stageRows } from './why';

function trace(logits: number[], overrides: Partial<SamplingParams> = {}) {
	const sampler = createSampler(
		{ ...DEFAULT_SAMPLING_PARAMS, seed: 4, ...overrides },
		{ vocabSize: logits.length, trace: { topN: logits.length } }
	);
	sampler.sample(Float32Array.from(logits), []);
	return sampler.lastTrace!;
}

describe('why this token', () => {
	it('charts the raw distribution, then every stage in the user’s order', () => {
		const order: SamplingParams['order'] = ['top-k', 'temperature', 'top-p', 'min-p'];
		const charts = stageRows(trace([3, 2, 1, 0, -1], { order, topK: 3, temperature: 1.5 }));
		expect(charts.map((c) => c.name)).toEqual(['raw', ...order]);
		expect(charts.map((c) => stageExplanation(c.name))).toEqual([
			expect.stringContaining('before any stage'),
			expect.stringContaining('k most likely'),
			expect.stringContaining('Divides every logit by T'),
			expect.stringContaining('add up to p'),
			expect.stringContaining('min-p times')
		]);
		const topK = charts[1];
		expect(topK.survivors).toBe(3);
		expect(topK.rows.filter((r) => r.removedHere).map((r) => r.id)).toEqual([3, 4]);
		// Removed once, they stay removed but are not "removed here" again.
		expect(charts[2].rows.filter((r) => r.probability === null && !r.removedHere)).toHaveLength(2);
		for (const chart of charts) {
			const total = chart.rows.reduce((sum, r) => sum + (r.probability ?? 0), 0);
			expect(total).toBeCloseTo(1, 5);
		}
	});

	it('lays the survivors on the cumulative distribution, and u falls in the chosen one', () => {
		const t = trace([2, 1.5, 1, 0.5, 0], { topK: 0, topP: 1, minP: 0, temperature: 1 });
		const rows = drawRows(t);
		expect(rows.at(-1)!.interval!.to).toBeCloseTo(1, 5);
		const hit = rows.find((r) => r.interval && t.u! >= r.interval.from && t.u! < r.interval.to);
		expect(hit?.id).toBe(t.chosenId);
	});

	it('shows a single survivor for top-k 1, then the removed candidates to pick by hand', () => {
		const rows = drawRows(trace([0.1, 0.3, 0.2], { topK: 1 }));
		expect(rows.map((r) => [r.id, r.final, r.interval])).toEqual([
			[1, 1, { from: 0, to: 1 }],
			[2, null, null],
			[0, null, null]
		]);
	});
});
