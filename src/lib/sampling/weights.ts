/**
 * The one definition of "probability" every truncation stage and the draw use, shared by the fast
 * sampler and the full-sort reference so both make identical decisions.
 *
 * A candidate's weight is `round(exp(logit − maxLogit) · 2^32)`: an integer, relative to the most
 * likely candidate (whose weight is exactly 2^32). Sums of up to 2^18 such integers stay below
 * 2^53, so they are exact in a double and do not depend on the order they are added in. That
 * makes top-p and the draw independent of summation order, which is what lets a partial sort give
 * the same answer as a full sort. A candidate less likely than 2^-33 times the best gets weight 0
 * and can never be drawn; the draw itself has 2^-32 resolution.
 */

export const WEIGHT_SCALE = 4294967296;

/** Below this log-ratio to the best candidate, the weight rounds to 0 (exp(−23)·2^32 ≈ 0.43). */
export const ZERO_WEIGHT_LOG_RATIO = -23;

/** Vocabularies larger than this could make weight sums inexact. */
export const MAX_VOCAB_SIZE = 1 << 20;

export function weightOf(logit: number, maxLogit: number): number {
	const logRatio = logit - maxLogit;
	if (logRatio < ZERO_WEIGHT_LOG_RATIO) return 0;
	return roundScaled(Math.exp(logRatio) * WEIGHT_SCALE);
}

/**
 * `Math.round(v)` for the scaled weights, v in [0, 2^32]: bit for bit the same, without its
 * data-dependent branch (V8 rounds up, then steps back when that overshot by more than ½, which
 * mispredicts on half the tokens and tripled the cost of a pass of weights). For v ≥ ½, v + ½ is
 * exact unless it reaches the next power of two, where it rounds to at most that power + ½, so its
 * floor is round(v) either way; below ½ the answer is 0 (v + ½ could round up to 1 there).
 */
export function roundScaled(v: number): number {
	return v < 0.5 ? 0 : Math.floor(v + 0.5);
}

/**
 * Candidate order used everywhere: higher logit first, ties by lower token id. Returns a negative
 * number when `a` ranks before `b`.
 */
export function compareRank(logits: ArrayLike<number>, a: number, b: number): number {
	const la = logits[a];
	const lb = logits[b];
	if (la > lb) return -1;
	if (la < lb) return 1;
	return a - b;
}

/** Whether token `a` ranks strictly before token `b` (see {@link compareRank}). */
export function ranksBefore(logits: ArrayLike<number>, a: number, b: number): boolean {
	const la = logits[a];
	const lb = logits[b];
	return la > lb || (la === lb && a < b);
}
