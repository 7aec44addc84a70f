import { describe, expect, it } from 'vitest';
import {
	isJudgeable,
	keptRanking,
	ordinal,
	preferencePairs,
	rankOf,
	withBest,
	withRank
} from './judgement';

describe('ranking lanes', () => {
	it('marks a lane best, moves it to the top when others are ranked, and clears it on a second click', () => {
		expect(withBest([], 'b')).toEqual(['b']);
		expect(withBest(['a', 'c'], 'c')).toEqual(['c', 'a']);
		expect(withBest(['b', 'a'], 'b')).toEqual(['a']);
	});

	it('puts a lane at a rank, moving the lanes from that rank down, and takes it out with null', () => {
		expect(withRank(['a', 'b', 'c'], 'c', 1)).toEqual(['c', 'a', 'b']);
		expect(withRank(['a', 'b', 'c'], 'a', 2)).toEqual(['b', 'a', 'c']);
		expect(withRank(['a', 'b'], 'b', null)).toEqual(['a']);
		expect(withRank(['a'], 'd', null)).toEqual(['a']);
	});

	it('closes up ranks: a rank past the last ranked lane puts the lane last', () => {
		expect(withRank(['a'], 'b', 4)).toEqual(['a', 'b']);
		expect(rankOf(['a', 'b'], 'b')).toBe(2);
		expect(rankOf(['a', 'b'], 'c')).toBeNull();
	});

	it('keeps only ids of the lanes given, once each', () => {
		expect(keptRanking(['x', 'b', 'a', 'b'], ['a', 'b'])).toEqual(['b', 'a']);
	});

	it('judges only lanes that gave an output', () => {
		expect(['done', 'stopped', 'interrupted'].every((s) => isJudgeable(s as 'done'))).toBe(true);
		expect(['failed', 'running', 'waiting'].some((s) => isJudgeable(s as 'done'))).toBe(false);
	});

	it('names ranks as ordinals', () => {
		expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 111].map(ordinal)).toEqual([
			'1st',
			'2nd',
			'3rd',
			'4th',
			'11th',
			'12th',
			'13th',
			'21st',
			'22nd',
			'111th'
		]);
	});
});

describe('preference pairs', () => {
	const lanes = ['a', 'b', 'c', 'd'];

	it('"Best" alone prefers the best lane to each other lane', () => {
		expect(preferencePairs(['c'], lanes)).toEqual([
			{ chosen: 'c', rejected: 'a' },
			{ chosen: 'c', rejected: 'b' },
			{ chosen: 'c', rejected: 'd' }
		]);
	});

	it('a full ranking gives every ordered pair, best chosen first', () => {
		expect(preferencePairs(['b', 'a', 'c'], ['a', 'b', 'c'])).toEqual([
			{ chosen: 'b', rejected: 'a' },
			{ chosen: 'b', rejected: 'c' },
			{ chosen: 'a', rejected: 'c' }
		]);
	});

	it('a partial ranking puts unranked lanes below every ranked one, level with each other', () => {
		expect(preferencePairs(['d', 'b'], lanes)).toEqual([
			{ chosen: 'd', rejected: 'b' },
			{ chosen: 'd', rejected: 'a' },
			{ chosen: 'd', rejected: 'c' },
			{ chosen: 'b', rejected: 'a' },
			{ chosen: 'b', rejected: 'c' }
		]);
	});

	it('leaves out lanes that cannot be judged and gives nothing without a ranking', () => {
		expect(preferencePairs(['a', 'x'], ['a', 'b'])).toEqual([{ chosen: 'a', rejected: 'b' }]);
		expect(preferencePairs([], lanes)).toEqual([]);
	});
});
