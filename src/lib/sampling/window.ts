/**
 * Counts how often each token occurs in the penalty window: the last `repeatLastN` tokens of the
 * context (prompt included, as llama.cpp does; −1 means the whole context, 0 disables). Counting
 * happens at most once per step and reuses its buffers.
 */
export class PenaltyWindow {
	/** Occurrences per token id; only entries of `distinct` are non-zero. */
	readonly counts: Int32Array;
	/** Distinct token ids of the window, in order of first appearance from the window's start. */
	readonly distinct: Int32Array;
	distinctCount = 0;
	private counted = false;

	constructor(readonly vocabSize: number) {
		this.counts = new Int32Array(vocabSize);
		this.distinct = new Int32Array(vocabSize);
	}

	/** Forgets the previous step's counts. */
	invalidate(): void {
		if (!this.counted) return;
		for (let i = 0; i < this.distinctCount; i++) this.counts[this.distinct[i]] = 0;
		this.distinctCount = 0;
		this.counted = false;
	}

	/** Counts the window of `history` once per step; later calls in the same step are free. */
	count(history: ArrayLike<number>, repeatLastN: number): void {
		if (this.counted) return;
		this.counted = true;
		const length = history.length;
		const size = repeatLastN < 0 ? length : Math.min(repeatLastN, length);
		const { counts, distinct } = this;
		for (let i = length - size; i < length; i++) {
			const id = history[i];
			if (!(id >= 0 && id < this.vocabSize && Number.isInteger(id))) {
				throw new RangeError(
					`Context token at position ${i} is ${id}, not a token id in [0, ${this.vocabSize - 1}]`
				);
			}
			if (counts[id]++ === 0) distinct[this.distinctCount++] = id;
		}
	}
}
