/**
 * Streamed events reach the page's state at most once per animation frame: a fast engine sends
 * hundreds of tokens a second, each its own message, and drawing after every one would spend the
 * main thread on frames nobody sees. {@link FrameBatcher} collects what arrives between two frames
 * and hands it over as one batch at the next; its {@link FrameScheduler} is injected so tests
 * drive the frames by hand ({@link ManualFrames}).
 */

/** Asks for `callback` before the next frame is drawn; returns what cancels it. */
export interface FrameScheduler {
	request(callback: () => void): () => void;
}

/**
 * The browser's frames (`requestAnimationFrame`). Where there are none (Node, or a worker), a
 * 16 ms timer stands in. A hidden tab draws no frames: what arrives then waits for the tab to
 * show, or for {@link FrameBatcher.flush}.
 */
export const animationFrames: FrameScheduler = {
	request(callback) {
		if (typeof requestAnimationFrame === 'function') {
			const id = requestAnimationFrame(() => callback());
			return () => cancelAnimationFrame(id);
		}
		const timer = setTimeout(callback, 16);
		return () => clearTimeout(timer);
	}
};

/** Frames drawn when a test says so: {@link tick} runs the callbacks asked for until then. */
export class ManualFrames implements FrameScheduler {
	#waiting = new Map<number, () => void>();
	#next = 0;
	/** How many frames were asked for, in all. */
	requested = 0;

	request(callback: () => void): () => void {
		const id = this.#next++;
		this.requested++;
		this.#waiting.set(id, callback);
		return () => this.#waiting.delete(id);
	}

	/** Callbacks waiting for the next frame. */
	get pending(): number {
		return this.#waiting.size;
	}

	/** Draws one frame: runs every callback asked for before it (not those they ask for). */
	tick(): void {
		const due = [...this.#waiting.values()];
		this.#waiting.clear();
		for (const callback of due) callback();
	}
}

/**
 * Collects items and applies them in one batch per frame, in the order they came. {@link flush}
 * applies what is waiting at once (a run that ended shows all of its tokens before its result);
 * {@link cancel} drops it.
 */
export class FrameBatcher<T> {
	#pending: T[] = [];
	#cancelFrame: (() => void) | null = null;

	constructor(
		private readonly apply: (items: T[]) => void,
		private readonly frames: FrameScheduler = animationFrames
	) {}

	/** Items waiting for the next frame. */
	get pending(): number {
		return this.#pending.length;
	}

	push(item: T): void {
		this.#pending.push(item);
		this.#cancelFrame ??= this.frames.request(() => {
			this.#cancelFrame = null;
			this.flush();
		});
	}

	/** Applies what is waiting now, and asks for no frame. */
	flush(): void {
		this.#cancelFrame?.();
		this.#cancelFrame = null;
		if (this.#pending.length === 0) return;
		const items = this.#pending;
		this.#pending = [];
		this.apply(items);
	}

	/** Drops what is waiting. */
	cancel(): void {
		this.#cancelFrame?.();
		this.#cancelFrame = null;
		this.#pending = [];
	}
}
