/**
 * Turns the byte pieces of successive tokens into text. A character split across tokens is
 * emitted once, with the token that completes it.
 */
export class Utf8Stream {
	#decoder = new TextDecoder('utf-8', { fatal: false });

	push(bytes: Uint8Array): string {
		return this.#decoder.decode(bytes, { stream: true });
	}

	/** Ends the stream; bytes of an unfinished character come out as U+FFFD. */
	flush(): string {
		return this.#decoder.decode();
	}
}
