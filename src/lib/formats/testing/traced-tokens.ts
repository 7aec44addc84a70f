import type { TokenRecord } from '#lib/core/session';
import {
	DEFAULT_SAMPLING_PARAMS,
	DEFAULT_TRACE_TOP_N,
	Xoshiro128StarStar,
	createSampler,
	type SamplingParams
} from '#lib/sampling';

/**
 * Test data: tokens with real sampler traces (default 20 tracked candidates, the 7 stages), drawn
 * from deterministic logits shaped like a language model's (a broad bulk, a few favourites).
 */
export function tracedTokens(
	count: number,
	overrides: Partial<SamplingParams> = {},
	vocabSize = 32_000
): TokenRecord[] {
	const params: SamplingParams = {
		...DEFAULT_SAMPLING_PARAMS,
		order: [...DEFAULT_SAMPLING_PARAMS.order],
		logitBias: {},
		temperature: 0.8,
		repeatPenalty: 1.1,
		seed: 42,
		...overrides
	};
	const sampler = createSampler(params, { vocabSize, trace: { topN: DEFAULT_TRACE_TOP_N } });
	const rng = Xoshiro128StarStar.fromSeed(7);
	const logits = new Float32Array(vocabSize);
	const history: number[] = [];
	const tokens: TokenRecord[] = [];
	for (let step = 0; step < count; step++) {
		for (let i = 0; i < vocabSize; i++) {
			const radius = Math.sqrt(-2 * Math.log(1 - rng.nextFloat()));
			logits[i] = 2.5 * radius * Math.cos(2 * Math.PI * rng.nextFloat());
		}
		for (let favourite = 0; favourite < 8; favourite++) {
			logits[rng.nextUint32() % vocabSize] += 12 - favourite;
		}
		const id = sampler.sample(logits, history);
		history.push(id);
		tokens.push({ id, piece: ` w${id}`, trace: sampler.lastTrace! });
	}
	return tokens;
}
