import { ranksBefore, weightOf } from './weights';

/** Candidates ranked in the first pass of {@link Candidates.smallestPrefixReaching}. */
const FIRST_RANKING_PASS = 64;

/**
 * The working set of next-token candidates that sampler stages narrow down and reshape.
 *
 * Logits live in one vocabulary-length buffer indexed by token id. The set is either `dense`
 * (every token of the vocabulary, in id order, without listing them) or a compact list of member
 * ids in `ids[0..count)`, which is in rank order (higher logit first, ties by lower id) when
 * `sorted` is true. Buffers are allocated once per vocabulary size and reused for every step, so
 * none of these methods allocates.
 */
export class Candidates {
	readonly vocabSize: number;
	/** Working logits in float64, so dividing by a temperature never merges two distinct values. */
	readonly logits: Float64Array;
	readonly ids: Int32Array;
	/** Output of {@link rank}: the best members in rank order. */
	readonly ranking: Int32Array;
	count = 0;
	dense = true;
	sorted = false;
	/** Set when a stage would have removed every candidate and the best one was kept instead. */
	fallback = false;

	constructor(vocabSize: number) {
		this.vocabSize = vocabSize;
		this.logits = new Float64Array(vocabSize);
		this.ids = new Int32Array(vocabSize);
		this.ranking = new Int32Array(vocabSize);
	}

	/**
	 * Starts a step from the engine's next-token logits: every token is a candidate. Returns false
	 * when a value is NaN or +Infinity, or none is finite; the caller then finds the culprit.
	 */
	reset(logits: Float32Array): boolean {
		this.count = this.vocabSize;
		this.dense = true;
		this.sorted = false;
		this.fallback = false;
		this.logits.set(logits);
		return allFinite(this.logits) || this.onlyBannedTokensAreNonFinite();
	}

	/** Slow path of {@link reset}: −Infinity (a banned token) is fine as long as one value is finite. */
	private onlyBannedTokensAreNonFinite(): boolean {
		let anyFinite = false;
		for (let id = 0; id < this.vocabSize; id++) {
			const value = this.logits[id];
			if (!(value < Infinity)) return false;
			if (value > -Infinity) anyFinite = true;
		}
		return anyFinite;
	}

	/** Token id of the member at position `i`. */
	idAt(i: number): number {
		return this.dense ? i : this.ids[i];
	}

	/** Highest logit among the members. */
	maxLogit(): number {
		if (this.sorted) return this.logits[this.ids[0]];
		const { logits, ids, count } = this;
		// Two loops, so the dense one (every token, the first stages' case) reads logits alone.
		if (this.dense) return maxOfAll(logits);
		let max = -Infinity;
		for (let i = 0; i < count; i++) if (logits[ids[i]] > max) max = logits[ids[i]];
		return max;
	}

	/**
	 * The members' logits in member order, as an array of their count: the logits themselves on a
	 * dense set, else copied into `scratch` (at least `count` long). A pass over the result can
	 * then loop to its length, which spares V8 a bounds check per member.
	 */
	memberLogits(scratch: Float64Array): Float64Array {
		if (this.dense) return this.logits;
		const { logits, ids, count } = this;
		for (let i = 0; i < count; i++) scratch[i] = logits[ids[i]];
		return scratch.subarray(0, count);
	}

	/** The member that ranks first (highest logit, lowest id on ties). */
	bestId(): number {
		if (this.sorted) return this.ids[0];
		const { logits } = this;
		let best = this.idAt(0);
		for (let i = 1; i < this.count; i++) {
			const id = this.idAt(i);
			if (ranksBefore(logits, id, best)) best = id;
		}
		return best;
	}

	/** Sum of the members' integer weights relative to `maxLogit` (exact, order-independent). */
	totalWeight(maxLogit: number): number {
		const { logits } = this;
		let total = 0;
		for (let i = 0; i < this.count; i++) total += weightOf(logits[this.idAt(i)], maxLogit);
		return total;
	}

	/**
	 * Fills `ranking[0..n)` with the `n = min(m, count)` best members in rank order and returns n;
	 * the set itself is unchanged. One pass over the members plus n·log(n), or a copy when sorted.
	 */
	rank(m: number): number {
		const n = Math.min(m, this.count);
		const { ranking, logits } = this;
		if (this.sorted) {
			for (let i = 0; i < n; i++) ranking[i] = this.ids[i];
			return n;
		}
		if (this.dense) {
			this.selectDense(n);
		} else {
			selectBestOf(logits, this.ids, this.count, n, ranking);
		}
		sortHeap(ranking, logits, n);
		return n;
	}

	/**
	 * Like {@link rank} when the `m` best members are known to be among the token ids
	 * `among[0..size)` (members all): ranks only those, which costs no pass over the set.
	 */
	rankAmong(among: Int32Array, size: number, m: number): number {
		const n = Math.min(m, size);
		selectBestOf(this.logits, among, size, n, this.ranking);
		sortHeap(this.ranking, this.logits, n);
		return n;
	}

	/**
	 * Selects the n best of a dense set into a min-heap on rank in `ranking` (root = worst kept).
	 * Ids arrive in ascending order, so a newcomer that only ties the root ranks after it: one
	 * comparison rejects almost every token.
	 */
	private selectDense(n: number): void {
		selectBestOfAll(this.logits, this.count, n, this.ranking);
	}

	/**
	 * How many of the best members, in rank order, it takes for their weights (relative to
	 * `maxLogit`) to reach `target`: at least it when `inclusive`, more than it otherwise. They
	 * are then listed first in `ranking`. Most of the mass sits in few tokens, so this ranks a few
	 * first and looks further (×8) only when needed.
	 */
	smallestPrefixReaching(maxLogit: number, target: number, inclusive: boolean): number {
		const { logits, ranking } = this;
		for (let wanted = FIRST_RANKING_PASS; ; wanted *= 8) {
			const ranked = this.rank(wanted);
			let total = 0;
			for (let i = 0; i < ranked; i++) {
				total += weightOf(logits[ranking[i]], maxLogit);
				if (inclusive ? total >= target : total > target) return i + 1;
			}
			// Only reachable when rounding put the target above the total: keep everything.
			if (ranked === this.count) return ranked;
		}
	}

	/** Makes the first `n` ids of `ranking` the members (at least one is always kept). */
	keepRanking(n: number): void {
		if (n < 1) {
			this.fallback = true;
			n = 1;
		}
		const { ids, ranking } = this;
		for (let i = 0; i < n; i++) ids[i] = ranking[i];
		this.count = n;
		this.dense = false;
		this.sorted = true;
	}

	/** Keeps only the single member `id`. */
	keepOnly(id: number): void {
		this.ids[0] = id;
		this.count = 1;
		this.dense = false;
		this.sorted = true;
	}

	/** Keeps the members whose `logit − maxLogit ≥ minLogRatio`, in their current order. */
	retainLogRatioAtLeast(maxLogit: number, minLogRatio: number): void {
		const { logits, ids, count } = this;
		const kept = this.dense
			? keepDenseAtLeast(logits, ids, count, maxLogit, minLogRatio)
			: keepListedAtLeast(logits, ids, count, maxLogit, minLogRatio);
		this.finishRetain(kept);
	}

	/** Makes the first `kept` ids the members, or the best one alone when none was kept. */
	private finishRetain(kept: number): void {
		if (kept === 0) {
			this.keepOnly(this.bestId());
			this.fallback = true;
			return;
		}
		this.count = kept;
		this.dense = false;
	}

	/**
	 * Like {@link retainLogRatioAtLeast} with `minLogRatio = to`, unless a member's log-ratio lies
	 * in [from, to): then it changes nothing and returns false. One pass on a dense set.
	 */
	retainLogRatioAtLeastUnlessBetween(maxLogit: number, from: number, to: number): boolean {
		const { logits, ids, count } = this;
		if (this.dense) {
			// Keeping those at or above `from` takes the plain pass; when none of them is below
			// `to`, they are the members at or above `to`. The ids it wrote mean nothing otherwise:
			// the set is still dense, so nothing reads them.
			const kept = keepDenseAtLeast(logits, ids, count, maxLogit, from);
			if (countListedBetween(logits, ids, kept, maxLogit, from, to) > 0) return false;
			this.finishRetain(kept);
			return true;
		} else if (countListedBetween(logits, ids, count, maxLogit, from, to) > 0) {
			return false;
		}
		this.retainLogRatioAtLeast(maxLogit, to);
		return true;
	}

	/** Records that member logits changed, so a sorted list may no longer be in rank order. */
	logitsChanged(): void {
		this.sorted = false;
	}
}

/**
 * Whether every value is finite. x·0 is 0 for finite x and NaN otherwise, so the test needs no
 * branch; each step adds four products summed in pairs, so the additions mostly do not wait on
 * each other. (A loop that converted each value and checked it in one pass took 0.7 ms per step
 * at 151,936 in Chromium's worker; the engine's native conversion in `set` plus this pass take
 * 0.1 ms.)
 */
function allFinite(values: Float64Array): boolean {
	return sumTimesZero(values) === 0;
}

/** Σ x·0 over `values`: 0 when all are finite, NaN otherwise. Ends with its loop (see below). */
function sumTimesZero(values: Float64Array): number {
	const length = values.length;
	const whole = length - (length % 4);
	let sum = 0;
	for (let i = whole; i < length; i++) sum += values[i] * 0;
	for (let i = 0; i < whole; i += 4) {
		sum += values[i] * 0 + values[i + 1] * 0 + (values[i + 2] * 0 + values[i + 3] * 0);
	}
	return sum;
}

// The passes over every member live in functions that end right after their loop. V8 (Node 20)
// compiles a long loop on its first run, before the code after it has run once; when that code
// then needs type feedback it lacks, the compiled loop is thrown away, and it was compiled and
// thrown away again on every later call (retainLogRatioAtLeast took twice as long as its loop).

/**
 * The largest of `values`, kept as four running maxima (one per place mod 4) so that each
 * comparison waits on the one four places back, not on the previous one: a third faster than one.
 */
function maxOfAll(values: Float64Array): number {
	const whole = values.length - (values.length % 4);
	let m0 = -Infinity;
	let m1 = -Infinity;
	let m2 = -Infinity;
	let m3 = -Infinity;
	for (let i = whole; i < values.length; i++) m0 = values[i] > m0 ? values[i] : m0;
	for (let i = 0; i < whole; i += 4) {
		const v0 = values[i];
		const v1 = values[i + 1];
		const v2 = values[i + 2];
		const v3 = values[i + 3];
		m0 = v0 > m0 ? v0 : m0;
		m1 = v1 > m1 ? v1 : m1;
		m2 = v2 > m2 ? v2 : m2;
		m3 = v3 > m3 ? v3 : m3;
	}
	const m01 = m1 > m0 ? m1 : m0;
	const m23 = m3 > m2 ? m3 : m2;
	return m23 > m01 ? m23 : m01;
}

/** Lists in `ids` the ids among 0..count-1 with `logit − maxLogit ≥ minLogRatio`; returns how many. */
function keepDenseAtLeast(
	logits: Float64Array,
	ids: Int32Array,
	count: number,
	maxLogit: number,
	minLogRatio: number
): number {
	let kept = 0;
	for (let id = 0; id < count; id++) if (logits[id] - maxLogit >= minLogRatio) ids[kept++] = id;
	return kept;
}

/** How many of the listed members have a log-ratio in [from, to). */
function countListedBetween(
	logits: Float64Array,
	ids: Int32Array,
	count: number,
	maxLogit: number,
	from: number,
	to: number
): number {
	let between = 0;
	for (let i = 0; i < count; i++) {
		const logRatio = logits[ids[i]] - maxLogit;
		if (logRatio >= from && logRatio < to) between++;
	}
	return between;
}

/** Like {@link keepDenseAtLeast} for the listed members `ids[0..count)`, compacted in place. */
function keepListedAtLeast(
	logits: Float64Array,
	ids: Int32Array,
	count: number,
	maxLogit: number,
	minLogRatio: number
): number {
	let kept = 0;
	for (let i = 0; i < count; i++) {
		const id = ids[i];
		if (logits[id] - maxLogit >= minLogRatio) ids[kept++] = id;
	}
	return kept;
}

/**
 * Min-heap selection of the n best ids among 0..count-1 into `heap` (root = worst kept). Ids
 * arrive in ascending order, so a newcomer that only ties the root ranks after it: one
 * comparison rejects almost every token.
 */
function selectBestOfAll(logits: Float64Array, count: number, n: number, heap: Int32Array): void {
	for (let id = 0; id < n; id++) {
		heap[id] = id;
		siftUp(heap, logits, id);
	}
	let worst = logits[heap[0]];
	for (let id = nextAbove(logits, n, count, worst); id < count;) {
		heap[0] = id;
		siftDown(heap, logits, n);
		worst = logits[heap[0]];
		id = nextAbove(logits, id + 1, count, worst);
	}
}

/** The first id from `from` on whose logit exceeds `threshold`, or `count`: a tight scan. */
function nextAbove(logits: Float64Array, from: number, count: number, threshold: number): number {
	let id = from;
	while (id < count && logits[id] <= threshold) id++;
	return id;
}

/** Like {@link selectBestOfAll} for the ids `ids[0..count)`, which come in any order. */
function selectBestOf(
	logits: Float64Array,
	ids: Int32Array,
	count: number,
	n: number,
	heap: Int32Array
): void {
	let size = 0;
	for (let i = 0; i < count; i++) {
		const id = ids[i];
		if (size < n) {
			heap[size] = id;
			siftUp(heap, logits, size);
			size++;
		} else if (ranksBefore(logits, id, heap[0])) {
			heap[0] = id;
			siftDown(heap, logits, size);
		}
	}
}

/** Heapsort of the min-heap `heap[0..n)`: moving the root (worst) to the end each time leaves the best first. */
function sortHeap(heap: Int32Array, logits: Float64Array, n: number): void {
	for (let end = n - 1; end > 0; end--) {
		const worst = heap[0];
		heap[0] = heap[end];
		heap[end] = worst;
		siftDown(heap, logits, end);
	}
}

function siftUp(heap: Int32Array, logits: Float64Array, index: number): void {
	const id = heap[index];
	while (index > 0) {
		const parent = (index - 1) >> 1;
		if (!ranksBefore(logits, heap[parent], id)) break;
		heap[index] = heap[parent];
		index = parent;
	}
	heap[index] = id;
}

function siftDown(heap: Int32Array, logits: Float64Array, size: number): void {
	const id = heap[0];
	let index = 0;
	for (;;) {
		let child = 2 * index + 1;
		if (child >= size) break;
		if (child + 1 < size && ranksBefore(logits, heap[child], heap[child + 1])) child++;
		if (!ranksBefore(logits, id, heap[child])) break;
		heap[index] = heap[child];
		index = child;
	}
	heap[index] = id;
}
