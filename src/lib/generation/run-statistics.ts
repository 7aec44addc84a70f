/**
 * How sure the model was over a run, from the distributions the engine returned (no trace
 * needed). Both kinds of engine output (`logits`, `logprobs`) are log-probabilities up to an
 * additive constant, which the log-softmax below removes, so both give the same numbers.
 */

export interface StepStatistics {
	/** Entropy, in nats, of the model's own next-token distribution at temperature 1. */
	entropy: number;
	/** −ln p(token) under that distribution; Infinity for a token of probability 0. */
	surprisal: number;
}

/**
 * Entropy and the chosen token's surprisal for one step. Entries of −Infinity have probability
 * 0 and add nothing; the distribution needs at least one finite entry (the sampler checks that
 * before any token is picked).
 */
export function stepStatistics(distribution: Float32Array, tokenId: number): StepStatistics {
	const max = maxOf(distribution);
	if (!Number.isFinite(max)) {
		throw new RangeError('The distribution needs at least one finite, non-NaN entry');
	}
	// With y = x − max and S = Σ e^y: ln p = y − ln S, so H = ln S − Σ e^y·y / S.
	expSums(distribution, max, sums, FRACTIONS, POWERS);
	const sum = sums[0];
	const weighted = sums[1];
	const logSum = Math.log(sum);
	const chosen = distribution[tokenId] - max;
	return {
		// Rounding can leave −0 or a hair below 0 for a one-hot distribution.
		entropy: Math.max(0, logSum - weighted / sum),
		surprisal: chosen === -Infinity ? Infinity : logSum - chosen
	};
}

function maxOf(distribution: Float32Array): number {
	let max = -Infinity;
	for (let i = 0; i < distribution.length; i++) {
		if (distribution[i] > max) max = distribution[i];
	}
	return max;
}

/*
 * This pass is the run's one computation over the whole vocabulary per token besides the
 * sampler's (at 151,936 tokens Math.exp alone cost more than the sampler), so e^y is computed
 * inline: y = −(m/32)·ln 2 + r with |r| ≤ ln 2 / 64, e^y = 2^(−m mod 32 / 32) · 2^(−⌊m/32⌋) ·
 * e^r, e^r by its Taylor polynomial of degree 5 (literals in the loop: 32 slots, so m & 31 and m >> 5). It agrees with Math.exp to within 1e-14
 * relative (the tests hold it to that); tokens never depend on it.
 */
const SLOTS = 32;
/** FRACTIONS[j] = 2^(−j/32). */
const FRACTIONS = Float64Array.from({ length: SLOTS }, (_, j) => 2 ** (-j / SLOTS));
/** POWERS[k] = 2^−k, far enough for y ≥ −708 (below it e^y < 1e-307 cannot change a sum ≥ 1). */
const POWERS = Float64Array.from({ length: 1024 }, (_, k) => 2 ** -k);
const sums = new Float64Array(2);

/**
 * out[0] = Σ e^y and out[1] = Σ e^y·y over y = x − max (all ≤ 0). The tables come in as
 * arguments so the hot loop reads them from registers rather than module scope.
 */
function expSums(
	distribution: Float32Array,
	max: number,
	out: Float64Array,
	fractions: Float64Array,
	powers: Float64Array
): void {
	let sum = 0;
	let weighted = 0;
	for (let i = 0; i < distribution.length; i++) {
		const y = distribution[i] - max;
		// Also skips −Infinity (probability 0).
		if (!(y >= -708)) continue;
		// Rounds y·32/ln 2 to the nearest integer k ≤ 0 (adding 1.5·2^52 drops the fraction).
		const k = y * 46.16624130844683 + 6755399441055744 - 6755399441055744;
		// ln 2 / 32 in two parts, the first with trailing zero bits, so k times it is exact.
		const r = y - k * 0.02166084938653512 - k * 5.9631716539705866e-12;
		const m = -k | 0;
		const e =
			(1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))))) *
			fractions[m & 31] *
			powers[m >> 5];
		sum += e;
		weighted += e * y;
	}
	out[0] = sum;
	out[1] = weighted;
}

/** Running means over a run's steps: mean entropy and the perplexity of its own tokens. */
export class RunStatistics {
	#steps = 0;
	#entropy = 0;
	#surprisal = 0;

	/** Adds the step whose distribution was `distribution` and whose sampled token was `tokenId`. */
	add(distribution: Float32Array, tokenId: number): void {
		const step = stepStatistics(distribution, tokenId);
		this.#steps++;
		this.#entropy += step.entropy;
		this.#surprisal += step.surprisal;
	}

	get steps(): number {
		return this.#steps;
	}

	/** Mean entropy in nats, or null before the first token. */
	get meanEntropy(): number | null {
		return this.#steps === 0 ? null : this.#entropy / this.#steps;
	}

	/** `exp(mean(−ln p(token)))`, Infinity when a token had probability 0; null before the first. */
	get perplexity(): number | null {
		return this.#steps === 0 ? null : Math.exp(this.#surprisal / this.#steps);
	}
}
