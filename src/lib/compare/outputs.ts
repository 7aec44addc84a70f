/** A lane's output as the comparison sees it: its tokens, in order. */
export interface LaneTokens {
	laneId: string;
	tokens: readonly number[];
}

/** How many leading tokens every lane has in common. */
export function sharedPrefixLength(outputs: readonly (readonly number[])[]): number {
	if (outputs.length === 0) return 0;
	const shortest = Math.min(...outputs.map((o) => o.length));
	for (let i = 0; i < shortest; i++) {
		const token = outputs[0][i];
		if (outputs.some((o) => o[i] !== token)) return i;
	}
	return shortest;
}

/**
 * Index of the first token where `lane` differs from `reference`, or null when they are the
 * same. A lane that stops earlier (or later) differs where the shorter one ends.
 */
export function firstDifference(
	lane: readonly number[],
	reference: readonly number[]
): number | null {
	const length = Math.min(lane.length, reference.length);
	for (let i = 0; i < length; i++) if (lane[i] !== reference[i]) return i;
	return lane.length === reference.length ? null : length;
}

export interface IdenticalGroup {
	tokens: readonly number[];
	laneIds: string[];
}

/** Lanes that produced exactly the same tokens, grouped in order of first appearance. */
export function groupIdentical(outputs: readonly LaneTokens[]): IdenticalGroup[] {
	const groups = new Map<string, IdenticalGroup>();
	for (const { laneId, tokens } of outputs) {
		const key = tokens.join(',');
		const group = groups.get(key);
		if (group) group.laneIds.push(laneId);
		else groups.set(key, { tokens, laneIds: [laneId] });
	}
	return [...groups.values()];
}

export interface AlignedRow {
	index: number;
	left: number | null;
	right: number | null;
	same: boolean;
}

/** Two lanes side by side, position by position, for the two-lane diff view. */
export function alignByPosition(left: readonly number[], right: readonly number[]): AlignedRow[] {
	return Array.from({ length: Math.max(left.length, right.length) }, (_, index) => {
		const l = index < left.length ? left[index] : null;
		const r = index < right.length ? right[index] : null;
		return { index, left: l, right: r, same: l !== null && l === r };
	});
}
