import fc from 'fast-check';
import { expect } from 'vitest';
import type { SamplingParams } from '../params';
import { ReferenceSampler } from '../reference';
import { createSampler } from '../sampler';
import { STAGE_NAMES, type StageName } from '../stages/registry';
import { historyArbitrary, logitsArbitrary, paramsArbitrary } from './arbitraries';

/**
 * Test helper: the property every stage owes the full-sort reference. On random vocabularies,
 * parameters, histories and chain orders that run `stages` (each set by `values`), the fast
 * sampler picks what the reference picks at every step, and a traced sampler (which explains
 * each stage and may run the chain twice) picks the same too.
 */
export function expectAgreementWithReference(
	stages: readonly StageName[],
	values: fc.Arbitrary<Partial<SamplingParams>>,
	options: { maxVocab?: number; maxSteps?: number; numRuns?: number } = {}
): void {
	const { maxVocab = 300, maxSteps = 3, numRuns = 300 } = options;
	const cases = fc.integer({ min: 1, max: maxVocab }).chain((vocabSize) =>
		fc.record({
			vocabSize: fc.constant(vocabSize),
			params: paramsArbitrary(vocabSize),
			values,
			order: fc.shuffledSubarray([...STAGE_NAMES], { minLength: 1 }),
			// Where in the chain a stage the shuffled order left out goes.
			at: fc.nat(),
			steps: fc.array(logitsArbitrary(vocabSize), { minLength: 1, maxLength: maxSteps }),
			history: historyArbitrary(vocabSize)
		})
	);
	fc.assert(
		fc.property(cases, (c) => {
			const order = [...c.order];
			for (const name of stages) {
				if (!order.includes(name)) order.splice(c.at % (order.length + 1), 0, name);
			}
			const params = { ...c.params, ...c.values, order };
			const fast = createSampler(params, { vocabSize: c.vocabSize });
			const traced = createSampler(params, { vocabSize: c.vocabSize, trace: { topN: 2 } });
			const reference = new ReferenceSampler(params, c.vocabSize);
			const history = [...c.history];
			for (const logits of c.steps) {
				const id = fast.sample(logits, history);
				expect(reference.sample(logits, history)).toBe(id);
				expect(traced.sample(logits, history)).toBe(id);
				history.push(id);
			}
		}),
		{ numRuns }
	);
}
