import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from './params';
import { ReferenceSampler } from './reference';
import { DistributionError, createSampler } from './sampler';
import { historyArbitrary, logitsArbitrary, paramsArbitrary } from './testing/arbitraries';
import { rankOrder } from './testing/stage-harness';

function params(overrides: Partial<SamplingParams> = {}): SamplingParams {
	return { ...DEFAULT_SAMPLING_PARAMS, order: [...DEFAULT_SAMPLING_PARAMS.order], ...overrides };
}

/** Samples one token per distribution, feeding each choice back into the history. */
function run(
	sample: (logits: Float32Array, history: number[]) => number,
	steps: Float32Array[],
	prompt: number[]
): number[] {
	const history = [...prompt];
	const out: number[] = [];
	for (const logits of steps) {
		const id = sample(logits, history);
		out.push(id);
		history.push(id);
	}
	return out;
}

const caseArbitrary = (vocabSizes: fc.Arbitrary<number>) =>
	vocabSizes.chain((vocabSize) =>
		fc.record({
			vocabSize: fc.constant(vocabSize),
			params: paramsArbitrary(vocabSize),
			steps: fc.array(logitsArbitrary(vocabSize), { minLength: 1, maxLength: 4 }),
			prompt: historyArbitrary(vocabSize)
		})
	);

describe('Sampler', () => {
	it('picks the same tokens as the full-sort reference for any parameters, order and logits', () => {
		fc.assert(
			fc.property(caseArbitrary(fc.integer({ min: 1, max: 48 })), (c) => {
				const fast = createSampler(c.params, { vocabSize: c.vocabSize });
				const reference = new ReferenceSampler(c.params, c.vocabSize);
				expect(run((l, h) => fast.sample(l, h), c.steps, c.prompt)).toEqual(
					run((l, h) => reference.sample(l, h), c.steps, c.prompt)
				);
			}),
			{ numRuns: 400 }
		);
	});

	it('agrees with the reference on vocabularies that need several ranking passes', () => {
		fc.assert(
			fc.property(caseArbitrary(fc.integer({ min: 65, max: 3000 })), (c) => {
				const fast = createSampler(c.params, { vocabSize: c.vocabSize });
				const reference = new ReferenceSampler(c.params, c.vocabSize);
				expect(run((l, h) => fast.sample(l, h), c.steps, c.prompt)).toEqual(
					run((l, h) => reference.sample(l, h), c.steps, c.prompt)
				);
			}),
			{ numRuns: 60 }
		);
	});

	it('agrees with the reference on flat distributions drawn without truncation', () => {
		const vocabSize = 20_000;
		const flat = Float32Array.from({ length: vocabSize }, (_, i) => Math.cos(i) * 0.01);
		for (const seed of [1, 2, 3, 4, 5]) {
			const p = params({ seed, topK: 0, topP: 1, minP: 0, temperature: 1 });
			const fast = createSampler(p, { vocabSize });
			const reference = new ReferenceSampler(p, vocabSize);
			expect(fast.sample(flat, [])).toBe(reference.sample(flat, []));
		}
	});

	it('temperature 0 and top-k 1 both give the argmax', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 64 }).chain((v) => logitsArbitrary(v)),
				fc.integer({ min: 0, max: 0xffffffff }),
				(logits, seed) => {
					const argmax = rankOrder(logits)[0];
					const order: SamplingParams['order'] = ['temperature', 'top-k'];
					const greedy = createSampler(params({ seed, order, temperature: 0, topK: 0 }), {
						vocabSize: logits.length
					});
					const topOne = createSampler(params({ seed, order, temperature: 1.5, topK: 1 }), {
						vocabSize: logits.length
					});
					expect(greedy.sample(logits, [])).toBe(argmax);
					expect(topOne.sample(logits, [])).toBe(argmax);
				}
			)
		);
	});

	it('repeats a run exactly for the same seed, and another seed gives another run', () => {
		const vocabSize = 1000;
		const steps = Array.from({ length: 30 }, (_, s) =>
			Float32Array.from({ length: vocabSize }, (_, i) => Math.sin(i * 0.37 + s) * 3)
		);
		const sampleWith = (seed: number) => {
			const sampler = createSampler(params({ seed, temperature: 1.2, topK: 0, topP: 1, minP: 0 }), {
				vocabSize
			});
			return run((l, h) => sampler.sample(l, h), steps, []);
		};
		expect(sampleWith(7)).toEqual(sampleWith(7));
		expect(sampleWith(7)).not.toEqual(sampleWith(8));
	});

	it('draws a random seed once, reports it, and that seed repeats the run', () => {
		const logits = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
		const random = createSampler(params({ seed: null, topK: 0 }), { vocabSize: 50 });
		expect(Number.isInteger(random.seed)).toBe(true);
		const first = run((l, h) => random.sample(l, h), [logits, logits, logits], []);
		const again = createSampler(params({ seed: random.seed, topK: 0 }), { vocabSize: 50 });
		expect(run((l, h) => again.sample(l, h), [logits, logits, logits], [])).toEqual(first);
	});

	it('restart() replays the same stream', () => {
		const logits = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
		const sampler = createSampler(params({ seed: 3, topK: 0 }), { vocabSize: 50 });
		const first = run((l, h) => sampler.sample(l, h), [logits, logits, logits], []);
		sampler.restart();
		expect(run((l, h) => sampler.sample(l, h), [logits, logits, logits], [])).toEqual(first);
	});

	it('resume() from a checkpoint continues exactly as the uninterrupted run', () => {
		const logits = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
		const whole = createSampler(params({ seed: 11, topK: 0 }), { vocabSize: 50 });
		const expected = run((l, h) => whole.sample(l, h), [logits, logits, logits, logits], []);

		const first = createSampler(params({ seed: 11, topK: 0 }), { vocabSize: 50 });
		const head = run((l, h) => first.sample(l, h), [logits, logits], []);
		const resumed = createSampler(params({ seed: 11, topK: 0 }), { vocabSize: 50 });
		resumed.resume(first.checkpoint());
		const tail = run((l, h) => resumed.sample(l, h), [logits, logits], head);
		expect([...head, ...tail]).toEqual(expected);
		expect(resumed.steps).toBe(4);
	});

	it('changes results when the order of non-commuting stages changes', () => {
		// min-p after temperature 2 sees a flatter distribution and keeps more tokens.
		const logits = Float32Array.from([0, -1, -2, -3, -4]);
		const survivors = (order: SamplingParams['order']) => {
			const s = createSampler(params({ order, temperature: 2, minP: 0.3, seed: 1, topK: 0 }), {
				vocabSize: 5,
				trace: true
			});
			s.sample(logits, []);
			return s.lastTrace!.stages.find((stage) => stage.name === 'min-p')!.survivors;
		};
		expect(survivors(['min-p', 'temperature'])).toBe(2);
		expect(survivors(['temperature', 'min-p'])).toBe(3);
	});

	it('gives the same tokens when commuting stages (top-k, min-p) swap places', () => {
		fc.assert(
			fc.property(caseArbitrary(fc.integer({ min: 1, max: 200 })), (c) => {
				const a = createSampler(
					{ ...c.params, order: ['top-k', 'min-p'] },
					{ vocabSize: c.vocabSize }
				);
				const b = createSampler(
					{ ...c.params, order: ['min-p', 'top-k'] },
					{ vocabSize: c.vocabSize }
				);
				expect(run((l, h) => a.sample(l, h), c.steps, c.prompt)).toEqual(
					run((l, h) => b.sample(l, h), c.steps, c.prompt)
				);
			})
		);
	});

	it('rejects bad parameters before sampling', () => {
		expect(() => createSampler(params({ temperature: NaN }), { vocabSize: 10 })).toThrow(
			/temperature/
		);
		expect(() => createSampler(params({ topK: 11 }), { vocabSize: 10 })).toThrow(
			'topK must be an integer in [0, 10]; got 11'
		);
	});

	it('names the step and token when the engine hands over NaN or +Infinity', () => {
		const sampler = createSampler(params({ seed: 1, topK: 0 }), { vocabSize: 4 });
		sampler.sample(Float32Array.from([1, 2, 3, 4]), []);
		const bad = Float32Array.from([1, NaN, 3, 4]);
		expect(() => sampler.sample(bad, [])).toThrow('Step 1: the engine returned NaN for token 1');
		try {
			sampler.sample(Float32Array.from([1, 2, Infinity, 4]), []);
		} catch (error) {
			expect(error).toBeInstanceOf(DistributionError);
			expect((error as DistributionError).index).toBe(2);
		}
		expect(() => sampler.sample(Float32Array.from([1, 2, 3]), [])).toThrow(/3 values/);
		const banned = Float32Array.from([-Infinity, -Infinity, -Infinity, -Infinity]);
		expect(() => sampler.sample(banned, [])).toThrow(/every token/);
	});

	it('rejects context token ids outside the vocabulary when penalties need them', () => {
		const sampler = createSampler(params({ repeatPenalty: 1.3, topK: 0 }), { vocabSize: 4 });
		expect(() => sampler.sample(Float32Array.from([1, 2, 3, 4]), [0, 9])).toThrow(
			/position 1 is 9/
		);
	});
});
