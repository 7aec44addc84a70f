import type { Candidates } from '../candidates';
import type { StageDefinition } from '../stage';
import type { StageDetail } from '../stage-detail';
import { memberValues } from './explain';
import { WEIGHT_SCALE, weightOf } from '../weights';
import { FAST_PASS_MIN_MEMBERS } from './mass';
import { EXP_TABLE, EXP_TOLERANCE, STEPS } from './mass';
import { ZERO_WEIGHT_LOG_RATIO } from '../weights';

// TEMPORARY: typical-p's old weight pass, until tail-free has its own.
const QUANTUM = 1024;
const SPLIT = 2 ** 26;
/**
 * Σ w·(logit − max) adds runs of this many integers before splitting them: each is below
 * (2^32/e + 12)·2^10 < 2^40.6 in size (w·|x| ≤ (2^32·e^x + ½)·|x|, and |x|·e^x peaks at x = −1),
 * so a run's sum stays an exact integer below 2^53.
 */
const CHUNK = 2048;

/**
 * Local copies of imported constants for the hot loops: under a CommonJS transform (tsx, the
 * bench's runner) every use of an import is a property getter call, which V8 does not hoist.
 */
const EXP = EXP_TABLE;
const EXP_STEPS = STEPS;
const ZERO_WEIGHT = ZERO_WEIGHT_LOG_RATIO;
const TOLERANCE = EXP_TOLERANCE;

/** Output of the passes below: [total, high, low] of the weight pass, or a count. */
const passOut = new Float64Array(3);

/**
 * One pass over the members (`ids[0..count)`, or ids 0..count-1 when null): each one's id,
 * log-ratio to the best and weight, and into {@link passOut} the total weight and the high and
 * low parts of Σ w·(logit − max) as {@link ExactSum} sums it. The weight comes from a table and a
 * polynomial instead of `Math.exp`, as in mass.ts's `fastTotal`: the very same integer unless
 * 2^32·e^x lies within {@link EXP_TOLERANCE} of a half, and then this returns false and the
 * caller takes {@link exactWeightPass}. (Tail-free uses it too, for the total and the weights.)
 * Written out in one function that ends with its loop:
 * a call in the loop (V8 does not inline across modules) multiplies its cost.
 */
function fastWeightPass(
	logits: Float64Array,
	ids: Int32Array | null,
	count: number,
	maxLogit: number,
	weights: Float64Array,
	logRatios: Float64Array,
	memberIds: Int32Array
): boolean {
	let total = 0;
	let high = 0;
	let low = 0;
	let nearest = 0;
	for (let start = 0; start < count; start += CHUNK) {
		const end = Math.min(count, start + CHUNK);
		let units = 0;
		for (let i = start; i < end; i++) {
			const id = ids === null ? i : ids[i];
			memberIds[i] = id;
			const logRatio = logits[id] - maxLogit;
			logRatios[i] = logRatio;
			if (logRatio < ZERO_WEIGHT) {
				weights[i] = 0;
				continue;
			}
			const scaled = logRatio * EXP_STEPS;
			// An int32 index: −floor(0) would be −0, a slow index.
			const index = -Math.floor(scaled) | 0;
			const f = (scaled + index) * (1 / EXP_STEPS);
			const v =
				EXP[index] * (1 + f * (1 + f * (1 / 2 + f * (1 / 6 + f * (1 / 24 + f * (1 / 120))))));
			// How near v lies to a half, as a running maximum of |v − w| + 10⁻¹⁴·(w + 1) (at least
			// v's error): a branch here, or any second use of v itself, tripled the loop's cost.
			const t = v + 0.5;
			const w = Math.floor(t);
			nearest = Math.max(nearest, Math.abs(t - w - 0.5) + TOLERANCE * (w + 1));
			weights[i] = w;
			total += w;
			// Math.round(w·x·2^10) (as ExactSum.add), exact here: |w·x·2^10| < 2^41, so + ½ is exact.
			units += Math.floor(w * logRatio * QUANTUM + 0.5);
		}
		const part = Math.floor(units / SPLIT);
		high += part;
		low += units - part * SPLIT;
	}
	passOut[0] = total;
	passOut[1] = high;
	passOut[2] = low;
	return nearest < 0.5 - 2e-15;
}

/** The total weight from the last {@link fastWeightPass} or {@link exactWeightPass}. */
function weightPassTotal(): number {
	return passOut[0];
}



/**
 * Tail-free sampling (TFS, Trenton Bricken 2019), kept for teaching. The members sorted by
 * probability p₀ ≥ p₁ ≥ … form a curve; TFS finds where that curve flattens into its tail. With
 * the first differences dᵢ = pᵢ − pᵢ₊₁ and the second differences aᵢ = |dᵢ − dᵢ₊₁| (i = 0 … n−3)
 * normalised to sum to 1, it walks the cumulative sum and stops at the first i ≥ 1 where it
 * exceeds z, keeping the i best tokens: aᵢ, which spans tokens i, i+1 and i+2, decides whether
 * token i is kept (llama.cpp's offset), and the best token always is. If the second differences
 * are all but zero (their sum ≤ 10⁻⁶ as probabilities: a straight line), each counts 1/(n−2).
 * z = 1 turns it off, and sets of two tokens or fewer are left alone.
 *
 * This is the rule of llama.cpp's `tail-free` sampler (`llama_sampler_tail_free_apply` in
 * `src/llama-sampling.cpp`, before llama.cpp removed TFS in late 2024; its `tfs_z` parameter),
 * with min_keep 1 as in its tests, which also keeps at least one token (with min_keep 0 llama.cpp
 * could keep none). We differ in precision, so that the fast sampler and the full-sort reference
 * decide alike: the differences are taken on the shared integer weights (the normalisation
 * cancels W), so every sum is exact; the flat case compares (i+1) > z·(n−2) exactly where
 * llama.cpp adds 1/(n−2) in float32. text-generation-webui calls it `tfs`.
 *
 * Cost: no comparison sort of the vocabulary. The total S of the second differences depends on
 * every member, but the unranked rest adds between max(0, d − w) and d + 2w to it (d the last
 * known first difference, w the weight of the last ranked token: the rest's first differences
 * are ≥ 0 and add up to at most w), and W (for the flat test) lies between the head's weight and
 * that plus w for each unranked member. When those brackets already decide the cut (after
 * ranking 64, then 512), the ranked head suffices, with no pass of weights at all; otherwise S
 * is summed over every weight (typical-p's pass of table weights, no `exp` per member), sorted
 * by a two-pass radix sort on the integers below 2^22 and a plain sort of the few above.
 */
export const tailFree = {
	name: 'tail-free',
	label: 'Tail-free (TFS)',
	summary:
		'Finds where the sorted probabilities flatten into a tail (where their second derivative dies away) and cuts the tail off there.',
	panelRank: 3.2,
	offByDefault: true,
	externalOrder: { llamaCpp: 'tfs_z', textgen: ['tfs'] },
	params: [
		{
			key: 'tfsZ',
			label: 'Tail-free z',
			min: 0,
			minExclusive: true,
			max: 1,
			default: 1,
			external: { llamaCpp: 'tfs_z', textgen: 'tfs', sillyTavern: 'tfs' },
			help: {
				what: 'Tail-free sampling: cuts the tail where the sorted probabilities stop curving, measured by their second derivative; z is how much of that curvature to keep.',
				low: 'Low z cuts at the first bend: only the clear leaders survive.',
				high: '1 keeps everything (off); 0.95–0.99 cuts only a flat tail.',
				typical:
					'0.95 (older text-generation-webui and KoboldAI presets); llama.cpp removed it in 2024, so this is mostly for learning.',
				fixes:
					'A long tail of odd tokens with top-p: try TFS 0.95 instead, which finds the tail by its shape rather than by mass. Too narrow: raise z.'
			},
			slider: { min: 0.01, max: 1, step: 0.01 },
			sweep: { short: 'tfs' },
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ tfsZ }) => tfsZ === 1,
	create({ tfsZ: z }) {
		const selection = new TailFreeSelection();
		return {
			apply(candidates) {
				if (z >= 1 || candidates.count <= 2) return;
				const kept = selection.select(candidates, z);
				if (kept < candidates.count) candidates.keepRanking(kept);
			},
			explain(candidates, _context, tracked) {
				return explainTailFree(selection, candidates, z, tracked);
			}
		};
	}
} as const satisfies StageDefinition<'tail-free', 'tfsZ'>;

/** Below this sum of second differences (as probabilities) the curve counts as a straight line. */
export const TFS_FLAT = 1e-6;

/**
 * The chart: for each tracked token (by its rank r), the share of all second differences up to
 * r, which the cut compares with z: tokens at or below z are kept (the best one always is). The
 * sum is taken over every member here, so the shares are exact.
 */
function explainTailFree(
	selection: TailFreeSelection,
	candidates: Candidates,
	z: number,
	tracked: readonly number[]
): StageDetail {
	const count = candidates.count;
	const facts = [{ key: 'z', label: 'z', value: z }];
	if (z >= 1 || count <= 2) return { facts, note: 'Tail-free sampling leaves this set alone.' };
	const kept = selection.select(candidates, z, true);
	// Exact ranks for the head (kept ones and a margin); deeper tokens are placed by weight.
	const ranked = candidates.rank(Math.min(count, kept + 64, 4096));
	const rankOf = new Map<number, number>();
	for (let r = 0; r < ranked; r++) rankOf.set(candidates.ranking[r], r);
	const maxLogit = candidates.maxLogit();
	// The cut starts at the second token (llama.cpp's i ≥ 1): the best one shows 0, always kept.
	const values = memberValues(candidates, tracked, (id) => {
		const rank =
			rankOf.get(id) ?? selection.rankOfWeight(weightOf(candidates.logits[id], maxLogit));
		return rank === 0 ? 0 : selection.shareAt(rank);
	});
	const firstDropped = kept < count ? selection.shareAt(kept) - selection.shareAt(kept - 1) : 0;
	return {
		facts: [
			...facts,
			{ key: 'kept', label: 'Tokens kept', value: kept },
			{
				key: 'curvature',
				label: 'Sum of second differences (as probability)',
				value: selection.sumLow / selection.total
			},
			{ key: 'dropped', label: 'Share of the first token dropped', value: firstDropped }
		],
		measure: {
			label: 'Share of the second differences up to this token (the best: always kept)',
			values,
			lines: [{ label: 'z', value: z }],
			kept: kept < count ? 'below' : 'all'
		},
		note: selection.flat
			? 'The sorted probabilities fall in a straight line (no curvature): each token counts alike.'
			: 'Second differences are large where the sorted probabilities bend and vanish in the flat tail; the tail starts where their running share passes z.'
	};
}

/** The flat case: each second difference counts 1/(n−2); tokens kept out of `count` members. */
export function tfsFlatCut(z: number, count: number): number {
	const cut = Math.max(1, Math.floor(z * (count - 2)));
	return cut <= count - 3 ? cut : count;
}

/** The heads ranked before the exact sum is taken: the best 64, then the best 512. */
const HEAD_PASSES = [64, 512];

/**
 * The tail-free decision for one step, with what the chart shows. Buffers grow to the
 * vocabulary once; `select` leaves the members unchanged, but the candidates' `ranking` then
 * holds at least the kept ones, in rank order.
 */
export class TailFreeSelection {
	/** Weights in rank order (the ranked head, or every weight once sorted). */
	private sortedWeights = new Float64Array(0);
	/** Each member's weight, by member position. */
	private memberWeights = new Float64Array(0);
	/** Radix sort buffers. */
	private keys = new Uint32Array(0);
	private large = new Float64Array(0);
	/** Scratch for the table-weight pass. */
	private logRatios = new Float64Array(0);
	private memberIds = new Int32Array(0);
	private spare = new Uint32Array(0);
	private readonly counts = new Uint32Array(RADIX);
	/** Prefix sums of the second differences of `sortedWeights`. */
	private cumulative = new Float64Array(0);

	/**
	 * Members, their total weight W (set only when the whole curve was needed), and how many
	 * second differences are known.
	 */
	count = 0;
	total = 0;
	/** After an exact `select`: how many members have a weight. */
	withWeight = 0;
	known = 0;
	/** Bounds on S, the sum of all second differences (weights); equal when S is known. */
	sumLow = 0;
	sumHigh = 0;
	/** Whether the flat case (all second differences ≈ 0) applied. */
	flat = false;
	kept = 0;

	/**
	 * How many of the best members tail-free keeps (the member count when it keeps all). With
	 * `exact`, S is always summed over every member (the chart's normalisation needs it).
	 */
	select(candidates: Candidates, z: number, exact = false): number {
		const count = candidates.count;
		const maxLogit = candidates.maxLogit();
		this.ensure(candidates.vocabSize);
		this.count = count;
		if (!exact) {
			const kept = this.selectFromHead(candidates, z, maxLogit);
			if (kept !== null) return kept;
		}
		const { memberWeights } = this;
		const { logits } = candidates;
		const ids = candidates.dense ? null : candidates.ids;
		// typical-p's pass of table weights (its ids and log-ratios are scratch here).
		const sure =
			count >= FAST_PASS_MIN_MEMBERS &&
			fastWeightPass(logits, ids, count, maxLogit, memberWeights, this.logRatios, this.memberIds);
		let total = weightPassTotal();
		if (!sure) {
			// Small sets, and the rare step where a table weight might round the other way.
			total = 0;
			for (let i = 0; i < count; i++) {
				const w = weightOf(logits[candidates.idAt(i)], maxLogit);
				memberWeights[i] = w;
				total += w;
			}
		}
		this.total = total;
		// Every weight in descending order (values only: the cut needs the sum S; the kept ones
		// are ranked afterwards), then two members of weight 0 if there are: enough to close it.
		const withWeight = this.sortWeights(count);
		this.withWeight = withWeight;
		const length = Math.min(count, withWeight + 2);
		this.sortedWeights.fill(0, withWeight, length);
		const known = this.sumSecondDifferences(length);
		const sum = this.cumulative[known - 1] ?? 0;
		const kept = this.decide(z, count, total, total, sum, sum) as number;
		return this.rankKept(candidates, kept, 0);
	}

	/**
	 * The cut from the ranked head alone (the best 64, then 512), or null when the head does not
	 * settle it. Neither S nor the total weight W is summed over the vocabulary: the unranked rest
	 * weighs at most w (the last ranked weight) each, so W lies in [head, head + rest·w], and that
	 * bracket is enough for the flat test unless S sits near 10⁻⁶·W. No exp per member.
	 */
	private selectFromHead(candidates: Candidates, z: number, maxLogit: number): number | null {
		const count = candidates.count;
		const { sortedWeights } = this;
		const { logits, ranking } = candidates;
		for (const wanted of HEAD_PASSES) {
			const ranked = candidates.rank(wanted);
			let head = 0;
			for (let i = 0; i < ranked; i++) {
				const w = weightOf(logits[ranking[i]], maxLogit);
				sortedWeights[i] = w;
				head += w;
			}
			const known = this.sumSecondDifferences(ranked);
			let low = this.cumulative[known - 1] ?? 0;
			let high = low;
			const w = sortedWeights[ranked - 1];
			if (ranked < count) {
				// The rest: first differences ≥ 0 adding up to at most w, after the last known d.
				const d = sortedWeights[ranked - 2] - w;
				low += Math.max(0, d - w);
				high += d + 2 * w;
			}
			const kept = this.decide(z, count, head, head + (count - ranked) * w, low, high);
			if (kept !== null) return this.rankKept(candidates, kept, ranked);
			if (ranked === count) break;
		}
		return null;
	}

	/**
	 * Writes the members' non-zero weights to `sortedWeights` in descending order and returns how
	 * many there are: the best tokens' 2^32 first, then the few weights of 2^22 or more (within
	 * 6.9 nats of the best) by a plain sort, then the rest by a two-pass radix sort.
	 */
	private sortWeights(count: number): number {
		const { memberWeights, keys, spare, sortedWeights, large } = this;
		const size = routeWeights(memberWeights, count, keys, large);
		const best = routed[0];
		const largeCount = routed[1];
		const ascending = radixSort(keys, spare, size, this.counts);
		const largeAscending = large.subarray(0, largeCount).sort();
		for (let i = 0; i < best; i++) sortedWeights[i] = WEIGHT_SCALE;
		for (let i = 0; i < largeCount; i++)
			sortedWeights[best + i] = largeAscending[largeCount - 1 - i];
		const start = best + largeCount;
		for (let i = 0; i < size; i++) sortedWeights[start + i] = ascending[size - 1 - i];
		return start + size;
	}

	/**
	 * After an exact `select`: the share of all second differences up to rank `rank` (what the
	 * cut compares with z), 1 beyond the last.
	 */
	shareAt(rank: number): number {
		if (this.flat) return Math.min(1, (rank + 1) / (this.count - 2));
		return rank < this.known ? this.cumulative[rank] / this.sumLow : 1;
	}

	/** After an exact `select`: the first rank with weight `w` (every member of weight 0 is last). */
	rankOfWeight(w: number): number {
		const sorted = this.sortedWeights;
		let low = 0;
		let high = this.withWeight;
		while (low < high) {
			const middle = (low + high) >> 1;
			if (sorted[middle] > w) low = middle + 1;
			else high = middle;
		}
		return low;
	}

	/** Prefix sums of the second differences of `sortedWeights[0..length)`; returns their count. */
	private sumSecondDifferences(length: number): number {
		const { sortedWeights: w, cumulative } = this;
		const known = Math.max(0, length - 2);
		let sum = 0;
		for (let i = 0; i < known; i++) {
			sum += Math.abs(w[i] - 2 * w[i + 1] + w[i + 2]);
			cumulative[i] = sum;
		}
		this.known = known;
		return known;
	}

	/** The kept count if S ∈ [low, high] and W ∈ [totalLow, totalHigh] decide it, else null. */
	private decide(
		z: number,
		count: number,
		totalLow: number,
		totalHigh: number,
		low: number,
		high: number
	): number | null {
		this.sumLow = low;
		this.sumHigh = high;
		// Rounded products are monotone: the bounds on W bound the exact test's threshold.
		if (high <= TFS_FLAT * totalLow) {
			this.flat = true;
			return (this.kept = tfsFlatCut(z, count));
		}
		if (!(low > TFS_FLAT * totalHigh)) return null;
		const certain = firstAbove(this.cumulative, this.known, z * high);
		const possible = firstAbove(this.cumulative, this.known, z * low);
		if (possible !== certain) return null;
		// No known prefix passes z·S: more differences are needed, unless all are known.
		if (possible === -1 && low !== high) return null;
		this.flat = false;
		return (this.kept = possible === -1 ? count : possible);
	}

	/** Makes sure `ranking` holds the kept ones. */
	private rankKept(candidates: Candidates, kept: number, ranked: number): number {
		if (kept < candidates.count && kept > ranked) candidates.rank(kept);
		return kept;
	}

	private ensure(vocabSize: number): void {
		if (this.sortedWeights.length >= vocabSize) return;
		this.sortedWeights = new Float64Array(vocabSize);
		this.cumulative = new Float64Array(vocabSize);
		this.memberWeights = new Float64Array(vocabSize);
		this.keys = new Uint32Array(vocabSize);
		this.large = new Float64Array(vocabSize);
		this.logRatios = new Float64Array(vocabSize);
		this.memberIds = new Int32Array(vocabSize);
		this.spare = new Uint32Array(vocabSize);
	}
}

/** Radix sort digits: two passes of 11 bits cover the keys below {@link LARGE_WEIGHT}. */
const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
const LARGE_WEIGHT = 2 ** (2 * RADIX_BITS);

/** Sorts `keys[0..size)` (below 2^22) ascending (LSD radix, via `spare`); returns the array holding the result. */
function radixSort(
	keys: Uint32Array,
	spare: Uint32Array,
	size: number,
	counts: Uint32Array
): Uint32Array {
	let from = keys;
	let to = spare;
	for (let shift = 0; shift < 2 * RADIX_BITS; shift += RADIX_BITS) {
		counts.fill(0);
		for (let i = 0; i < size; i++) counts[(from[i] >>> shift) & (RADIX - 1)]++;
		let position = 0;
		for (let digit = 0; digit < RADIX; digit++) {
			const n = counts[digit];
			counts[digit] = position;
			position += n;
		}
		for (let i = 0; i < size; i++) to[counts[(from[i] >>> shift) & (RADIX - 1)]++] = from[i];
		const swap = from;
		from = to;
		to = swap;
	}
	return from;
}

/** Output of {@link routeWeights}: how many weights are 2^32, and how many went to `large`. */
const routed = new Float64Array(2);
/** A local copy of an imported constant for the hot loop (see typical-p.ts's `EXP`). */
const BEST_WEIGHT = WEIGHT_SCALE;

/**
 * Sends each non-zero weight below {@link LARGE_WEIGHT} to `keys` (returns how many) and the
 * others below 2^32 to `large`; counts into {@link routed}.
 */
function routeWeights(
	weights: Float64Array,
	count: number,
	keys: Uint32Array,
	large: Float64Array
): number {
	let best = 0;
	let size = 0;
	let largeCount = 0;
	for (let i = 0; i < count; i++) {
		const w = weights[i];
		if (w >= LARGE_WEIGHT) {
			if (w === BEST_WEIGHT) best++;
			else large[largeCount++] = w;
		} else if (w > 0) keys[size++] = w;
	}
	routed[0] = best;
	routed[1] = largeCount;
	return size;
}

/** The first i ≥ 1 below `known` with `cumulative[i] > threshold`, or −1. */
function firstAbove(cumulative: Float64Array, known: number, threshold: number): number {
	for (let i = 1; i < known; i++) if (cumulative[i] > threshold) return i;
	return -1;
}

/**
 * Runs the passes once on a tiny set at load, so the lines after their loops have type feedback
 * before V8 compiles a long loop (see typical-p.ts's `warmUp`).
 */
function warmUp(): void {
	const weights = Float64Array.of(WEIGHT_SCALE, LARGE_WEIGHT + 1, 5, 0);
	for (let round = 0; round < 20; round++) {
		routeWeights(weights, 4, new Uint32Array(4), new Float64Array(4));
	}
}
warmUp();
