import type { Candidates } from '../candidates';
import { WEIGHT_SCALE, ZERO_WEIGHT_LOG_RATIO, weightOf } from '../weights';

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

/**
 * A cutoff's smallest kept log-ratio to the best member, from the members' total weight and
 * their entropy in nats (0 when the stage does not ask for it). It must be monotone in the
 * entropy (either way), as every cutoff's is: {@link retainAtMassCut} bounds it by its ends.
 */
export type MassCut = (total: number, entropy: number) => number;

/** Below this many members a cutoff takes the plain exact pass ({@link massOf}). */
export const FAST_PASS_MIN_MEMBERS = 1024;

/**
 * Keeps the members whose `logit − maxLogit` reaches `cutOf(total, entropy)` (the best one if
 * none does), deciding exactly as {@link massOf}'s exact total and entropy would, which is what
 * the full-sort reference decides.
 *
 * The exact pass costs an `exp` per member (over 1 ms at 151,936 tokens). On large sets this
 * takes each weight from a cheap e^x instead (see {@link fastSums}), which gives the same integer
 * weights, so the same total and, for top-a and epsilon, the very same cut. Σ w·ln w (for the
 * entropy) comes with a bound on its error (about 1e-7 of the entropy on a model's
 * distribution): eta's cut is then known within a tiny range, and when a member's log-ratio
 * falls inside it (rare), the exact pass decides.
 */
export function retainAtMassCut(candidates: Candidates, entropy: boolean, cutOf: MassCut): void {
	if (candidates.count >= FAST_PASS_MIN_MEMBERS) {
		const { maxLogit, total, weightedLog, weightedLogSlack } = fastMassOf(candidates, entropy);
		if (!entropy) {
			candidates.retainLogRatioAtLeast(maxLogit, cutOf(total, 0));
			return;
		}
		const low = cutOf(
			total,
			entropyOf({ maxLogit, total, weightedLog: weightedLog + weightedLogSlack })
		);
		const high = cutOf(
			total,
			entropyOf({ maxLogit, total, weightedLog: weightedLog - weightedLogSlack })
		);
		const from = Math.min(low, high) - CUT_SLACK;
		const to = Math.max(low, high) + CUT_SLACK;
		if (candidates.retainLogRatioAtLeastUnlessBetween(maxLogit, from, to)) return;
	}
	const mass = massOf(candidates, entropy);
	candidates.retainLogRatioAtLeast(mass.maxLogit, cutOf(mass.total, entropy ? entropyOf(mass) : 0));
}

/**
 * The members' exact total weight, as {@link massOf} gives it, from the fast pass on large sets
 * (see {@link fastSums}) and the exact one on small ones. For stages that need the total alone
 * (Mirostat v2).
 */
export function totalWeightOf(candidates: Candidates): { maxLogit: number; total: number } {
	return candidates.count >= FAST_PASS_MIN_MEMBERS
		? fastMassOf(candidates, false)
		: massOf(candidates, false);
}

/** {@link MassSummary} from the fast pass: the exact total, Σ w·ln w within ± the slack. */
export interface FastMassSummary extends MassSummary {
	/** How far `weightedLog` may be from the exact pass's (0 when it was not asked for). */
	weightedLogSlack: number;
}

/**
 * {@link massOf} without an `exp` per member (see {@link fastSums}): the very same total, and
 * Σ w·ln w (when `entropy`) within `weightedLogSlack` of the exact pass's.
 */
export function fastMassOf(candidates: Candidates, entropy: boolean): FastMassSummary {
	const maxLogit = candidates.maxLogit();
	fastSums(candidates, maxLogit, entropy);
	const total = sums[0];
	if (!entropy) return { maxLogit, total, weightedLog: 0, weightedLogSlack: 0 };
	const weightedLog = sums[1];
	const weightedLogSlack =
		WEIGHTED_LOG_SLACK * (Math.abs(weightedLog) + -ZERO_WEIGHT_LOG_RATIO * total) +
		SMALL_WEIGHT_LOG_ERROR * smallWeights[0] +
		LARGE_WEIGHT_LOG_ERROR * candidates.count;
	return { maxLogit, total, weightedLog, weightedLogSlack };
}

/** Table steps per unit of log-ratio. */
export const STEPS = 128;
/** {@link STEPS} under the name dynamic temperature reads. */
export const EXP_STEPS = STEPS;
/** `EXP_TABLE[j] = 2^32 · e^(−j / STEPS)` for every step down to the zero-weight log-ratio. */
export const EXP_TABLE = Float64Array.from(
	{ length: Math.ceil(-ZERO_WEIGHT_LOG_RATIO * STEPS) + 1 },
	(_, j) => WEIGHT_SCALE * Math.exp(-j / STEPS)
);
/**
 * Adding and then subtracting this rounds a double of magnitude below 2^51 to the nearest integer
 * (ties to even) in two additions, where `Math.floor` and a conversion cost more in a hot loop.
 */
export const ROUNDER = 6755399441055744; // 1.5 · 2^52

/**
 * 2^32 · e^x for a log-ratio x in [{@link ZERO_WEIGHT_LOG_RATIO}, 0], from {@link EXP_TABLE} at
 * the nearest step times a quartic in the rest f (|f| ≤ 1/256, exact): within 1e-14 of the true
 * value, relative (f^5/120 is below 7.7e-15). A deterministic replacement for `Math.exp` where a
 * quantity only needs to be defined the same way everywhere (dynamic temperature's entropy): a
 * hot loop writes this expression out in place, in the same order, and gets the same bits.
 */
export function scaledExp(x: number): number {
	const scaled = x * EXP_STEPS;
	const step = scaled - ROUNDER + ROUNDER;
	const f = (scaled - step) * (1 / EXP_STEPS);
	return EXP_TABLE[-step | 0] * (1 + f * (1 + f * (1 / 2 + f * (1 / 6 + f * (1 / 24)))));
}
/**
 * A member's weight as typical-p and tail-free define it: round(2^32·e^x) for its log-ratio x to
 * the best, with 2^32·e^x from {@link scaledExp} (within 1e-14 of `Math.exp`'s) and the half-way
 * case rounded to even, and 0 below {@link ZERO_WEIGHT_LOG_RATIO}, as `weightOf`. It differs from
 * `weightOf` only where 2^32·e^x lies within about 10⁻¹⁴ of a half-integer, by 1 (in 2^32 of the
 * best). A defined value rather than `Math.exp`'s lets a hot loop compute the same integer with
 * no check and no fallback: written out in place in the same operations and order, it gives the
 * same bits.
 */
export function tableWeightOf(logRatio: number): number {
	if (logRatio < ZERO_WEIGHT_LOG_RATIO) return 0;
	return scaledExp(logRatio) + ROUNDER - ROUNDER;
}
/**
 * How far the cheap 2^32·e^x of {@link fastSums} may be from `Math.exp(x) · 2^32`, relative.
 * With x = −j/STEPS + f (j the nearest step, so |f| ≤ 1/256, and f exact), e^f's cubic is off by
 * at most f^4/24 · e^|f| < 1.05e-11; the table's and `Math.exp`'s roundings (1 ulp each) and the
 * evaluation's (a few ulps) add about 1e-15 more. This allows 2e-11.
 */
export const CUBIC_EXP_TOLERANCE = 2e-11;
/**
 * A cheap weight v rounds to the integer Math.exp's would when |v − round(v)| + CUBIC_EXP_TOLERANCE · v
 * stays at or below this: ½, less a margin for rounding in that test.
 */
const SURE_ROUNDING = 0.5 - 1e-15;
/** ln 2^32: ln v = this + log-ratio, for the unrounded weight v. */
const LN_SCALE = Math.log(WEIGHT_SCALE);
/**
 * Relative slack on {@link fastWeightedLog}'s Σ w·ln w against the exact pass's, on top of its
 * per-weight error: covers the e^x error in the rounding term w − v ({@link CUBIC_EXP_TOLERANCE} of
 * each weight) and the sums' rounding (below 2^20 · 2^−53 ≈ 1.2e-10 of Σ |w·x| ≤ 23·Σ w, of
 * Σ v ≤ Σ w + count, and of the exact Σ w·ln w).
 */
const WEIGHTED_LOG_SLACK = 1e-9;
/**
 * The most w·(ln 2^32 + x) + (w − v) may be off from w·ln w for a weight w ≥ 64:
 * w·ln(w/v) − (w − v) = w·(r − 1 − ln r), r = v/w within 1/128 of 1, so below 0.0035.
 */
const LARGE_WEIGHT_LOG_ERROR = 0.0035;
/** The same for weights below 64 (w = 0 and v up to ½ is the worst). */
const SMALL_WEIGHT_LOG_ERROR = 0.5;
/** Absolute slack on the cut: floating-point differences in evaluating it. */
const CUT_SLACK = 1e-9;

/** Output of {@link fastSums}: the exact Σ w, and Σ w·ln w. */
const sums = new Float64Array(2);
/** How many members {@link fastWeightedLog} met that may weigh less than 64. */
const smallWeights = new Float64Array(1);
/**
 * Table index above which a weight is below 2^32·e^−18 ≈ 65.4: with the nearest index, x ≥
 * −18 − 1/256 there, so every weight not counted is at least 65.1.
 */
const SMALL_WEIGHT_INDEX = 18 * STEPS;

/**
 * The members' exact total weight and (when `entropy`) Σ w·ln w into {@link sums}, with few
 * `exp` calls.
 *
 * A member's weight is round(v), v = 2^32·e^x (x its log-ratio; `weightOf`). Here v comes from a
 * table every 1/STEPS times a cubic, within {@link CUBIC_EXP_TOLERANCE} of `Math.exp`'s, so it rounds
 * to the same integer unless it lies that close to a half: then (about once per step at 151,936
 * tokens, and mostly among the largest weights) that member's weight is taken from `Math.exp`
 * as `weightOf` takes it, in the loop.
 *
 * The loops are written out, each in a function that ends with it: a call in the loop to a
 * helper V8 did not inline tripled the cost (`Math.exp`, a builtin, does not), and V8 (Node 20)
 * compiles a long loop during its first run and, when code after the loop lacks type feedback,
 * throws that compiled loop away on every later call (see candidates.ts).
 */
function fastSums(candidates: Candidates, maxLogit: number, entropy: boolean): void {
	const { count } = candidates;
	const logits = candidates.dense ? candidates.logits : gathered(candidates);
	smallWeights[0] = 0;
	if (entropy) {
		sums[1] = fastWeightedLog(logits, count, maxLogit);
	} else {
		sums[0] = fastTotal(logits, count, maxLogit);
	}
}

/** Scratch for {@link gathered}, grown to the largest vocabulary seen. */
let gatherBuffer = new Float64Array(0);

/**
 * A listed set's logits in member order, `[0..count)` of a reused buffer, so the fast loops read
 * one dense array: the copy costs less than reading through `ids` in the loops (which slowed the
 * dense case, the common one, by a tenth) and keeps one loop per sum.
 */
function gathered(candidates: Candidates): Float64Array {
	if (gatherBuffer.length < candidates.vocabSize) {
		gatherBuffer = new Float64Array(candidates.vocabSize);
	}
	const { logits, ids, count } = candidates;
	for (let i = 0; i < count; i++) gatherBuffer[i] = logits[ids[i]];
	return gatherBuffer;
}

/** Σ w over the log-ratios `logits[0..count)` − maxLogit; see {@link fastSums}. */
function fastTotal(logits: Float64Array, count: number, maxLogit: number): number {
	let total = 0;
	for (let i = 0; i < count; i++) {
		const logRatio = logits[i] - maxLogit;
		if (logRatio < ZERO_WEIGHT_LOG_RATIO) continue;
		const scaled = logRatio * STEPS;
		// The nearest step (≤ 0), and f = x − step / STEPS exactly.
		const step = scaled - ROUNDER + ROUNDER;
		const f = (scaled - step) * (1 / STEPS);
		const v = EXP_TABLE[-step | 0] * (1 + f * (1 + f * (1 / 2 + f * (1 / 6))));
		let w = v + ROUNDER - ROUNDER;
		if (Math.abs(v - w) + CUBIC_EXP_TOLERANCE * v > SURE_ROUNDING) {
			const exact = Math.exp(logRatio) * WEIGHT_SCALE;
			w = exact < 0.5 ? 0 : Math.floor(exact + 0.5);
		}
		total += w;
	}
	return total;
}

/**
 * {@link fastTotal}'s loop that also gives Σ w·ln w, less exactly: w·ln w is taken as
 * w·(ln 2^32 + x) + (w − v), which is off by at most 0.5 for a weight below 64 and
 * {@link LARGE_WEIGHT_LOG_ERROR} above; Σ (w − v) is taken as Σ w − Σ v (one addition a
 * member fewer; Σ v's rounding is within {@link WEIGHTED_LOG_SLACK}). Returns that sum; leaves Σ w in sums[0] and a count of
 * members that may weigh less than 64 in {@link smallWeights}[0]. (Counted from the table index
 * in integers: a comparison of w or v there made the loop four times slower.)
 */
function fastWeightedLog(logits: Float64Array, count: number, maxLogit: number): number {
	let total = 0;
	let weightedLogRatio = 0;
	let cheapTotal = 0;
	let small = 0;
	for (let i = 0; i < count; i++) {
		const logRatio = logits[i] - maxLogit;
		if (logRatio < ZERO_WEIGHT_LOG_RATIO) continue;
		const scaled = logRatio * STEPS;
		const step = scaled - ROUNDER + ROUNDER;
		const f = (scaled - step) * (1 / STEPS);
		const index = -step | 0;
		const v = EXP_TABLE[index] * (1 + f * (1 + f * (1 / 2 + f * (1 / 6))));
		let w = v + ROUNDER - ROUNDER;
		if (Math.abs(v - w) + CUBIC_EXP_TOLERANCE * v > SURE_ROUNDING) {
			const exact = Math.exp(logRatio) * WEIGHT_SCALE;
			w = exact < 0.5 ? 0 : Math.floor(exact + 0.5);
		}
		total += w;
		weightedLogRatio += w * logRatio;
		cheapTotal += v;
		// 1 when index > SMALL_WEIGHT_INDEX (every weight below 64 is there), without a branch.
		small += (SMALL_WEIGHT_INDEX - index) >>> 31;
	}
	sums[0] = total;
	smallWeights[0] = small;
	return LN_SCALE * total + weightedLogRatio + (total - cheapTotal);
}

// One short call at load gives the stores after the loop their type feedback before the first
// long run compiles the loop (see dynamic-temperature.ts: V8 otherwise left the compiled loop at
// those stores, call after call, for a while).
fastWeightedLog(new Float64Array(1), 1, 0);
