import type { Candidates } from '../candidates';
import type { StageDefinition } from '../stage';
import type { StageDetail } from '../stage-detail';
import { memberValues } from './explain';
import { WEIGHT_SCALE } from '../weights';
import { tableWeightOf } from './mass';
import { KEY_ORIGIN, WeightOrder } from './weight-order';

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
 * decide alike: the differences are taken on integer weights (the normalisation cancels W), so
 * every sum is exact; the flat case compares (i+1) > z·(n−2) exactly where llama.cpp adds
 * 1/(n−2) in float32. The weights are mass.ts's table weights (`tableWeightOf`: 2^32·e^x from
 * the table and a quartic, rounded), here and in reference.ts: within 1e-14 of `weightOf`'s
 * before rounding, so they differ from it by 1 (in 2^32) only where 2^32·e^x lies that close to
 * a half, and the hot loops compute them with no check and no `Math.exp` fallback.
 * text-generation-webui calls it `tfs`.
 *
 * Cost: no comparison sort of the vocabulary. The total S of the second differences depends on
 * every member, but the unranked rest adds between max(0, d − w) and d + 2w to it (d the last
 * known first difference, w the weight of the last ranked token: the rest's first differences
 * are ≥ 0 and add up to at most w), and W (for the flat test) lies between the head's weight and
 * that plus w for each unranked member. When those brackets already decide the cut, the sorted
 * head suffices. Heads come from weight-order.ts: the members above a log-ratio bound (one pass
 * that computes no weight), their weights sorted as integers (radix); the best 1,024 or so, then
 * 16,384, 32,768 and 65,536 (on model-shaped logits at 151,936 tokens the second settles most
 * steps). Otherwise every weight is sorted, at once when the running sums show that no deeper
 * head could settle it (flat distributions: high temperatures).
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
			rankOf.get(id) ?? selection.rankOfWeight(tableWeightOf(candidates.logits[id] - maxLogit));
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

/**
 * The heads tried before the whole curve, as numbers of best members by weight (about: the
 * heads take whole bins of the log-ratio and the depth comes from a sample). Each costs a sort of
 * its members where the whole curve sorts every one. On the bench's model-shaped logits at
 * 151,936 tokens the first settles half the steps, the second most of the rest (the bounds on
 * the rest shrink with its last weight w), the third and fourth all but about one in sixteen.
 */
const HEAD_SIZES = [1024, 16384, 32768, 65536];
/** Below this many members the whole curve is sorted at once (no sample or collecting pass). */
const HEAD_MIN_MEMBERS = 4096;

/**
 * The tail-free decision for one step, with what the chart shows. Buffers grow to the
 * vocabulary once; `select` leaves the members unchanged, but the candidates' `ranking` then
 * holds at least the kept ones, in rank order.
 */
export class TailFreeSelection {
	private readonly order = new WeightOrder();
	/** The heads tried, each deeper than the last (tests try others). */
	private readonly headSizes: readonly number[];
	/** A listed set's logits in member order, and its sorted head's token ids. */
	private gathered = new Float64Array(0);
	private headIds = new Int32Array(0);
	/** Prefix sums of the second differences of the sorted weights. */
	private cumulative = new Float64Array(0);

	/** Members, and their total weight W (set only when the whole curve was sorted). */
	count = 0;
	total = 0;
	/** After an exact `select`: how many members have a weight. */
	withWeight = 0;
	/** How many second differences are known. */
	known = 0;
	/** Bounds on S, the sum of all second differences (weights); equal when S is known. */
	sumLow = 0;
	sumHigh = 0;
	/** Whether the flat case (all second differences ≈ 0) applied. */
	flat = false;
	kept = 0;

	constructor(headSizes: readonly number[] = HEAD_SIZES) {
		this.headSizes = headSizes;
	}

	/**
	 * How many of the best members tail-free keeps (the member count when it keeps all). With
	 * `exact`, S is always summed over every member (the chart's normalisation needs it).
	 */
	select(candidates: Candidates, z: number, exact = false): number {
		const count = candidates.count;
		this.ensure(candidates.vocabSize);
		this.count = count;
		const logits = candidates.memberLogits(this.gathered);
		const { order } = this;
		// The heads find the best logit in a pass they make anyway.
		let maxLogit = NaN;
		if (!exact && count >= HEAD_MIN_MEMBERS) {
			const kept = this.selectFromHead(logits, count, z);
			maxLogit = order.maxLogit;
			if (kept !== null) return this.rankKept(candidates, kept, maxLogit, true);
		}
		if (Number.isNaN(maxLogit)) maxLogit = candidates.maxLogit();
		const withWeight = order.sortAll(logits, count, maxLogit);
		this.withWeight = withWeight;
		this.total = order.total;
		// Every weight in descending order, then up to three members of weight 0: enough to close
		// the sum of second differences, and to reach index 1 when one member alone has a weight
		// (the cut is never at 0).
		const known = sumSecondDifferences(order.sorted, withWeight, count, this.cumulative);
		this.known = known;
		const sum = this.cumulative[known - 1] ?? 0;
		const kept = this.decide(z, count, this.total, this.total, sum, sum) as number;
		return this.rankKept(candidates, kept, maxLogit, false);
	}

	/**
	 * The cut from a sorted head alone (see {@link HEAD_SIZES}), or null when no head settles it.
	 * Neither S nor the total weight W is summed over the vocabulary: the unranked rest's first
	 * differences are ≥ 0 and add up to at most w (the last ranked weight), so it adds between
	 * max(0, d − w) and d + 2w to S (d the last known first difference); it weighs at most w
	 * each, so W lies in [head, head + rest·w], which decides the flat test unless S sits near
	 * 10⁻⁶·W.
	 */
	private selectFromHead(logits: Float64Array, count: number, z: number): number | null {
		const { order, headSizes } = this;
		if (!order.start(logits, count)) return null;
		let collected = Infinity;
		let tried = 0;
		for (let attempt = 0; attempt < headSizes.length; attempt++) {
			const bound = order.boundFor(headSizes[attempt]);
			if (bound < collected) {
				// One pass collects for this head and the next (a second pass only for the deepest).
				collected = order.boundFor(headSizes[Math.min(attempt + 1, headSizes.length - 1)]);
				order.collect(collected);
			}
			const ranked = order.sortHead(order.binAbove(bound));
			if (ranked <= Math.max(tried, 2)) continue;
			tried = ranked;
			const keys = order.sorted;
			const known = sumSecondDifferences(keys, ranked, ranked, this.cumulative);
			this.known = known;
			const head = ranked * KEY_ORIGIN - sumOf(keys, ranked);
			let low = this.cumulative[known - 1] ?? 0;
			let high = low;
			const w = KEY_ORIGIN - keys[ranked - 1];
			if (ranked < count) {
				const d = keys[ranked - 1] - keys[ranked - 2];
				low += Math.max(0, d - w);
				high += d + 2 * w;
			}
			const totalHigh = head + (count - ranked) * w;
			const kept = this.decide(z, count, head, totalHigh, low, high);
			if (kept !== null) return kept;
			if (ranked === count) break;
			// The deepest head's last weight is about this: below it, give up the heads early.
			const deepest = order.boundFor(headSizes[headSizes.length - 1]) - order.maxLogit;
			const settles = low > TFS_FLAT * totalHigh;
			if (settles && this.beyondHeads(z, low, high, WEIGHT_SCALE * Math.exp(deepest))) break;
		}
		return null;
	}

	/**
	 * Whether no deeper head can settle the cut (a matter of speed only: the whole curve then
	 * decides at once). A deeper head brackets z·S by at least z·2w', w' its last weight (at
	 * least `deepestWeight`), within [z·low, z·high], and settles only when no running sum falls
	 * inside that bracket: when every gap between the running sums there is narrower, none can.
	 */
	private beyondHeads(z: number, low: number, high: number, deepestWeight: number): boolean {
		const { cumulative, known } = this;
		const from = z * low;
		const to = z * high;
		let previous = 0;
		let widest = 0;
		for (let i = 1; i < known; i++) {
			const sum = cumulative[i];
			if (sum > from) widest = Math.max(widest, sum - previous);
			previous = sum;
			// The gaps past z·high are unknown until the running sums go beyond it.
			if (sum > to) return widest < 2 * z * deepestWeight;
		}
		return false;
	}

	/**
	 * Makes sure `ranking` holds the kept ones: from the sorted head's members when `fromHead`
	 * and they hold them all (they hold every member above some logit), else by a pass over all.
	 */
	private rankKept(
		candidates: Candidates,
		kept: number,
		maxLogit: number,
		fromHead: boolean
	): number {
		if (kept >= candidates.count) return kept;
		const { order } = this;
		if (!fromHead || kept > order.headSize) {
			candidates.rank(kept);
			return kept;
		}
		// The kept-th weight w is at most 1 above the kept-th best logit's own (weights follow the
		// logits up to rounding), so that logit is at least ln((w − 1.5)/2^32) above the best.
		const w = KEY_ORIGIN - order.sorted[kept - 1];
		if (w > 2) order.narrowHead(maxLogit + Math.log((w - 2) / WEIGHT_SCALE) - 1 / 128);
		let ids = order.head;
		if (!candidates.dense) {
			ids = this.headIds;
			for (let k = 0; k < order.headSize; k++) ids[k] = candidates.ids[order.head[k]];
		}
		candidates.rankAmong(ids, order.headSize, kept);
		return kept;
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
		const keys = this.order.sorted;
		const key = KEY_ORIGIN - w;
		let low = 0;
		let high = this.withWeight;
		while (low < high) {
			const middle = (low + high) >> 1;
			if (keys[middle] < key) low = middle + 1;
			else high = middle;
		}
		return low;
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

	private ensure(vocabSize: number): void {
		if (this.cumulative.length >= vocabSize) return;
		this.cumulative = new Float64Array(vocabSize);
		this.gathered = new Float64Array(vocabSize);
		this.headIds = new Int32Array(vocabSize);
	}
}

/**
 * Prefix sums into `cumulative` of the second differences of the weights whose keys 2^31 − w
 * are `keys[0..size)` ascending (the sign flip leaves |second difference| alone), followed by
 * members of weight 0 up to `length` in all (at most three are read); returns how many.
 */
function sumSecondDifferences(
	keys: Int32Array,
	size: number,
	length: number,
	cumulative: Float64Array
): number {
	const known = Math.max(0, Math.min(length, size + 3) - 2);
	const inKeys = Math.max(0, Math.min(known, size - 2));
	const sum = sumKeyDifferences(keys, inKeys, cumulative);
	// The last few reach past the sorted weights, into weight 0 (key 2^31).
	let total = sum;
	for (let i = inKeys; i < known; i++) {
		const second = keyAt(keys, size, i) - 2 * keyAt(keys, size, i + 1) + keyAt(keys, size, i + 2);
		total += Math.abs(second);
		cumulative[i] = total;
	}
	return known;
}

/** The key at rank `r`: 2^31 (weight 0) past the `size` sorted ones. */
function keyAt(keys: Int32Array, size: number, r: number): number {
	return r < size ? keys[r] : KEY_ORIGIN;
}

/** The running sum of |k[i] − 2k[i+1] + k[i+2]| for i < `known`; returns the last. */
function sumKeyDifferences(keys: Int32Array, known: number, cumulative: Float64Array): number {
	let sum = 0;
	for (let i = 0; i < known; i++) {
		sum += Math.abs(keys[i] - 2 * keys[i + 1] + keys[i + 2]);
		cumulative[i] = sum;
	}
	return sum;
}

/** Σ keys[0..size) (exact: below 2^53). */
function sumOf(keys: Int32Array, size: number): number {
	let sum = 0;
	for (let i = 0; i < size; i++) sum += keys[i];
	return sum;
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
	const keys = Int32Array.of(0, 5, 9, -20);
	const cumulative = new Float64Array(4);
	for (let round = 0; round < 20; round++) {
		sumSecondDifferences(keys, 4, 4, cumulative);
		sumOf(keys, 4);
	}
}
warmUp();
