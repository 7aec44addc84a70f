import { describe, expect, it } from 'vitest';
import { createSampler, DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '#lib/sampling';
import {
	cumulativeSegments,
	drawRows,
	removalSummary,
	stageExplanation,
	stageRows,
	unchangedLine,
	whyCharts
} from './why';

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

describe('why this token, at a glance', () => {
	it('charts the raw distribution and the stages that changed something; folds the rest', () => {
		// The default chain: logit bias, repetition and frequency/presence are off; temperature
		// reshapes; top-k 3 removes two of five; top-p 1 and min-p 0 keep everything.
		const t = trace([3, 2, 1, 0, -1], { topK: 3, topP: 1, minP: 0, temperature: 0.8 });
		const { charts, unchanged } = whyCharts(t);
		expect(charts.map((c) => c.name)).toEqual(['raw', 'temperature', 'top-k']);
		expect(unchanged).toEqual([
			{ key: '0-logit-bias', name: 'logit-bias', reason: 'off', note: null },
			{ key: '1-repetition-penalty', name: 'repetition-penalty', reason: 'off', note: null },
			{ key: '2-frequency-presence', name: 'frequency-presence', reason: 'off', note: null },
			{ key: '5-top-p', name: 'top-p', reason: 'off', note: null },
			{ key: '6-min-p', name: 'min-p', reason: 'off', note: null }
		]);
		expect(unchangedLine(unchanged)).toBe(
			'No change: logit bias, repetition penalty, frequency & presence, top-p (nucleus), min-p (their setting turns them off).'
		);

		const topK = charts[2];
		expect(topK.removedCount).toBe(2);
		const temperatureRows = charts[1].rows;
		// Each bar knows the probability it had before the stage; the removed ones keep it.
		expect(topK.rows.map((r) => r.before)).toEqual(temperatureRows.map((r) => r.probability));
		expect(topK.rows.filter((r) => r.removedHere).map((r) => r.id)).toEqual([3, 4]);
		const removedMass = topK.rows
			.filter((r) => r.removedHere)
			.reduce((sum, r) => sum + r.before!, 0);
		expect(topK.massRemoved).toBeCloseTo(removedMass, 9);
		expect(removalSummary(topK)).toBe(`removed ${removedMass.toFixed(2)} of the mass, 2 tokens`);
		expect(removalSummary(charts[1])).toBe('removed nothing; reshaped the probabilities');
		// Survivors renormalized.
		const kept = topK.rows.reduce((sum, r) => sum + (r.probability ?? 0), 0);
		expect(kept).toBeCloseTo(1, 9);
	});

	it('a first stage that removes says how much mass, the count before it being unknown', () => {
		const order: SamplingParams['order'] = ['top-k', 'temperature', 'top-p', 'min-p'];
		const t = trace([3, 2, 1, 0, -1], { order, topK: 3, topP: 1, minP: 0, temperature: 1 });
		const topK = whyCharts(t).charts[1];
		expect(topK.name).toBe('top-k');
		expect(topK.removedCount).toBeNull();
		expect(removalSummary(topK)).toBe(`removed ${topK.massRemoved.toFixed(2)} of the mass`);
	});

	it('names a stage that ran but kept everything', () => {
		// min-p 0.0001 over five close tokens keeps them all.
		const t = trace([3, 2, 1, 0, -1], { topK: 0, topP: 1, minP: 0.0001, temperature: 1 });
		const { charts, unchanged } = whyCharts(t);
		expect(charts.map((c) => c.name)).toEqual(['raw']);
		expect(unchanged.find((s) => s.name === 'min-p')?.reason).toBe('kept');
		expect(unchangedLine(unchanged)).toMatch(/; min-p \(kept every candidate as it was\)\.$/);
		expect(unchangedLine([])).toBeNull();
		expect(
			unchangedLine([{ key: '0-top-p', name: 'top-p', reason: 'off', note: null }], {
				'top-p': 'top-p'
			})
		).toBe('No change: top-p (its setting turns it off).');
	});

	it('says temperature was skipped because dynamic temperature applied it', () => {
		const order = [
			...DEFAULT_SAMPLING_PARAMS.order,
			'dynamic-temperature'
		] as SamplingParams['order'];
		const t = trace([3, 2, 1, 0, -1], {
			order,
			topK: 0,
			topP: 1,
			minP: 0,
			temperature: 0.8,
			dynatempRange: 0.3
		});
		const { charts, unchanged } = whyCharts(t);
		expect(charts.map((c) => c.name)).toContain('dynamic-temperature');
		const temperature = unchanged.find((s) => s.name === 'temperature');
		expect(temperature?.reason).toBe('off');
		expect(temperature?.note).toMatch(/defers to dynamic temperature, which applies/);
		// Without dynamic temperature on, a skipped temperature needs no note.
		const plain = whyCharts(trace([3, 2, 1], { temperature: 1, topK: 0, topP: 1, minP: 0 }));
		expect(plain.unchanged.find((s) => s.name === 'temperature')?.note).toBeNull();
	});

	it('a mass too small to show in two decimals still says something was removed', () => {
		const t = trace([12, 0, -1], { topK: 1, topP: 1, minP: 0, temperature: 1 });
		const topK = whyCharts(t).charts.find((c) => c.name === 'top-k')!;
		expect(topK.massRemoved).toBeGreaterThan(0);
		expect(removalSummary(topK)).toBe('removed < 0.01 of the mass, 2 tokens');
	});

	it('lays the final survivors on the cumulative bar, u in the picked segment', () => {
		const t = trace([2, 1.5, 1, 0.5, 0], { topK: 3, topP: 1, minP: 0, temperature: 1 });
		const segments = cumulativeSegments(t);
		expect(segments).toHaveLength(3);
		expect(segments.at(-1)!.to).toBeCloseTo(1, 9);
		expect(segments.filter((s) => s.hit).map((s) => s.id)).toEqual([t.chosenId]);
		const hit = segments.find((s) => s.hit)!;
		expect(t.u!).toBeGreaterThanOrEqual(hit.from);
		expect(t.u!).toBeLessThan(hit.to);
		// The same numbers as the draw table's intervals.
		expect(segments.map((s) => [s.id, s.from, s.to])).toEqual(
			drawRows(t)
				.filter((r) => r.interval)
				.map((r) => [r.id, r.interval!.from, r.interval!.to])
		);
	});

	it('the raw bar keeps the untraced mass as its own segment', () => {
		const sampler = createSampler(
			{ ...DEFAULT_SAMPLING_PARAMS, seed: 4, topK: 0, topP: 1, minP: 0, temperature: 1 },
			{ vocabSize: 5, trace: { topN: 2 } }
		);
		sampler.sample(Float32Array.from([2, 1.5, 1, 0.5, 0]), []);
		const t = sampler.lastTrace!;
		const raw = cumulativeSegments(t, true);
		expect(raw.at(-1)!.id).toBeNull();
		expect(raw.at(-1)!.to).toBe(1);
		expect(raw.filter((s) => s.hit)).toHaveLength(1);
	});

	it('greedy takes no draw: the picked segment is the chosen token', () => {
		const t = trace([0.1, 0.3, 0.2], { topK: 3, temperature: 0 });
		expect(t.u).toBeNull();
		const segments = cumulativeSegments(t);
		expect(segments).toEqual([{ id: 1, from: 0, to: 1, hit: true }]);
		expect(cumulativeSegments(t, true).some((s) => s.hit)).toBe(false);
	});
});
