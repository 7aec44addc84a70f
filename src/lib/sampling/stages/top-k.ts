import type { StageDefinition } from '../stage';

/** Keeps the k best candidates (ties by lower token id). */
export const topK: StageDefinition<'top-k', 'topK'> = {
	name: 'top-k',
	label: 'Top-k',
	summary: 'Keeps only the k most likely tokens; 0 keeps all.',
	params: [{ key: 'topK', label: 'Top-k', min: 0, max: 'vocab', integer: true, default: 40 }],
	isNeutral: ({ topK }) => topK === 0,
	create({ topK: k }) {
		return {
			apply(candidates) {
				if (k >= candidates.count) return;
				candidates.keepRanking(candidates.rank(k));
			}
		};
	}
};
