import type { DistributionSummary, Engine } from '#lib/engines/types';
import { displayExp } from '#lib/sampling';

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
	let sum = 0;
	let weighted = 0;
	for (let i = 0; i < distribution.length; i++) {
		const y = distribution[i] - max;
		// −Infinity (probability 0) gives 0.
		const e = displayExp(y);
		if (e === 0) continue;
		sum += e;
		weighted += e * y;
	}
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

/** Where a run finds the engine's summary of a distribution (null: none, sum it up in JS). */
export type SummaryLookup = (distribution: Float32Array) => DistributionSummary | null;

/** The engine's own summaries, of the arrays it returned (see `Engine.summaryOf`). */
export function engineSummaries(engine: Engine): SummaryLookup {
	return (distribution) => engine.summaryOf?.(distribution) ?? null;
}

/** The same figures from an engine's native summary of the distribution (see `Engine.summaryOf`). */
export function summaryStatistics(
	distribution: Float32Array,
	tokenId: number,
	summary: DistributionSummary
): StepStatistics {
	const chosen = distribution[tokenId] - summary.max;
	return {
		entropy: Math.max(0, summary.logSum - summary.meanShift),
		surprisal: chosen === -Infinity ? Infinity : summary.logSum - chosen
	};
}

/** Running means over a run's steps: mean entropy and the perplexity of its own tokens. */
export class RunStatistics {
	#steps = 0;
	#entropy = 0;
	#surprisal = 0;

	/**
	 * Adds the step whose distribution was `distribution` and whose sampled token was `tokenId`;
	 * `summary`, when the engine has one, saves a pass over the vocabulary.
	 */
	add(distribution: Float32Array, tokenId: number, summary?: DistributionSummary | null): void {
		const step = summary
			? summaryStatistics(distribution, tokenId, summary)
			: stepStatistics(distribution, tokenId);
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
