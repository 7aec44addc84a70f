import type { Candidates } from '../candidates';
import type { StageMeasure } from '../stage-detail';
import { WEIGHT_SCALE, weightOf } from '../weights';

/**
 * Helpers for the stages' `explain` (tracing only, so they may allocate): a value per tracked
 * id for the members of the set, null for ids a stage before already removed.
 */
export function memberValues(
	candidates: Candidates,
	tracked: readonly number[],
	valueOf: (id: number) => number
): (number | null)[] {
	if (candidates.dense) return tracked.map(valueOf);
	const members = new Set<number>();
	for (let i = 0; i < candidates.count; i++) members.add(candidates.idAt(i));
	return tracked.map((id) => (members.has(id) ? valueOf(id) : null));
}

/**
 * The tracked members' probabilities (from the shared integer weights, as the cut reads them)
 * against a probability floor: the measure of the cutoff stages (top-a, epsilon, eta).
 */
export function probabilityFloorMeasure(
	candidates: Candidates,
	tracked: readonly number[],
	mass: { maxLogit: number; total: number },
	floor: number
): StageMeasure {
	const { logits } = candidates;
	return {
		label: 'Probability',
		values: memberValues(
			candidates,
			tracked,
			(id) => weightOf(logits[id], mass.maxLogit) / mass.total
		),
		lines: [{ label: 'Floor', value: floor }],
		kept: 'above',
		scale: 'log'
	};
}

/** The best member's probability, from the shared integer weights. */
export function bestProbability(total: number): number {
	return WEIGHT_SCALE / total;
}
