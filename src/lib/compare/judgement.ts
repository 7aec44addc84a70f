import type { RunStatus } from '#lib/core/session';

/**
 * A compare's judgement as a ranking of lane ids, best first: marking a lane best, giving it a
 * rank, taking its rank away, and the chosen/rejected pairs a ranking stands for. Pure; the
 * compare state (app/judgements.svelte.ts) and the training-data export (formats/) call it.
 */

/** Lanes that can be judged: those that gave an output (not failed, not still running). */
export function isJudgeable(status: RunStatus | 'waiting'): boolean {
	return status === 'done' || status === 'stopped' || status === 'interrupted';
}

/** 1 for the best lane, 2 for the next…; null for a lane not ranked. */
export function rankOf(ranking: readonly string[], laneId: string): number | null {
	const index = ranking.indexOf(laneId);
	return index < 0 ? null : index + 1;
}

/**
 * The ranking with `laneId` at `rank` (1 = best) and the lanes at and after that rank moved down
 * one; `null` takes the lane out. Ranks close up: a rank past the last ranked lane puts the lane
 * last.
 */
export function withRank(
	ranking: readonly string[],
	laneId: string,
	rank: number | null
): string[] {
	const rest = ranking.filter((id) => id !== laneId);
	if (rank === null) return rest;
	const at = Math.max(0, Math.min(Math.floor(rank) - 1, rest.length));
	return [...rest.slice(0, at), laneId, ...rest.slice(at)];
}

/** "Best" on a lane: it becomes first; on the lane that is already first, its rank is taken away. */
export function withBest(ranking: readonly string[], laneId: string): string[] {
	return ranking[0] === laneId ? withRank(ranking, laneId, null) : withRank(ranking, laneId, 1);
}

/** The ranking without ids that are not among `laneIds` (lanes of another run), in order. */
export function keptRanking(ranking: readonly string[], laneIds: readonly string[]): string[] {
	return ranking.filter((id, i) => laneIds.includes(id) && ranking.indexOf(id) === i);
}

/** One preference: `chosen` was judged better than `rejected`. */
export interface PreferencePair {
	chosen: string;
	rejected: string;
}

/**
 * Every pair a ranking stands for, over the lanes that can be judged (`laneIds`, in lane order):
 * each ranked lane is preferred to every lane ranked below it and to every lane left unranked;
 * unranked lanes are level, so they make no pair with each other. Ordered by the chosen lane's
 * rank, then the rejected lane's (unranked ones last, in lane order). "Best" alone on n lanes
 * gives n − 1 pairs; a full ranking of n lanes gives n(n − 1)/2.
 */
export function preferencePairs(
	ranking: readonly string[],
	laneIds: readonly string[]
): PreferencePair[] {
	const ranked = keptRanking(ranking, laneIds);
	const order = [...ranked, ...laneIds.filter((id) => !ranked.includes(id))];
	const pairs: PreferencePair[] = [];
	ranked.forEach((chosen, i) => {
		for (const rejected of order.slice(i + 1)) pairs.push({ chosen, rejected });
	});
	return pairs;
}

/** "1st", "2nd", "3rd", "4th" … "11th", "12th", "13th", "21st" … */
export function ordinal(n: number): string {
	const tens = n % 100;
	if (tens >= 11 && tens <= 13) return `${n}th`;
	return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}
