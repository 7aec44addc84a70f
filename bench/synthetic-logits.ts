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

/**
 * A deterministic context of `length` token ids shaped like text: common tokens far more often
 * than rare ones (ids spread log-uniformly, so low ids dominate), and phrases that come back
 * again and again, the last one at the very end, so stages that look for repeats in the history
 * (penalties, DRY, n-gram bans) find some, as they would in a real conversation.
 */
export function syntheticHistory(length: number, vocabSize: number, seed: number): number[] {
	const rng = Xoshiro128StarStar.fromSeed(seed);
	const token = () => Math.min(vocabSize - 1, Math.floor(Math.pow(vocabSize, rng.nextFloat())) - 1);
	const phrases = Array.from({ length: 48 }, () =>
		Array.from({ length: 4 + (rng.nextUint32() % 9) }, token)
	);
	const history: number[] = [];
	let lastPhrase = phrases[0];
	while (history.length < length) {
		if (rng.nextFloat() < 0.3) {
			lastPhrase = phrases[rng.nextUint32() % phrases.length];
			history.push(...lastPhrase);
		} else {
			history.push(token());
		}
	}
	// End on a phrase seen before, so a repeat is in progress at the step being sampled.
	return [...history.slice(0, length - lastPhrase.length + 1), ...lastPhrase.slice(0, -1)];
}
