import { StopSequenceMatcher, type StopPush } from './stop-sequences';
import { Utf8Stream } from './utf8-stream';

/**
 * Turns generated token bytes into the text a user may see: whole UTF-8 characters only, and
 * never a stop sequence or the start of one until it is disproved.
 */
export class VisibleText {
	#utf8 = new Utf8Stream();
	#stops: StopSequenceMatcher;

	constructor(stopSequences: readonly string[]) {
		this.#stops = new StopSequenceMatcher(stopSequences);
	}

	/** The text a token's bytes make visible, and the stop sequence they complete, if any. */
	push(bytes: Uint8Array): StopPush {
		return this.#stops.push(this.#utf8.push(bytes));
	}

	/** At the end of a run: everything still held back, or the text before a last stop sequence. */
	finish(): StopPush {
		const tail = this.#stops.push(this.#utf8.flush());
		return tail.matched === null
			? { release: tail.release + this.#stops.flush(), matched: null }
			: tail;
	}
}
