import { describe, expect, it } from 'vitest';
import { rowOffsets, rowWindow, withMeasured } from './virtual-rows';

describe('virtual rows', () => {
	it('places rows one after another with a gap', () => {
		expect([...rowOffsets([10, 20, 30], 2)]).toEqual([0, 12, 34, 66]);
		expect([...rowOffsets([], 2)]).toEqual([0]);
	});

	it('draws the rows in view and a few either side, the space of the others kept', () => {
		const offsets = rowOffsets(new Array<number>(10_000).fill(60), 4);
		const win = rowWindow(offsets, 4, 64 * 100 + 10, 300, 3);
		// Rows 100…104 meet the view (100 from 6400 to 6464, 104 from 6656).
		expect(win).toEqual({ start: 97, end: 108, before: 97 * 64, after: (10_000 - 108) * 64 });
		// Every row is accounted for: the space before, the drawn rows (no gap after the last) and after.
		const drawn = (win.end - win.start) * 64 - 4;
		expect(win.before + drawn + win.after).toBe(offsets[10_000] - 4);
	});

	it('keeps to the list at its ends and for views past them', () => {
		const offsets = rowOffsets([50, 50, 50, 50], 0);
		expect(rowWindow(offsets, 0, 0, 120, 1)).toEqual({ start: 0, end: 4, before: 0, after: 0 });
		expect(rowWindow(offsets, 0, -40, 10, 0)).toEqual({ start: 0, end: 1, before: 0, after: 150 });
		expect(rowWindow(offsets, 0, 10_000, 100, 1)).toEqual({
			start: 2,
			end: 4,
			before: 100,
			after: 0
		});
		expect(rowWindow(rowOffsets([], 0), 0, 0, 100, 2)).toEqual({
			start: 0,
			end: 0,
			before: 0,
			after: 0
		});
	});

	it('follows rows of different heights', () => {
		const offsets = rowOffsets([100, 10, 10, 10, 200, 10], 0);
		expect(rowWindow(offsets, 0, 105, 13, 0)).toMatchObject({ start: 1, end: 3 });
		expect(rowWindow(offsets, 0, 140, 150, 0)).toMatchObject({ start: 4, end: 5, before: 130 });
	});
});

describe('measured row heights', () => {
	it('gives a new map only when a height changed', () => {
		const heights = new Map([['a', 60]]);
		expect(withMeasured(heights, [['a', 60.2]])).toBeNull();
		expect(withMeasured(heights, [['b', 0]])).toBeNull();
		const next = withMeasured(heights, [
			['a', 80],
			['__proto__', 70]
		]);
		expect(next && [...next]).toEqual([
			['a', 80],
			['__proto__', 70]
		]);
		expect(heights.get('a')).toBe(60);
	});
});
