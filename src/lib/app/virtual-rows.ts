/**
 * The window of a long list that is drawn: which rows are in view (plus a few each side) and how
 * much space stands for the rows above and below it. Pure; the history sidebar measures its rows
 * and its scroll position and draws only the rows this picks.
 */

/** The rows drawn, `start` included and `end` not, and the space before and after them (px). */
export interface RowWindow {
	start: number;
	end: number;
	before: number;
	after: number;
}

/**
 * Where each row starts, with `gap` between rows: `offsets[i]` is row i's top, and
 * `offsets[count]` the height of every row with the gap after each.
 */
export function rowOffsets(heights: readonly number[], gap: number): Float64Array {
	const offsets = new Float64Array(heights.length + 1);
	for (let i = 0; i < heights.length; i++) offsets[i + 1] = offsets[i] + heights[i] + gap;
	return offsets;
}

/** The first row whose bottom (gap included) is below `y`. */
function rowAt(offsets: Float64Array, y: number): number {
	const count = offsets.length - 1;
	let low = 0;
	let high = count;
	while (low < high) {
		const mid = (low + high) >> 1;
		if (offsets[mid + 1] <= y) low = mid + 1;
		else high = mid;
	}
	return low;
}

/**
 * The rows that meet the view from `scrollTop` to `scrollTop + viewport`, with `overscan` rows
 * more on each side, so keyboard focus moving to the next row always finds it drawn.
 */
export function rowWindow(
	offsets: Float64Array,
	gap: number,
	scrollTop: number,
	viewport: number,
	overscan: number
): RowWindow {
	const count = offsets.length - 1;
	if (count === 0) return { start: 0, end: 0, before: 0, after: 0 };
	const top = Math.max(0, scrollTop);
	const first = Math.min(rowAt(offsets, top), count - 1);
	const last = Math.min(rowAt(offsets, top + Math.max(0, viewport)), count - 1);
	const start = Math.max(0, first - overscan);
	const end = Math.min(count, last + 1 + overscan);
	return {
		start,
		end,
		before: offsets[start],
		// The drawn rows end without a gap after the last; the space after it makes up the rest.
		after: Math.max(0, offsets[count] - offsets[end])
	};
}

/**
 * Row heights with the ones just measured, as a new map; null when none changed (by half a pixel
 * or more), so a measurement that finds nothing new draws nothing again.
 */
export function withMeasured(
	heights: ReadonlyMap<string, number>,
	measured: Iterable<readonly [string, number]>
): ReadonlyMap<string, number> | null {
	let next: Map<string, number> | null = null;
	for (const [id, height] of measured) {
		if (height <= 0 || Math.abs((heights.get(id) ?? -1) - height) < 0.5) continue;
		next ??= new Map(heights);
		next.set(id, height);
	}
	return next;
}
