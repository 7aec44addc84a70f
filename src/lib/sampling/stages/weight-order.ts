import { WEIGHT_SCALE, ZERO_WEIGHT_LOG_RATIO } from '../weights';
import { EXP_TABLE, ROUNDER, STEPS } from './mass';

/**
 * The members' table weights (mass.ts's `tableWeightOf`) in descending order, as deep as a stage
 * asks: the best K by weight without sorting the vocabulary, or every one. Owns the choice of a
 * deep head by log-ratio, its collection and the integer radix sort. Tail-free sampling reads
 * its second differences from it.
 *
 * Sorted weights come as keys 2^31 − w in ascending order (a weight of 0 is never sorted): every
 * weight 1 … 2^32 fits an Int32 that way (V8 reads a Uint32 of 2^31 or more as a double: radix
 * passes over such keys took a quarter longer), and the second differences of the keys are those
 * of the weights with the sign flipped, so a reader needs no conversion pass.
 *
 * Why a head is exact: a member's bin is j = round(−x·128) for its log-ratio x (the table step
 * `tableWeightOf` starts from). Bins are monotone in x, and so are the weights up to their
 * rounding, which can put a member 1 above one of the next bin. Members of bin ≥ t + 2 lie at
 * least 1/128 nat below every member of bin ≤ t, so while those weigh 256 or more (t ≤
 * {@link DEEPEST_HEAD_BIN}) each is strictly lighter than each of bins ≤ t: the members with
 * x ≥ −(t + 2)/128 (all of bins ≤ t + 1), sorted, start with the true best n(t), the number in
 * bins ≤ t, whatever the rounding at a bin's edge.
 */

/** The bin of a log-ratio below the zero-weight one (weight 0, and −Infinity). */
const ZERO_BIN = Math.round(-ZERO_WEIGHT_LOG_RATIO * STEPS) + 1;
/**
 * The deepest bin t whose head is exact: bins ≤ t weigh at least A = 2^32·e^(−(t+½)/128) less
 * 10⁻¹⁴ of it (scaledExp's error) and ½ (rounding); bins ≥ t + 2 at most A·e^(−1/128) plus as
 * much. Strictly apart when A·(1 − e^(−1/128)) > 1 + 2·10⁻¹⁴·A, i.e. A > 129; this asks A ≥ 256.
 */
export const DEEPEST_HEAD_BIN = Math.floor(STEPS * Math.log(WEIGHT_SCALE / 256) - 0.5);
/**
 * Every this many members one is binned to choose a head's depth. The choice only has to be
 * near: the head is exact at any depth, a shallow one is merely less often enough.
 */
const SAMPLE_STRIDE = 16;

/** A head this many bins shallower than the collected members is taken from them first. */
const NARROW_BINS = 8;

/** Radix sort digits: three passes of 11 bits cover the 32-bit keys. */
const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
const DIGIT = RADIX - 1;
/** Below this many keys a typed-array sort beats clearing the radix counts. */
const SMALL_SORT = 256;

/**
 * Weights of 2^22 or more (within 6.9 nats of the best: few on a model's step) are sorted apart,
 * so that the many below need two radix passes, not three.
 */
const LARGE_WEIGHT = 2 ** (2 * RADIX_BITS);
/** A sorted key is this less the weight. */
export const KEY_ORIGIN = 2 ** 31;
/** The top digit of a key, taken as unsigned bits, with its sign bit flipped: signed order. */
const SIGN_DIGIT = 1 << (31 - 2 * RADIX_BITS);
// Local copies of imported constants for the hot loops (under tsx an imported binding read in a
// loop is a getter call each time; see typical-p.ts's `EXP`).
const TABLE = EXP_TABLE;
const ROUND = ROUNDER;
const TABLE_STEPS = STEPS;
const ZERO_LOG_RATIO = ZERO_WEIGHT_LOG_RATIO;
const ORIGIN = KEY_ORIGIN;
const LARGE = LARGE_WEIGHT;

/**
 * One step's members, from which heads of any depth (and the whole) are sorted. Buffers grow to
 * the vocabulary once.
 */
export class WeightOrder {
	/** The members' logits in member order, and their count. */
	private logits: Float64Array = new Float64Array(0);
	private count = 0;
	/** The best logit, once {@link collect} has seen every member (NaN before). */
	maxLogit = NaN;
	/** A sample's best logit, and its members per bin below it, then running (≤ j). */
	private sampleMax = 0;
	private readonly sampled = new Float64Array(ZERO_BIN + 1);
	/** The members collected for this step's heads (logit ≥ the bound): positions, logits. */
	private collected = new Int32Array(0);
	private collectedLogits = new Float64Array(0);
	private collectedSize = 0;
	private collectedBound = Infinity;
	/** A shallower head's members, taken from the collected ones. */
	private narrowed = new Int32Array(0);
	private narrowedLogits = new Float64Array(0);
	/** The members behind the sorted head: its positions (any order), and how many. */
	head = new Int32Array(0);
	headSize = 0;
	/** Sort buffers (keys as Int32: reading one never makes a double). */
	private buffers: SortBuffers = sortBuffers(0);
	/** After {@link sortAll}: the members' total weight W. */
	total = 0;
	/** The last sort's result: keys 2^31 − w ({@link KEY_ORIGIN} − w), ascending. */
	sorted: Int32Array = new Int32Array(0);

	/**
	 * Starts a step: bins a sample of the members (`logits`, in member order) below the sample's
	 * best. Returns false when the sample has no finite logit (then take every weight).
	 */
	start(logits: Float64Array, count: number): boolean {
		this.ensure(logits.length);
		this.logits = logits;
		this.count = count;
		this.maxLogit = NaN;
		this.collectedSize = 0;
		this.collectedBound = Infinity;
		const sampleMax = maxOfSample(logits, count);
		if (!(sampleMax > -Infinity)) return false;
		this.sampleMax = sampleMax;
		const sampled = this.sampled;
		sampled.fill(0);
		binSample(logits, count, sampleMax, sampled);
		for (let j = 1; j <= ZERO_BIN; j++) sampled[j] += sampled[j - 1];
		return true;
	}

	/**
	 * A logit with, by the sample, about `wanted` members at or above it. The sample's best may
	 * lie below the true best (a favourite left out): the bound stands for a depth in logits, not
	 * below the best, so that only moves which bins it reaches.
	 */
	boundFor(wanted: number): number {
		const sampled = this.sampled;
		const target = wanted / SAMPLE_STRIDE;
		let t = 0;
		while (t < ZERO_BIN - 1 && sampled[t + 1] <= target) t++;
		return this.sampleMax - (t + 1) / TABLE_STEPS;
	}

	/**
	 * Collects the members whose logit is at least `bound`, for the heads {@link sortHead} will
	 * sort down to it, and finds the best logit on the way. One pass over the members.
	 */
	collect(bound: number): void {
		this.collectedBound = bound;
		this.collectedSize = collectAtLeast(
			this.logits,
			this.count,
			bound,
			this.collected,
			this.collectedLogits
		);
		this.maxLogit = collectOut[0];
	}

	/**
	 * The deepest bin t (below the best, after {@link collect}) whose head the members at or
	 * above `bound` hold whole, with the margin bin t + 1: −(t + 2)/128 at or above the bound's
	 * log-ratio, one bin to spare for rounding. At most {@link DEEPEST_HEAD_BIN}; −1 if none.
	 */
	binAbove(bound: number): number {
		const t = Math.floor((this.maxLogit - bound) * TABLE_STEPS) - 3;
		return Math.max(-1, Math.min(t, DEEPEST_HEAD_BIN));
	}

	/**
	 * Sorts the members of bins ≤ t + 1 (and perhaps a few more) from the collected ones, and
	 * returns how many of the sorted are the true best: those of bins ≤ t. `t` from
	 * {@link binAbove} of the collected bound or a higher one. The members sorted are in
	 * {@link head}.
	 */
	sortHead(t: number): number {
		const { buffers } = this;
		const bound = this.binBound(t);
		let positions = this.collected;
		let values = this.collectedLogits;
		let size = this.collectedSize;
		if (bound > this.collectedBound + NARROW_BINS / TABLE_STEPS) {
			// A shallower head: its few members first (a cheap pass), then their weights. (The
			// head may hold more than bins ≤ t + 1: any member above it is as good.)
			positions = this.narrowed;
			values = this.narrowedLogits;
			size = collectListed(this.collected, this.collectedLogits, size, bound, positions, values);
		}
		buffers.counts.fill(0, 0, 2 * RADIX);
		const trusted = headKeys(positions, values, size, bound, this.maxLogit, t, this.head, buffers);
		this.headSize = routed[2];
		sortRouted(buffers, true);
		this.sorted = buffers.out;
		return trusted;
	}

	/** The logit from which on a member's bin may be t + 1 or less: the best less (t + 2)/128. */
	private binBound(t: number): number {
		// Rounding here moves the bound by far less than the half bin it has to spare.
		return this.maxLogit - (t + 2) / TABLE_STEPS;
	}

	/**
	 * Keeps in {@link head} the members whose logit is at least `bound`, and returns how many.
	 * The head holds every member above some logit, so when `bound` is at most the n-th best
	 * logit, it still holds the n best.
	 */
	narrowHead(bound: number): number {
		this.headSize = narrowAtLeast(this.logits, this.head, this.headSize, bound);
		return this.headSize;
	}

	/** Sorts every non-zero weight and returns how many there are; sets {@link total}. */
	sortAll(logits: Float64Array, count: number, maxLogit: number): number {
		this.ensure(logits.length);
		const { buffers } = this;
		this.total = allKeys(logits, count, maxLogit, buffers.large, buffers.small);
		this.sorted = buffers.out;
		return sortRouted(buffers, false);
	}

	private ensure(size: number): void {
		if (this.head.length >= size) return;
		this.collected = new Int32Array(size);
		this.collectedLogits = new Float64Array(size);
		this.narrowed = new Int32Array(size);
		this.narrowedLogits = new Float64Array(size);
		this.head = new Int32Array(size);
		this.buffers = sortBuffers(size);
	}
}

/** Counts the bins of every {@link SAMPLE_STRIDE}th member into `counts`. Ends with its loop. */
function binSample(
	logits: Float64Array,
	count: number,
	maxLogit: number,
	counts: Float64Array
): void {
	for (let i = 0; i < count; i += SAMPLE_STRIDE) {
		const logRatio = logits[i] - maxLogit;
		let j = ZERO_BIN;
		if (!(logRatio < ZERO_LOG_RATIO)) j = -(logRatio * TABLE_STEPS - ROUND + ROUND) | 0;
		counts[j]++;
	}
}

/** Output of {@link collectAtLeast}: the best logit. */
const collectOut = new Float64Array(1);

/**
 * Lists the positions of the members whose logit is at least `bound` in `positions`, and their
 * logits in `values` (the later passes then read a short dense list); returns how many. Finds
 * the best logit on the way (into {@link collectOut}), saving a pass of its own.
 */
function collectAtLeast(
	logits: Float64Array,
	count: number,
	bound: number,
	positions: Int32Array,
	values: Float64Array
): number {
	let size = 0;
	let max = -Infinity;
	for (let i = 0; i < count; i++) {
		const logit = logits[i];
		positions[size] = i;
		values[size] = logit;
		// A ternary, though a fifth of the members pass at a deep head's bound: the branch-free
		// `Number(logit >= bound)` ran at a sixth of its speed once the stage had met flat steps
		// (the bench, interleaving them, showed it from the third round on), and never recovered.
		size += logit >= bound ? 1 : 0;
		if (logit > max) max = logit;
	}
	collectOut[0] = max;
	return size;
}

/** The best logit of every {@link SAMPLE_STRIDE}th member. */
function maxOfSample(logits: Float64Array, count: number): number {
	let max = -Infinity;
	for (let i = 0; i < count; i += SAMPLE_STRIDE) if (logits[i] > max) max = logits[i];
	return max;
}

/** {@link collectAtLeast} among listed members: `positions`, `values` their logits. */
function collectListed(
	positions: Int32Array,
	values: Float64Array,
	count: number,
	bound: number,
	outPositions: Int32Array,
	outValues: Float64Array
): number {
	let size = 0;
	for (let k = 0; k < count; k++) {
		const logit = values[k];
		outPositions[size] = positions[k];
		outValues[size] = logit;
		size += logit >= bound ? 1 : 0;
	}
	return size;
}

/** Keeps (in place) the positions among `positions[0..count)` whose logit is at least `bound`. */
function narrowAtLeast(
	logits: Float64Array,
	positions: Int32Array,
	count: number,
	bound: number
): number {
	let size = 0;
	for (let k = 0; k < count; k++) {
		const position = positions[k];
		positions[size] = position;
		size += logits[position] >= bound ? 1 : 0;
	}
	return size;
}

/** Radix sort buffers and where a sort leaves its keys. */
interface SortBuffers {
	/** Keys 2^31 − w of the weights of 2^22 or more. */
	large: Int32Array;
	/** Keys 2^22 − w of the others. */
	small: Int32Array;
	spare: Int32Array;
	/** Digit counts: the small keys' two digits (filled as their keys are written), the large keys' three. */
	counts: Int32Array;
	out: Int32Array;
}

function sortBuffers(size: number): SortBuffers {
	return {
		large: new Int32Array(size),
		small: new Int32Array(size),
		spare: new Int32Array(size),
		counts: new Int32Array(5 * RADIX),
		out: new Int32Array(size)
	};
}

/** Output of the key passes: how many keys went to the large and to the small list, how many members to the head. */
const routed = new Float64Array(3);

/**
 * Writes the keys of the collected members (`positions`, `values`: their logits) whose logit is
 * at least `bound` to the two lists: 2^31 − w to `large` for w ≥ {@link LARGE_WEIGHT}, 2^22 − w
 * to `small` for the others, counting the small keys' digits; lists their positions in `head`.
 * Counts into {@link routed}; returns how many lie in bins ≤ t. w is `tableWeightOf` written out
 * in the same operations and order (the same bits). No branch: each member is written
 * everywhere, and only the counts that apply move (the keys stay in the Int32 range whatever w).
 */
function headKeys(
	positions: Int32Array,
	values: Float64Array,
	count: number,
	bound: number,
	maxLogit: number,
	t: number,
	head: Int32Array,
	{ large, small, counts }: SortBuffers
): number {
	let inBins = 0;
	let headSize = 0;
	let largeCount = 0;
	let smallCount = 0;
	for (let k = 0; k < count; k++) {
		const logit = values[k];
		const inHead = Number(logit >= bound);
		head[headSize] = positions[k];
		headSize += inHead;
		const scaled = (logit - maxLogit) * TABLE_STEPS;
		const step = scaled - ROUND + ROUND;
		const f = (scaled - step) * (1 / TABLE_STEPS);
		const v = TABLE[-step | 0] * (1 + f * (1 + f * (1 / 2 + f * (1 / 6 + f * (1 / 24)))));
		const w = v + ROUND - ROUND;
		const isLarge = Number(w >= LARGE) & inHead;
		const isSmall = inHead - isLarge;
		const key = LARGE - Math.min(w, LARGE);
		large[largeCount] = ORIGIN - w;
		small[smallCount] = key;
		largeCount += isLarge;
		smallCount += isSmall;
		counts[key & DIGIT] += isSmall;
		counts[RADIX + (key >>> RADIX_BITS)] += isSmall;
		// 1 when the bin −step is at most t.
		inBins += (((t + step) >>> 31) ^ 1) & inHead;
	}
	routed[0] = largeCount;
	routed[1] = smallCount;
	routed[2] = headSize;
	return inBins;
}

/**
 * {@link headKeys} for every member with a non-zero weight (the rest are left out), without the
 * digit counts; returns their total weight.
 */
function allKeys(
	logits: Float64Array,
	count: number,
	maxLogit: number,
	large: Int32Array,
	small: Int32Array
): number {
	let total = 0;
	let largeCount = 0;
	let smallCount = 0;
	for (let i = 0; i < count; i++) {
		// Below −23 the weight is 0, as at −23 itself (2^32·e^−23 ≈ 0.43 rounds to 0): clamping
		// there keeps the loop free of a branch a tenth of the members would take.
		const scaled = Math.max(logits[i] - maxLogit, ZERO_LOG_RATIO) * TABLE_STEPS;
		const step = scaled - ROUND + ROUND;
		const f = (scaled - step) * (1 / TABLE_STEPS);
		const v = TABLE[-step | 0] * (1 + f * (1 + f * (1 / 2 + f * (1 / 6 + f * (1 / 24)))));
		const w = v + ROUND - ROUND;
		const isLarge = Number(w >= LARGE);
		large[largeCount] = ORIGIN - w;
		small[smallCount] = LARGE - Math.min(w, LARGE);
		largeCount += isLarge;
		smallCount += Number(w > 0) - isLarge;
		total += w;
	}
	routed[0] = largeCount;
	routed[1] = smallCount;
	return total;
}

/**
 * Sorts the lists {@link routed} describes into `out`: the large keys ascending, then the small
 * ones ascending turned into 2^31 − w. `counted`: the small keys' digits are counted already.
 * Returns how many keys there are.
 */
function sortRouted(buffers: SortBuffers, counted: boolean): number {
	const { large, small, spare, counts, out } = buffers;
	const largeCount = routed[0];
	const smallCount = routed[1];
	if (largeCount < SMALL_SORT) {
		out.set(large.subarray(0, largeCount).sort());
	} else {
		out.set(sortLarge(large, spare, largeCount, counts).subarray(0, largeCount));
	}
	if (smallCount < SMALL_SORT) {
		small.subarray(0, smallCount).sort();
		shiftKeys(small, smallCount, out, largeCount);
	} else {
		if (!counted) {
			counts.fill(0, 0, 2 * RADIX);
			countSmallDigits(small, smallCount, counts);
		}
		startPositions(counts, 0, 0);
		placeByDigit(small, spare, smallCount, 0, 0, counts.subarray(0, RADIX));
		startPositions(counts, RADIX, largeCount);
		placeShifted(spare, out, smallCount, counts.subarray(RADIX, 2 * RADIX));
	}
	return largeCount + smallCount;
}

/** Copies the small keys 2^22 − w to `out` from `at` on as 2^31 − w. */
function shiftKeys(small: Int32Array, size: number, out: Int32Array, at: number): void {
	for (let i = 0; i < size; i++) out[at + i] = small[i] + (ORIGIN - LARGE);
}

/**
 * Sorts the large keys `keys[0..size)` ascending (three passes, their counts after the small
 * keys' in `counts`); returns `keys` or `spare`.
 */
function sortLarge(
	keys: Int32Array,
	spare: Int32Array,
	size: number,
	counts: Int32Array
): Int32Array {
	const first = 2 * RADIX;
	counts.fill(0, first);
	countLargeDigits(keys, size, counts);
	let from = keys;
	let to = spare;
	for (let pass = 0; pass < 3; pass++) {
		const shift = pass * RADIX_BITS;
		const base = first + pass * RADIX;
		const flip = pass === 2 ? SIGN_DIGIT : 0;
		// A digit all keys share (the top one, often) leaves the order as it is.
		if (counts[base + (((from[0] >>> shift) & DIGIT) ^ flip)] === size) continue;
		startPositions(counts, base, 0);
		placeByDigit(from, to, size, shift, flip, counts.subarray(base, base + RADIX));
		const swap = from;
		from = to;
		to = swap;
	}
	return from;
}

/** Turns the digit counts at `counts[base..base + RADIX)` into start positions from `first`. */
function startPositions(counts: Int32Array, base: number, first: number): void {
	let position = first;
	for (let digit = base; digit < base + RADIX; digit++) {
		const n = counts[digit];
		counts[digit] = position;
		position += n;
	}
}

/** The two digits' histograms of the small keys `keys[0..size)`, side by side in `counts`. */
function countSmallDigits(keys: Int32Array, size: number, counts: Int32Array): void {
	for (let i = 0; i < size; i++) {
		const key = keys[i];
		counts[key & DIGIT]++;
		counts[RADIX + (key >>> RADIX_BITS)]++;
	}
}

/** The three digits' histograms of the large keys, after the small keys' two in `counts`. */
function countLargeDigits(keys: Int32Array, size: number, counts: Int32Array): void {
	for (let i = 0; i < size; i++) {
		const key = keys[i];
		counts[2 * RADIX + (key & DIGIT)]++;
		counts[3 * RADIX + ((key >>> RADIX_BITS) & DIGIT)]++;
		counts[4 * RADIX + ((key >>> (2 * RADIX_BITS)) ^ SIGN_DIGIT)]++;
	}
}

/**
 * One stable pass of the LSD radix sort: `to` gets `from` ordered by the digit at `shift`
 * (xor `flip`).
 */
function placeByDigit(
	from: Int32Array,
	to: Int32Array,
	size: number,
	shift: number,
	flip: number,
	positions: Int32Array
): void {
	for (let i = 0; i < size; i++) {
		const key = from[i];
		to[positions[((key >>> shift) & DIGIT) ^ flip]++] = key;
	}
}

/**
 * The last pass for the small keys: `out` gets `from` ordered by the second digit (positions
 * already offset past the large keys), each as 2^31 − w.
 */
function placeShifted(
	from: Int32Array,
	out: Int32Array,
	size: number,
	positions: Int32Array
): void {
	for (let i = 0; i < size; i++) {
		const key = from[i];
		out[positions[key >>> RADIX_BITS]++] = key + (ORIGIN - LARGE);
	}
}

/**
 * Runs the passes once on a tiny set at load, so the lines after their loops have type feedback
 * before V8 compiles a long loop (see typical-p.ts's `warmUp`).
 */
function warmUp(): void {
	const order = new WeightOrder();
	const logits = Float64Array.from({ length: 4 * SMALL_SORT }, (_, i) => -i / 64);
	logits[1] = -Infinity;
	for (let round = 0; round < 20; round++) {
		order.start(logits, logits.length);
		order.collect(order.boundFor(logits.length));
		order.sortHead(order.binAbove(order.boundFor(4)));
		order.sortHead(order.binAbove(order.boundFor(logits.length)));
		order.narrowHead(-1);
		order.sortAll(logits, logits.length, 0);
	}
}
warmUp();
