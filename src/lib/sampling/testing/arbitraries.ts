import fc from 'fast-check';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '../params';
import { STAGE_NAMES, type StageName } from '../stages/registry';

/** Logit values with plenty of ties, zeros and banned (−Infinity) tokens, as engines produce. */
const logitValue = fc.oneof(
	{ weight: 6, arbitrary: fc.float({ min: -30, max: 30, noNaN: true, noDefaultInfinity: true }) },
	{ weight: 2, arbitrary: fc.integer({ min: -4, max: 4 }) },
	{ weight: 1, arbitrary: fc.constant(-Infinity) }
);

/** A next-token distribution of the given size with at least one finite value. */
export function logitsArbitrary(vocabSize: number): fc.Arbitrary<Float32Array> {
	return fc
		.tuple(
			fc.array(logitValue, { minLength: vocabSize, maxLength: vocabSize }),
			fc.integer({ min: 0, max: vocabSize - 1 }),
			fc.float({ min: -5, max: 5, noNaN: true })
		)
		.map(([values, finiteAt, finite]) => {
			const logits = Float32Array.from(values);
			if (!logits.some((x) => x > -Infinity)) logits[finiteAt] = finite;
			return logits;
		});
}

/** Valid parameters, in every stage order, for a model of the given vocabulary size. */
export function paramsArbitrary(vocabSize: number): fc.Arbitrary<SamplingParams> {
	return fc.record({
		temperature: fc.oneof(
			fc.constantFrom(0, 1, 0.8),
			fc.double({ min: 0.05, max: 2, noNaN: true })
		),
		topK: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: vocabSize })),
		topP: fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 1, noNaN: true })),
		minP: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.99, noNaN: true })),
		topA: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
		epsilonCutoff: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.3, noNaN: true })),
		etaCutoff: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.3, noNaN: true })),
		topNSigma: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 4, noNaN: true })),
		typicalP: fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 1, noNaN: true })),
		tfsZ: fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 1, noNaN: true })),
		dynatempRange: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 2, noNaN: true })),
		dynatempExponent: fc.oneof(fc.constant(1), fc.double({ min: 0.1, max: 4, noNaN: true })),
		smoothingFactor: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 3, noNaN: true })),
		smoothingCurve: fc.oneof(fc.constant(1), fc.double({ min: 1, max: 10, noNaN: true })),
		noRepeatNgramSize: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })),
		mirostatMode: fc.constantFrom(0, 1, 2),
		mirostatTau: fc.oneof(fc.constant(5), fc.double({ min: 0, max: 12, noNaN: true })),
		mirostatEta: fc.oneof(fc.constant(0.1), fc.double({ min: 0, max: 1, noNaN: true })),
		mirostatM: fc.oneof(fc.constant(100), fc.integer({ min: 2, max: 12 })),
		xtcProbability: fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })),
		xtcThreshold: fc.oneof(
			fc.constantFrom(0.1, 0.5),
			fc.double({ min: 0.001, max: 0.6, noNaN: true })
		),
		dryMultiplier: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 3, noNaN: true })),
		dryBase: fc.oneof(fc.constant(1.75), fc.double({ min: 1.01, max: 4, noNaN: true })),
		dryAllowedLength: fc.integer({ min: 1, max: 4 }),
		dryPenaltyLastN: fc.constantFrom(-1, 0, 1, 3, 8, 64),
		drySequenceBreakers: fc.constantFrom<string[]>([], ['\n', ':', '"', '*'], ['a']),
		repeatPenalty: fc.oneof(fc.constant(1), fc.double({ min: 1, max: 2, noNaN: true })),
		repeatLastN: fc.constantFrom(-1, 0, 1, 4, 64),
		frequencyPenalty: fc.oneof(fc.constant(0), fc.double({ min: -2, max: 2, noNaN: true })),
		presencePenalty: fc.oneof(fc.constant(0), fc.double({ min: -2, max: 2, noNaN: true })),
		logitBias: fc.dictionary(
			fc.integer({ min: 0, max: vocabSize - 1 }).map(String),
			fc.double({ min: -100, max: 100, noNaN: true }),
			{ maxKeys: 3 }
		),
		seed: fc.integer({ min: 0, max: 0xffffffff }),
		order: fc.oneof(
			fc.constant<StageName[]>([...DEFAULT_SAMPLING_PARAMS.order]),
			fc.shuffledSubarray<StageName>([...STAGE_NAMES])
		)
	});
}

/** Context token ids of a vocabulary of the given size. */
export function historyArbitrary(vocabSize: number): fc.Arbitrary<number[]> {
	return fc.array(fc.integer({ min: 0, max: vocabSize - 1 }), { maxLength: 80 });
}
