import { describe, expect, it } from 'vitest';
import { BranchSequences, planSequence } from './branch-sequences';

const run = [1, 10, 11, 12, 13, 14];

describe('planSequence', () => {
	it('extends the sequence that shares the longest prefix, evaluating only what it lacks', () => {
		expect(planSequence([run, [1, 10, 20]], [2, 1], [1, 10, 20, 21])).toEqual({
			seq: 1,
			copyFrom: null,
			keep: 3
		});
		expect(planSequence([run, [1, 10, 20]], [1, 2], [...run, 15])).toEqual({
			seq: 0,
			copyFrom: null,
			keep: run.length
		});
	});

	it('copies a sequence before dropping tokens of it no other sequence holds', () => {
		// A what-if parting from the run at its third token: the run keeps sequence 0.
		expect(planSequence([run, null, null], [1, 0, 0], [1, 10, 30])).toEqual({
			seq: 1,
			copyFrom: 0,
			keep: 2
		});
		// Every sequence is taken: the least recently used one is given up.
		expect(planSequence([run, [1, 10, 20], [1, 40]], [3, 1, 2], [1, 10, 11, 50])).toEqual({
			seq: 1,
			copyFrom: 0,
			keep: 3
		});
	});

	it('drops tokens freely when another sequence holds them too', () => {
		expect(planSequence([run, [...run, 15]], [1, 2], [1, 10, 30])).toEqual({
			seq: 0,
			copyFrom: null,
			keep: 2
		});
	});

	it('re-evaluates the last token of a held history in place (nothing is lost)', () => {
		expect(planSequence([run, null], [1, 0], run)).toEqual({
			seq: 0,
			copyFrom: null,
			keep: run.length - 1
		});
	});

	it('starts an unrelated history in a free sequence, or else the least recently used', () => {
		expect(planSequence([run, []], [1, 0], [2, 3])).toEqual({ seq: 1, copyFrom: null, keep: 0 });
		expect(planSequence([run, [1, 40]], [1, 2], [2, 3])).toEqual({
			seq: 0,
			copyFrom: null,
			keep: 0
		});
	});

	it('with a single sequence rolls it back, as an engine without sequences needs', () => {
		expect(planSequence([run], [1], [1, 10, 30])).toEqual({ seq: 0, copyFrom: null, keep: 2 });
		expect(planSequence([null], [0], [1, 10])).toEqual({ seq: 0, copyFrom: null, keep: 0 });
	});
});

describe('BranchSequences', () => {
	it('plans from what it was told, and forgets everything when told to', () => {
		const sequences = new BranchSequences(2);
		sequences.set(0, run);
		sequences.set(1, [1, 10, 20]);
		expect(sequences.plan([1, 10, 20, 21]).seq).toBe(1);
		sequences.forget();
		expect(sequences.held(1)).toBeNull();
		expect(sequences.plan([1, 10, 20, 21])).toEqual({ seq: 0, copyFrom: null, keep: 0 });
	});
});
