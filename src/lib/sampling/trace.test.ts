import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from './params';
import { createSampler } from './sampler';
import { topIds } from './trace';

function traced(logits: number[], overrides: Partial<SamplingParams>, history: number[] = []) {
	const params = { ...DEFAULT_SAMPLING_PARAMS, seed: 11, topK: 0, ...overrides };
	const sampler = createSampler(params, {
		vocabSize: logits.length,
		trace: { topN: logits.length }
	});
	const id = sampler.sample(Float32Array.from(logits), history);
	return { id, trace: sampler.lastTrace! };
}

const logits = Array.from({ length: 30 }, (_, i) => Math.cos(i * 1.7) * 4);

describe('step trace', () => {
	it('records every stage in chain order with survivors, removed mass and entropy', () => {
		const { id, trace } = traced(
			logits,
			{ topK: 10, topP: 0.8, minP: 0.05, repeatPenalty: 1.3 },
			[0, 1, 2]
		);
		expect(trace.stages.map((s) => s.name)).toEqual(DEFAULT_SAMPLING_PARAMS.order);
		expect(trace.stages.map((s) => s.skipped)).toEqual([
			true,
			false,
			true,
			false,
			false,
			false,
			false
		]);
		const topK = trace.stages[4];
		expect(topK.survivors).toBe(10);
		expect(topK.massRemoved).toBeGreaterThan(0);
		expect(trace.stages[1].massRemoved).toBe(0);
		expect(trace.chosenId).toBe(id);
		expect(trace.u).toBeGreaterThanOrEqual(0);
		expect(trace.u).toBeLessThan(1);
		expect(trace.entropyAfter).toBeLessThan(trace.entropyBefore);
		expect(trace.candidates.find((c) => c.id === id)!.removedBy).toBeNull();
	});

	it('probabilities after every stage sum to 1 and removed tokens name their stage', () => {
		const { trace } = traced(logits, { topK: 12, topP: 0.7, minP: 0.1, temperature: 1.4 });
		trace.stages.forEach((stage, s) => {
			const present = trace.candidates.map((c) => c.probabilities[s]).filter((p) => p !== null);
			expect(present).toHaveLength(stage.survivors);
			expect(present.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
		});
		const raw = trace.candidates.reduce((sum, c) => sum + c.rawProbability, 0);
		expect(raw).toBeCloseTo(1, 6);
		for (const c of trace.candidates) {
			const firstNull = c.probabilities.indexOf(null);
			expect(c.removedBy).toBe(firstNull === -1 ? null : trace.stages[firstNull].name);
		}
	});

	it('measures removed mass against the distribution entering the stage', () => {
		const probs = [0.5, 0.3, 0.15, 0.05];
		const { trace } = traced(probs.map(Math.log), { order: ['top-p'], topP: 0.75 });
		expect(trace.stages[0].survivors).toBe(2);
		expect(trace.stages[0].massRemoved).toBeCloseTo(0.2, 7);
		expect(trace.chosenProbability).toBeCloseTo(trace.chosenId === 0 ? 0.625 : 0.375, 7);
		expect(trace.entropyBefore).toBeCloseTo(-probs.reduce((h, p) => h + p * Math.log(p), 0), 7);
	});

	it('greedy decoding records no draw', () => {
		const { id, trace } = traced(logits, { temperature: 0 });
		expect(trace.u).toBeNull();
		expect(trace.stages[3]).toMatchObject({ name: 'temperature', survivors: 1 });
		expect(trace.chosenProbability).toBe(1);
		expect(trace.entropyAfter).toBe(0);
		expect(id).toBe(logits.indexOf(Math.max(...logits)));
	});

	it('follows the chosen token even when it ranked below the top N', () => {
		const vocab = Array.from({ length: 200 }, () => 0);
		const params = { ...DEFAULT_SAMPLING_PARAMS, seed: 5, topK: 0, topP: 1, minP: 0 };
		const sampler = createSampler(params, { vocabSize: 200, trace: { topN: 3 } });
		const id = sampler.sample(Float32Array.from(vocab), []);
		const trace = sampler.lastTrace!;
		expect(id).toBeGreaterThan(2);
		expect(trace.candidates.map((c) => c.id)).toEqual([0, 1, 2, id]);
		expect(trace.candidates[3].probabilities.every((p) => p !== null)).toBe(true);
	});

	it('a chosen token below the top N gets the same figures as when every token is followed', () => {
		// Flat enough that the draw lands below the top 3; stages that reshape and that remove.
		const values = Array.from({ length: 300 }, (_, i) => Math.cos(i * 0.37) * 0.5);
		const params = { ...DEFAULT_SAMPLING_PARAMS, seed: 3, topK: 120, repeatPenalty: 1.3 };
		const history = [4, 9, 9, 250];
		const run = (topN: number) => {
			const sampler = createSampler(params, { vocabSize: values.length, trace: { topN } });
			const id = sampler.sample(Float32Array.from(values), history);
			return { id, trace: sampler.lastTrace! };
		};
		const few = run(3);
		const all = run(values.length);
		expect(few.id).toBe(all.id);
		expect(few.trace.candidates.map((c) => c.id)).toEqual([
			...all.trace.candidates.slice(0, 3).map((c) => c.id),
			few.id
		]);
		expect(few.trace.stages).toEqual(all.trace.stages);
		expect(few.trace.candidates[3]).toEqual(all.trace.candidates.find((c) => c.id === few.id));
		expect(few.trace.chosenProbability).toBe(all.trace.chosenProbability);
	});

	it('tracing does not change which tokens are picked', () => {
		const steps = Array.from({ length: 20 }, (_, s) =>
			Float32Array.from(logits, (l, i) => l + Math.sin(s * i))
		);
		const pick = (trace: boolean) => {
			const sampler = createSampler(
				{ ...DEFAULT_SAMPLING_PARAMS, seed: 9, topK: 20, repeatPenalty: 1.2 },
				{ vocabSize: logits.length, trace }
			);
			const history: number[] = [];
			for (const step of steps) history.push(sampler.sample(step, history));
			return history;
		};
		expect(pick(true)).toEqual(pick(false));
	});
});

describe('topIds', () => {
	it('gives the n best ids in rank order, ties by lower id, as a full sort does', () => {
		const values = Float32Array.from({ length: 5000 }, (_, i) =>
			i % 7 === 0 ? -Infinity : Math.round(Math.sin(i * 12.9898) * 40) / 4
		);
		const sorted = [...values.keys()].sort((a, b) => values[b] - values[a] || a - b);
		for (const n of [0, 1, 20, 64, 5000]) expect(topIds(values, n)).toEqual(sorted.slice(0, n));
	});

	it('keeps a stage’s own detail, measured before it acts, for the tokens the trace follows', () => {
		const params = {
			...DEFAULT_SAMPLING_PARAMS,
			seed: 3,
			temperature: 2,
			topK: 0,
			topP: 1,
			minP: 0,
			topNSigma: 2,
			order: [...DEFAULT_SAMPLING_PARAMS.order, 'top-n-sigma' as const]
		};
		// Following only the best 2, the draw often picks another token: the chain runs again.
		const sampler = createSampler(params, { vocabSize: logits.length, trace: { topN: 2 } });
		let untracked = 0;
		for (let step = 0; step < 40; step++) {
			sampler.sample(Float32Array.from(logits), []);
			const trace = sampler.lastTrace!;
			if (trace.candidates.length > 2) untracked++;
			const sigma = trace.stages.find((s) => s.name === 'top-n-sigma')!;
			const detail = sigma.detail!;
			expect(detail.measure?.values).toHaveLength(trace.candidates.length);
			// Temperature 2 ran first: the measure shows the logits the stage saw.
			trace.candidates.forEach((c, i) =>
				expect(detail.measure?.values[i]).toBeCloseTo(c.logit / 2, 5)
			);
			expect(trace.stages.filter((s) => s.detail)).toHaveLength(1);
		}
		expect(untracked).toBeGreaterThan(0);
	});
});
