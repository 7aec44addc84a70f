import { sharedPrefixLength } from '#lib/compare/outputs';

/**
 * Which of the engine's sequences evaluates a history, so explore's branches and what-ifs stay
 * side by side in the KV cache instead of being decoded again at every switch. Pure bookkeeping:
 * ExploreSession (explore-session.ts) asks {@link BranchSequences.plan} before each model call,
 * carries the plan out on the engine and tells what the sequence then holds.
 */

export interface SequencePlan {
	/** The sequence that evaluates the history. */
	seq: number;
	/** Copy this sequence (whole) into `seq` first, or null. */
	copyFrom: number | null;
	/** Tokens of the history `seq` keeps (after any copy); the rest of the history is evaluated. */
	keep: number;
}

/**
 * The plan for `history` (at least one token) given what each sequence holds (`held[s]`, null
 * when unknown) and when each was last used (`lastUsed[s]`, higher is more recent).
 *
 * The sequence sharing the longest prefix is extended, keeping at least the last token to
 * evaluate. When that would drop tokens no other sequence holds, the sequence is first copied
 * to a free one, or else to the least recently used one, whose tokens are given up instead.
 */
export function planSequence(
	held: readonly (readonly number[] | null)[],
	lastUsed: readonly number[],
	history: readonly number[]
): SequencePlan {
	if (history.length === 0) throw new RangeError('A history of at least one token is needed');
	const common = held.map((tokens) => (tokens ? sharedPrefixLength([tokens, history]) : 0));
	const shared = common.map((n) => Math.min(n, history.length - 1));
	// Tokens re-evaluated as the history's own (its last one) are not lost.
	const loss = (s: number) => (held[s]?.length ?? 0) - common[s];
	let best = 0;
	for (let s = 1; s < held.length; s++) {
		if (shared[s] > shared[best] || (shared[s] === shared[best] && loss(s) < loss(best))) {
			best = s;
		}
	}
	const destroys = loss(best) > 0 && !heldElsewhere(held, best);
	if (!destroys || held.length === 1) return { seq: best, copyFrom: null, keep: shared[best] };
	const target = victim(held, lastUsed, best);
	// Nothing in common: the victim starts empty, no copy needed.
	if (shared[best] === 0) return { seq: target, copyFrom: null, keep: 0 };
	return { seq: target, copyFrom: best, keep: shared[best] };
}

/** Whether another sequence holds all of `seq`'s tokens (so dropping them loses nothing). */
function heldElsewhere(held: readonly (readonly number[] | null)[], seq: number): boolean {
	const tokens = held[seq] as readonly number[];
	return held.some(
		(other, s) =>
			s !== seq &&
			other !== null &&
			other.length >= tokens.length &&
			sharedPrefixLength([other, tokens]) === tokens.length
	);
}

/** A free sequence other than `keep`, or else the least recently used one. */
function victim(
	held: readonly (readonly number[] | null)[],
	lastUsed: readonly number[],
	keep: number
): number {
	let chosen = -1;
	for (let s = 0; s < held.length; s++) {
		if (s === keep) continue;
		if (held[s] === null || held[s]?.length === 0) return s;
		if (chosen < 0 || lastUsed[s] < lastUsed[chosen]) chosen = s;
	}
	return chosen;
}

/** What each of `count` sequences holds, as ExploreSession has told it, and when it was used. */
export class BranchSequences {
	readonly #held: (number[] | null)[];
	readonly #lastUsed: number[];
	#clock = 0;

	constructor(readonly count: number) {
		this.#held = new Array<number[] | null>(count).fill(null);
		this.#lastUsed = new Array<number>(count).fill(0);
	}

	plan(history: readonly number[]): SequencePlan {
		return planSequence(this.#held, this.#lastUsed, history);
	}

	/** Sequence `seq` holds `tokens` now (null: unknown), and was just used. */
	set(seq: number, tokens: readonly number[] | null): void {
		this.#held[seq] = tokens ? [...tokens] : null;
		this.#lastUsed[seq] = ++this.#clock;
	}

	held(seq: number): readonly number[] | null {
		return this.#held[seq];
	}

	/** Someone else used the sequences: nothing is known of any. */
	forget(): void {
		this.#held.fill(null);
	}
}
