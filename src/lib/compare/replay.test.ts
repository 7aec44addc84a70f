import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS } from '#lib/sampling';
import type { RunRecord } from '#lib/core/session';
import { compareReplay, replayable, replayLength } from './replay';

function run(ids: number[], status: RunRecord['status'] = 'done'): RunRecord {
	return {
		id: 'run',
		label: '',
		modelId: 'm',
		params: DEFAULT_SAMPLING_PARAMS,
		seed: 1,
		text: '',
		tokens: ids.map((id) => ({ id, piece: '' })),
		status,
		finishReason: status === 'done' ? 'eos' : null,
		stats: null,
		error: null,
		stopSequence: null,
		ignoredParams: [],
		ranOn: ''
	};
}

describe('replay', () => {
	it('finds the same tokens identical', () => {
		expect(compareReplay(run([1, 2, 3]), [1, 2, 3])).toEqual({ kind: 'identical', tokens: 3 });
	});

	it('names the first step that differs, with both tokens', () => {
		expect(compareReplay(run([1, 2, 3, 4]), [1, 2, 9, 4])).toEqual({
			kind: 'differs',
			step: 2,
			saved: 3,
			now: 9
		});
	});

	it('a replay that ends early or goes on differs where the shorter one ends', () => {
		expect(compareReplay(run([1, 2, 3]), [1, 2])).toMatchObject({ step: 2, saved: 3, now: null });
		expect(compareReplay(run([1, 2]), [1, 2, 5])).toMatchObject({ step: 2, saved: null, now: 5 });
	});

	it('checks an interrupted run only as far as it got', () => {
		const interrupted = run([1, 2], 'interrupted');
		expect(replayLength(interrupted, 256)).toBe(2);
		expect(replayLength(run([1, 2]), 256)).toBe(256);
		expect(compareReplay(interrupted, [1, 2, 7, 8])).toEqual({ kind: 'identical', tokens: 2 });
	});

	it('needs the seed the run used', () => {
		expect(replayable({ ...run([1]), seed: null })).toBe(false);
		expect(replayable(run([1], 'failed'))).toBe(false);
		expect(replayable(run([1], 'stopped'))).toBe(true);
	});
});
