import fc from 'fast-check';
import { expectAgreementWithReference } from '../testing/reference-agreement';
import { describe, expect, it } from 'vitest';
import { labelInSentence } from '../stage';
import { DEFAULT_ORDER, stageDefinition, type StageName } from './registry';
import { logitsArbitrary, paramsArbitrary } from '../testing/arbitraries';
import { Xoshiro128StarStar } from '../rng';
import { createSampler } from '../sampler';
import { explainStage, members, rankOrder, runStage, softmax } from '../testing/stage-harness';
import { DEFAULT_SAMPLING_PARAMS, stageValues, type SamplingParams } from '../params';
import { Candidates } from '../candidates';
import { weightOf } from '../weights';
import { logRatioOfProbability, massOf } from './mass';
import { topChoices } from './xtc';

/** XTC: hand-computed cases, llama.cpp's published ones, its invariants and its seeded draw. */

const probs = [0.4, 0.3, 0.2, 0.1];
const l = probs.map(Math.log);

function xtc(logits: number[], probability: number, threshold: number, u = 0): number[] {
	return members(
		runStage('xtc', logits, { xtcProbability: probability, xtcThreshold: threshold }, [], [u])
	);
}

describe('XTC', () => {
	// llama.cpp's tests/test-sampling.cpp: probability 0.99 (its draw then rarely matters; ours is
	// fixed below it), expected survivors of {0.4, 0.3, 0.2, 0.1} at each threshold.
	it('gives llama.cpp’s published survivors', () => {
		expect(xtc(l, 0.99, 0.09)).toEqual([3]);
		expect(xtc(l, 0.99, 0.19)).toEqual([2, 3]);
		expect(xtc(l, 0.99, 0.29)).toEqual([1, 2, 3]);
		// Only one token at 0.39: nothing to exclude.
		expect(xtc(l, 0.99, 0.39)).toEqual([0, 1, 2, 3]);
	});

	it('leaves the survivors in their proportions (0.2 and 0.1 become 2/3 and 1/3)', () => {
		const kept = xtc(l, 1, 0.19);
		const p = softmax(l, kept);
		expect(p.get(2)).toBeCloseTo(2 / 3, 12);
		expect(p.get(3)).toBeCloseTo(1 / 3, 12);
	});

	it('fires when the draw is below the probability, never at or above it', () => {
		expect(xtc(l, 0.5, 0.19, 0.4999)).toEqual([2, 3]);
		expect(xtc(l, 0.5, 0.19, 0.5)).toEqual([0, 1, 2, 3]);
		expect(xtc(l, 0.5, 0.19, 0.9)).toEqual([0, 1, 2, 3]);
		// Probability 1 fires on every draw in [0, 1).
		expect(xtc(l, 1, 0.19, 1 - 2 ** -32)).toEqual([2, 3]);
	});

	it('measures p over the current members, not the raw distribution', () => {
		// Of tokens 0..2 alone (top-k 3 before it): 4/9, 3/9, 2/9; threshold 0.32 catches two.
		const c = runStage('top-k', l, { topK: 3 });
		const logits = Array.from({ length: 4 }, (_, id) =>
			members(c).includes(id) ? l[id] : -Infinity
		);
		expect(xtc(logits, 1, 0.32)).toEqual([1, 2, 3]);
		expect(xtc(l, 1, 0.32)).toEqual([0, 1, 2, 3]);
	});

	it('keeps the last of tied top choices in rank order (the higher id)', () => {
		const tied = [0.3, 0.3, 0.3, 0.1].map(Math.log);
		expect(xtc(tied, 1, 0.25)).toEqual([2, 3]);
		const tiedLast = [0.35, 0.25, 0.25, 0.15].map(Math.log);
		expect(xtc(tiedLast, 1, 0.2)).toEqual([2, 3]);
	});

	it('is neutral at probability 0 or threshold above 0.5, and off by default', () => {
		const definition = stageDefinition('xtc');
		const values = (p: Partial<SamplingParams>) =>
			stageValues({ ...DEFAULT_SAMPLING_PARAMS, ...p });
		const shared = { logitBias: {} };
		expect(definition.isNeutral(values({}), shared)).toBe(true);
		expect(definition.isNeutral(values({ xtcProbability: 0.5 }), shared)).toBe(false);
		expect(definition.isNeutral(values({ xtcProbability: 0.5, xtcThreshold: 0.5 }), shared)).toBe(
			false
		);
		expect(definition.isNeutral(values({ xtcProbability: 1, xtcThreshold: 0.51 }), shared)).toBe(
			true
		);
		expect(DEFAULT_SAMPLING_PARAMS.xtcProbability).toBe(0);
		expect(DEFAULT_SAMPLING_PARAMS.xtcThreshold).toBe(0.1);
		expect(DEFAULT_ORDER).not.toContain('xtc');
		expect(definition.draws).toBe(1);
		// Mid-sentence (native modes, the why panel) it stays "XTC"; other labels read in lower case.
		expect(labelInSentence(definition.label)).toBe('XTC');
		expect(labelInSentence('Top-p (nucleus)')).toBe('top-p (nucleus)');
	});

	it('on random logits keeps the tokens below the threshold and the least likely one at it', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 200 }).chain((v) => logitsArbitrary(v)),
				fc.double({ min: 0.001, max: 0.5, noNaN: true }),
				(logits, threshold) => {
					const kept = xtc(Array.from(logits), 1, threshold);
					expect(kept.length).toBeGreaterThanOrEqual(1);
					const survivors = [...softmax(logits, kept).values()];
					expect(survivors.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
					const p = softmax(logits);
					const ranked = rankOrder(logits);
					// Skip cases with a token within rounding of the threshold.
					if (ranked.some((id) => Math.abs(p.get(id)! - threshold) < 1e-6)) return;
					const top = ranked.filter((id) => p.get(id)! >= threshold);
					const expected =
						top.length >= 2 ? ranked.filter((id) => !top.slice(0, -1).includes(id)) : ranked;
					expect(new Set(kept)).toEqual(new Set(expected));
					// The most likely survivor is below the threshold, or is the one kept at it.
					if (top.length >= 2) expect(rankOrder(logits, kept)[0]).toBe(top[top.length - 1]);
				}
			)
		);
	});

	it('leaves the candidates alone without firing', () => {
		fc.assert(
			fc.property(
				logitsArbitrary(50),
				fc.double({ min: 0.5, max: 0.999, noNaN: true }),
				(logits, u) => {
					expect(xtc(Array.from(logits), 0.5, 0.1, u)).toEqual(
						Array.from({ length: 50 }, (_, i) => i)
					);
				}
			)
		);
	});

	it('decides from bounds on the total weight, summing it only when a token is near the cut', () => {
		const candidates = (logits: number[]) => {
			const c = new Candidates(logits.length);
			c.reset(Float32Array.from(logits));
			return c;
		};
		const clear = topChoices(candidates(l), 0.19);
		expect(clear).toMatchObject({ count: 3, keep: 2, summed: false });
		// 0.100001 is within the bounds' 0.1% of the threshold 0.1: only the exact total decides.
		const near = [0.5, 0.100001, 0.099999, 0.3].map(Math.log);
		expect(topChoices(candidates(near), 0.1)).toMatchObject({ count: 3, keep: 1, summed: true });
		expect(topChoices(candidates(near), 0.1000015)).toMatchObject({
			count: 2,
			keep: 3,
			summed: true
		});
	});

	it('makes the decisions the exact total weight gives, near the cut too', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 2, max: 300 }).chain((v) => logitsArbitrary(v)),
				fc.integer({ min: 0, max: 5 }),
				fc.double({ min: -0.03, max: 0.03, noNaN: true }),
				(logits, k, nudge) => {
					const c = new Candidates(logits.length);
					c.reset(logits);
					// A threshold at (or within 3% of) the k-th best token's probability.
					const { maxLogit, total } = massOf(c, false);
					const ranked = rankOrder(logits);
					const pk = weightOf(logits[ranked[Math.min(k, ranked.length - 1)]], maxLogit) / total;
					const threshold = Math.min(1, Math.max(1e-6, pk * (1 + nudge)));
					const cut = logRatioOfProbability(threshold, total);
					const top = ranked.filter((id) => logits[id] - maxLogit >= cut);
					const found = topChoices(c, threshold);
					if (top.length >= 2 || found.count >= 2) {
						expect(found.count).toBe(top.length);
						expect(found.keep).toBe(top.at(-1));
					} else {
						expect(found.count).toBeLessThanOrEqual(1);
					}
				}
			),
			{ numRuns: 400 }
		);
	});

	it('refuses to run without its draw', () => {
		const stage = stageDefinition('xtc').create(
			stageValues({ ...DEFAULT_SAMPLING_PARAMS, xtcProbability: 1 }),
			{ logitBias: {} }
		);
		expect(() => stage.apply(runStage('top-k', l), { history: [], window: undefined! })).toThrow(
			/draw/
		);
	});
});

const SEED = 1234;

/** The uniform floats the seed's stream yields, in order. */
function stream(seed: number, n: number): number[] {
	const rng = Xoshiro128StarStar.fromSeed(seed);
	return Array.from({ length: n }, () => rng.nextFloat());
}

function withXtc(overrides: Partial<SamplingParams> = {}): SamplingParams {
	return {
		...DEFAULT_SAMPLING_PARAMS,
		xtcProbability: 0.5,
		xtcThreshold: 0.1,
		topK: 0,
		seed: SEED,
		order: [...DEFAULT_ORDER, 'xtc'],
		...overrides
	};
}

/** A fixed distribution where XTC's firing changes the token: 0.4, 0.3, 0.2, then a thin tail. */
const WIDE = Float32Array.from([0.4, 0.3, 0.2, 0.05, 0.05].map(Math.log));

describe('the seeded draws of a random stage', () => {
	it('takes XTC’s draw first, then the final draw, every step: u is the stream’s second float', () => {
		const sampler = createSampler(withXtc(), { vocabSize: 5, trace: true });
		const floats = stream(SEED, 8);
		for (let step = 0; step < 4; step++) {
			sampler.sample(WIDE, []);
			expect(sampler.lastTrace?.u).toBe(floats[2 * step + 1]);
		}
	});

	it('fires exactly when its draw (the step’s first float) is below the probability', () => {
		const sampler = createSampler(withXtc({ topP: 1, minP: 0 }), {
			vocabSize: 5,
			trace: true
		});
		const floats = stream(SEED, 40);
		for (let step = 0; step < 20; step++) {
			const id = sampler.sample(WIDE, []);
			const fired = floats[2 * step] < 0.5;
			const xtcStage = sampler.lastTrace!.stages.find((s) => s.name === 'xtc')!;
			expect(xtcStage.survivors).toBe(fired ? 3 : 5);
			if (fired) expect([2, 3, 4]).toContain(id);
		}
	});

	it('takes no draw when neutral: the stream is exactly the one without XTC', () => {
		const off = createSampler(withXtc({ xtcProbability: 0 }), { vocabSize: 5, trace: true });
		const without = createSampler(withXtc({ order: [...DEFAULT_ORDER] }), {
			vocabSize: 5,
			trace: true
		});
		for (let step = 0; step < 10; step++) {
			expect(off.sample(WIDE, [])).toBe(without.sample(WIDE, []));
			expect(off.lastTrace?.u).toBe(without.lastTrace?.u);
		}
		expect(off.checkpoint()).toEqual(without.checkpoint());
	});

	it('still draws for XTC at temperature 0, where the greedy pick takes no final draw', () => {
		const floats = stream(SEED, 10);
		// XTC before temperature: when it fires the greedy pick is the 0.2 token.
		const greedy = createSampler(
			withXtc({ temperature: 0, order: ['xtc', 'temperature'], xtcThreshold: 0.15 }),
			{ vocabSize: 5, trace: true }
		);
		for (let step = 0; step < 10; step++) {
			const id = greedy.sample(WIDE, []);
			expect(greedy.lastTrace?.u).toBeNull();
			expect(id).toBe(floats[step] < 0.5 ? 2 : 0);
		}
	});

	it('a checkpoint is only the stream’s position: resume and restart repeat the draws', () => {
		const logits = Array.from({ length: 12 }, (_, i) =>
			Float32Array.from({ length: 30 }, (_, id) => Math.sin(id * 1.7 + i) * 3)
		);
		const params = withXtc({ xtcProbability: 0.6, xtcThreshold: 0.05 });
		const whole = createSampler(params, { vocabSize: 30 });
		const tokens = logits.map((d) => whole.sample(d, []));
		const first = createSampler(params, { vocabSize: 30 });
		const head = logits.slice(0, 5).map((d) => first.sample(d, []));
		const resumed = createSampler(params, { vocabSize: 30, trace: true });
		resumed.resume(first.checkpoint());
		const tail = logits.slice(5).map((d) => resumed.sample(d, []));
		expect([...head, ...tail]).toEqual(tokens);
		resumed.restart();
		expect(logits.map((d) => resumed.sample(d, []))).toEqual(tokens);
	});

	it('tracing (which may run the chain twice) changes nothing the run draws', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 2, max: 60 }).chain((vocabSize) =>
					fc.record({
						vocabSize: fc.constant(vocabSize),
						params: paramsArbitrary(vocabSize),
						steps: fc.array(logitsArbitrary(vocabSize), { minLength: 1, maxLength: 4 }),
						topN: fc.integer({ min: 1, max: 3 })
					})
				),
				(c) => {
					const params = {
						...c.params,
						xtcProbability: 0.7,
						order: [...c.params.order.filter((name) => name !== 'xtc'), 'xtc' as StageName]
					};
					const plain = createSampler(params, { vocabSize: c.vocabSize });
					const traced = createSampler(params, { vocabSize: c.vocabSize, trace: { topN: c.topN } });
					for (const logits of c.steps) {
						expect(traced.sample(logits, [])).toBe(plain.sample(logits, []));
					}
					expect(traced.checkpoint()).toEqual(plain.checkpoint());
				}
			),
			{ numRuns: 150 }
		);
	});
});

describe('XTC in a chain', () => {
	it('picks the same tokens as the full-sort reference, switched on, in random orders', () => {
		expectAgreementWithReference(
			['xtc'],
			fc.record({
				xtcProbability: fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 1, noNaN: true })),
				xtcThreshold: fc.double({ min: 0.001, max: 0.5, noNaN: true })
			}),
			{ maxSteps: 4 }
		);
	});
});

describe('XTC explains itself: its draw, each token’s p against the threshold, what it excluded', () => {
	const explain = (u: number, threshold: number, probability = 0.5) =>
		explainStage(
			'xtc',
			l,
			{ xtcProbability: probability, xtcThreshold: threshold },
			undefined,
			[],
			[u]
		);
	const fact = (detail: ReturnType<typeof explain>, key: string) =>
		detail.facts.find((f) => f.key === key)?.value;

	it('when it fires: the tokens excluded, and the kept one’s p as the line it cuts at', () => {
		const detail = explain(0.1, 0.19);
		expect(fact(detail, 'u')).toBe(0.1);
		expect(fact(detail, 'probability')).toBe(0.5);
		expect(fact(detail, 'fired')).toBe(1);
		expect(fact(detail, 'topChoices')).toBe(3);
		expect(fact(detail, 'excluded')).toBe(2);
		detail.measure?.values.forEach((p, i) => expect(p).toBeCloseTo(probs[i], 6));
		expect(detail.measure?.kept).toBe('below');
		expect(detail.measure?.lines[0].value).toBeCloseTo(0.2, 6);
		expect(detail.measure?.lines[1]).toEqual({ label: 'Threshold', value: 0.19 });
		expect(detail.sequences).toEqual([
			{ label: 'Excluded', ids: [0, 1] },
			{ label: 'Kept at the threshold', ids: [2] }
		]);
		expect(detail.note).toMatch(
			/^u = 0\.100 < 0\.5: XTC fired and excluded the 2 tokens with p ≥ 0\.19/
		);
	});

	it('when the draw is at or above the probability: nothing cut, and what it would have done', () => {
		const detail = explain(0.7, 0.19);
		expect(fact(detail, 'fired')).toBe(0);
		expect(fact(detail, 'excluded')).toBe(0);
		expect(detail.measure).toMatchObject({
			kept: 'all',
			lines: [{ label: 'Threshold', value: 0.19 }]
		});
		expect(detail.sequences).toBeUndefined();
		expect(detail.note).toMatch(
			/did not fire this step \(it would have excluded 2 of the 3 tokens/
		);
	});

	it('when it fires with one token at the threshold, or none', () => {
		expect(explain(0.1, 0.39).note).toMatch(/XTC fired, but only one token has p ≥ 0\.39/);
		expect(explain(0.1, 0.45).note).toMatch(/XTC fired, but no token has p ≥ 0\.45/);
		expect(fact(explain(0.1, 0.45), 'topChoices')).toBe(0);
	});

	it('lists at most 20 excluded tokens, the likeliest, and says how many there were', () => {
		const flat = Array.from({ length: 40 }, (_, i) => -i * 0.01);
		const detail = explainStage(
			'xtc',
			flat,
			{ xtcProbability: 1, xtcThreshold: 0.001 },
			[0],
			[],
			[0]
		);
		expect(fact(detail, 'excluded')).toBe(39);
		expect(detail.sequences?.[0].label).toBe('Excluded (the 20 likeliest of 39)');
		expect(detail.sequences?.[0].ids).toEqual(Array.from({ length: 20 }, (_, i) => i));
		expect(detail.sequences?.[1].ids).toEqual([39]);
	});

	it('the trace of a run keeps it, with the draw the step took from the stream', () => {
		const sampler = createSampler(withXtc(), { vocabSize: 5, trace: true });
		const floats = stream(SEED, 8);
		for (let step = 0; step < 4; step++) {
			sampler.sample(WIDE, []);
			const detail = sampler.lastTrace?.stages.find((s) => s.name === 'xtc')?.detail;
			expect(fact(detail!, 'u')).toBe(floats[2 * step]);
			expect(fact(detail!, 'fired')).toBe(floats[2 * step] < 0.5 ? 1 : 0);
		}
	});
});
