export interface StopPush {
	/** Text now safe to show: it cannot be part of a stop sequence any more. */
	release: string;
	/** The stop sequence found, if any; `release` then holds the text before it. */
	matched: string | null;
}

/**
 * Watches streamed text for stop sequences. Text that could be the start of a stop sequence is
 * held back until the next pieces prove it is not, so the shown text never contains one.
 *
 * Generation stops at the stop sequence that is complete first, as if the text arrived one
 * character at a time (ties: the one that starts earlier), so the result does not depend on how
 * the text is split into tokens.
 */
export class StopSequenceMatcher {
	#stops: string[];
	#pending = '';
	#done = false;

	constructor(stops: readonly string[]) {
		this.#stops = stops.filter((s) => s.length > 0);
	}

	push(text: string): StopPush {
		if (this.#done) throw new Error('A stop sequence was already found');
		const buffer = this.#pending + text;
		let matchAt = -1;
		let matchEnd = Infinity;
		let matched: string | null = null;
		for (const stop of this.#stops) {
			const at = buffer.indexOf(stop);
			if (at === -1) continue;
			const end = at + stop.length;
			if (end < matchEnd || (end === matchEnd && at < matchAt)) {
				matchAt = at;
				matchEnd = end;
				matched = stop;
			}
		}
		if (matched !== null) {
			this.#done = true;
			this.#pending = '';
			return { release: buffer.slice(0, matchAt), matched };
		}
		const held = this.#heldSuffixLength(buffer);
		this.#pending = buffer.slice(buffer.length - held);
		return { release: buffer.slice(0, buffer.length - held), matched: null };
	}

	/** Releases what is held back (call when generation ends for another reason). */
	flush(): string {
		const rest = this.#pending;
		this.#pending = '';
		return rest;
	}

	/** Length of the longest suffix of `buffer` that is a proper prefix of some stop sequence. */
	#heldSuffixLength(buffer: string): number {
		let best = 0;
		for (const stop of this.#stops) {
			const max = Math.min(stop.length - 1, buffer.length);
			for (let n = max; n > best; n--) {
				if (buffer.endsWith(stop.slice(0, n))) {
					best = n;
					break;
				}
			}
		}
		return best;
	}
}
