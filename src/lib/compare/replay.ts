import type { RunRecord } from '#lib/core/session';
import { firstDifference } from './outputs';

/** How a replayed output compares with the stored one. */
export type ReplayVerdict =
	| { kind: 'identical'; tokens: number }
	| {
			kind: 'differs';
			/** 0-based index of the first generated token that differs. */
			step: number;
			/** The stored and the new token there; `null` where that output had already ended. */
			saved: number | null;
			now: number | null;
	  };

/**
 * How many tokens a replay must generate to check `run`: all of them for a run that ended on
 * its own; only the stored ones for a run that was stopped, interrupted or cut short.
 */
export function replayLength(run: RunRecord, maxNewTokens: number): number {
	return run.status === 'done' ? maxNewTokens : Math.max(1, run.tokens.length);
}

/** Compares a replay's tokens with the stored run's, token by token. */
export function compareReplay(run: RunRecord, replayed: readonly number[]): ReplayVerdict {
	const saved = run.tokens.map((t) => t.id);
	const now = run.status === 'done' ? replayed : replayed.slice(0, saved.length);
	const step = firstDifference(now, saved);
	if (step === null) return { kind: 'identical', tokens: saved.length };
	return { kind: 'differs', step, saved: saved[step] ?? null, now: now[step] ?? null };
}

/** Whether a stored run can be replayed: it needs the seed it used. */
export function replayable(run: RunRecord): boolean {
	return run.seed !== null && run.status !== 'failed';
}
