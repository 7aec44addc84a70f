/** One piece of a {@link GrowingText}: `key` names it for a keyed each. */
export interface TextPiece {
	key: number;
	text: string;
}

/**
 * A text that grows at its end (a run's output), kept as the pieces it grew by: drawn by a keyed
 * each, each growth adds one text node after the others and never rewrites the text already on
 * the page, so the browser shapes only what is new. Any other change starts over with one piece.
 */
export class GrowingText {
	#text = '';
	#next = 0;
	#pieces: TextPiece[] = [];

	/** The pieces of `text`: the same array as before when the text did not change. */
	update(text: string): readonly TextPiece[] {
		if (text === this.#text) return this.#pieces;
		if (this.#text !== '' && text.startsWith(this.#text)) {
			this.#pieces = [...this.#pieces, { key: this.#next++, text: text.slice(this.#text.length) }];
		} else {
			this.#pieces = text === '' ? [] : [{ key: this.#next++, text }];
		}
		this.#text = text;
		return this.#pieces;
	}
}
