import type { Candidates } from '../candidates';
import { WEIGHT_SCALE, weightOf } from '../weights';

/**
 * Probability facts the cutoff stages (top-a, epsilon, eta) read from the members, all from the
 * shared integer weights of weights.ts so the fast sampler and the full-sort reference decide
 * alike. A member's probability is `weight / total`; the best one's is `WEIGHT_SCALE / total`.
 */
export interface MassSummary {
	maxLogit: number;
	/** Sum of the members' weights (exact). */
	total: number;
	/** Σ w·ln w over members with a weight, for the entropy. */
	weightedLog: number;
}

/** One pass over the members: their total weight and, when `entropy`, Σ w·ln w. */
export function massOf(candidates: Candidates, entropy: boolean): MassSummary {
	const maxLogit = candidates.maxLogit();
	const { logits } = candidates;
	let total = 0;
	let weightedLog = 0;
	for (let i = 0; i < candidates.count; i++) {
		const w = weightOf(logits[candidates.idAt(i)], maxLogit);
		total += w;
		if (entropy && w > 0) weightedLog += w * Math.log(w);
	}
	return { maxLogit, total, weightedLog };
}

/** Entropy in nats of the distribution `weight / total`: ln W − Σ w·ln w / W. */
export function entropyOf({ total, weightedLog }: MassSummary): number {
	return Math.max(0, Math.log(total) - weightedLog / total);
}

/**
 * The log-ratio to the best member at which a member's probability equals `probability`: keep a
 * member when `logit − maxLogit ≥` this. p = e^(logit−max)·2^32 / total.
 */
export function logRatioOfProbability(probability: number, total: number): number {
	return Math.log((probability * total) / WEIGHT_SCALE);
}
