import { Xoshiro128StarStar } from '../src/lib/sampling/rng';

/**
 * Deterministic logits shaped like a language model's: a broad normal bulk (σ 2.5) with a few
 * clear favourites on top, so truncation stages keep a realistic handful of tokens.
 */
export function syntheticLogits(vocabSize: number, seed: number): Float32Array {
	const rng = Xoshiro128StarStar.fromSeed(seed);
	const logits = new Float32Array(vocabSize);
	for (let i = 0; i < vocabSize; i++) {
		// Box–Muller; 1 − u keeps the logarithm's argument above 0.
		const radius = Math.sqrt(-2 * Math.log(1 - rng.nextFloat()));
		logits[i] = 2.5 * radius * Math.cos(2 * Math.PI * rng.nextFloat());
	}
	for (let favourite = 0; favourite < 8; favourite++) {
		logits[rng.nextUint32() % vocabSize] += 12 - favourite;
	}
	return logits;
}
