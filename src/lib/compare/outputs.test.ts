import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignByPosition, firstDifference, groupIdentical, sharedPrefixLength } from './outputs';

describe('sharedPrefixLength', () => {
	it('counts the tokens every lane shares', () => {
		expect(
			sharedPrefixLength([
				[1, 2, 3],
				[1, 2, 4],
				[1, 2]
			])
		).toBe(2);
		expect(sharedPrefixLength([[5], [6]])).toBe(0);
		expect(
			sharedPrefixLength([
				[1, 2],
				[1, 2]
			])
		).toBe(2);
		expect(sharedPrefixLength([])).toBe(0);
	});

	it('is a prefix of every lane, and one token more is not', () => {
		const tokens = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 8 });
		fc.assert(
			fc.property(fc.array(tokens, { minLength: 1, maxLength: 5 }), (lanes) => {
				const n = sharedPrefixLength(lanes);
				for (const lane of lanes) expect(lane.slice(0, n)).toEqual(lanes[0].slice(0, n));
				const extended = lanes.every((l) => l.length > n && l[n] === lanes[0][n]);
				expect(extended).toBe(false);
			})
		);
	});
});

describe('firstDifference', () => {
	it('finds the first differing token, or null for identical lanes', () => {
		expect(firstDifference([1, 2, 3], [1, 2, 3])).toBeNull();
		expect(firstDifference([1, 9, 3], [1, 2, 3])).toBe(1);
		expect(firstDifference([1, 2], [1, 2, 3])).toBe(2);
		expect(firstDifference([], [4])).toBe(0);
	});
});

describe('groupIdentical', () => {
	it('groups identical outputs with their lanes, in order of first appearance', () => {
		const groups = groupIdentical([
			{ laneId: 'a', tokens: [1, 2] },
			{ laneId: 'b', tokens: [1, 3] },
			{ laneId: 'c', tokens: [1, 2] },
			{ laneId: 'd', tokens: [1, 2] }
		]);
		expect(groups.map((g) => g.laneIds)).toEqual([['a', 'c', 'd'], ['b']]);
		// [1, 23] and [12, 3] must not collide.
		expect(
			groupIdentical([
				{ laneId: 'x', tokens: [1, 23] },
				{ laneId: 'y', tokens: [12, 3] }
			])
		).toHaveLength(2);
	});
});

describe('alignByPosition', () => {
	it('pairs tokens by position and marks where they agree', () => {
		expect(alignByPosition([1, 2, 3], [1, 5])).toEqual([
			{ index: 0, left: 1, right: 1, same: true },
			{ index: 1, left: 2, right: 5, same: false },
			{ index: 2, left: 3, right: null, same: false }
		]);
	});
});
