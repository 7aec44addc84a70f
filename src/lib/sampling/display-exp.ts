/**
 * e^y for figures shown to the user (entropies, trace probabilities), never for a
 * decision: the draw and the truncation stages use Math.exp through weights.ts. Passes over the
 * whole vocabulary call it once per token per step (run statistics, traces), where Math.exp cost
 * about as much as the model step at 151,936 tokens. Used by trace.ts and generation's run
 * statistics.
 *
 * y = −(m/32)·ln 2 + r with |r| ≤ ln 2 / 64, so e^y = 2^(−(m mod 32)/32) · 2^(−⌊m/32⌋) · e^r,
 * e^r by its Taylor polynomial of degree 5, for the y ≤ 0 of a value against its distribution's
 * maximum. Within 1e-14 relative of Math.exp (the tests hold it to that); 0 below −708, where
 * e^y < 1e-307 cannot change a sum that is at least 1; Math.exp itself for y > 0.
 */

/** FRACTIONS[j] = 2^(−j/32). */
const FRACTIONS = Float64Array.from({ length: 32 }, (_, j) => 2 ** (-j / 32));
/** POWERS[k] = 2^−k, as far as y ≥ −708 needs. */
const POWERS = Float64Array.from({ length: 1024 }, (_, k) => 2 ** -k);

/** e^y; 0 for y below −708, −Infinity or NaN. */
export function displayExp(y: number): number {
	if (!(y >= -708)) return 0;
	if (y > 0) return Math.exp(y);
	// Rounds y·32/ln 2 to the nearest integer k ≤ 0 (adding 1.5·2^52 drops the fraction).
	const k = y * 46.16624130844683 + 6755399441055744 - 6755399441055744;
	// ln 2 / 32 in two parts, the first with trailing zero bits, so k times it is exact.
	const r = y - k * 0.02166084938653512 - k * 5.9631716539705866e-12;
	const m = -k | 0;
	const er = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
	return er * FRACTIONS[m & 31] * POWERS[m >> 5];
}
