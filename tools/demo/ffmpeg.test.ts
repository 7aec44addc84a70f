import { describe, expect, it } from 'vitest';
import { ffmetadata } from './ffmpeg.ts';

describe('the chapters written into a film', () => {
	it('are ffmpeg metadata: a title, then each chapter in milliseconds, special characters escaped', () => {
		expect(
			ffmetadata(
				[
					{ title: 'Top-k; top-p = #1', startMs: 0.4, endMs: 1500.6 },
					{ title: 'Back\\slash', startMs: 1500.6, endMs: 3000 }
				],
				'Filters'
			)
		).toBe(
			[
				';FFMETADATA1',
				'title=Filters',
				'[CHAPTER]',
				'TIMEBASE=1/1000',
				'START=0',
				'END=1501',
				'title=Top-k\\; top-p \\= \\#1',
				'[CHAPTER]',
				'TIMEBASE=1/1000',
				'START=1501',
				'END=3000',
				'title=Back\\\\slash',
				''
			].join('\n')
		);
	});
});
