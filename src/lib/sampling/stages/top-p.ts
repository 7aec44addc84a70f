import type { StageDefinition } from '../stage';

/** Keeps the smallest rank-ordered prefix whose probability mass reaches p (at least one token). */
export const topP: StageDefinition<'top-p', 'topP'> = {
	name: 'top-p',
	label: 'Top-p (nucleus)',
	summary:
		'Keeps the most likely tokens until their probabilities add up to p, and drops the long tail.',
	params: [{ key: 'topP', label: 'Top-p', min: 0, minExclusive: true, max: 1, default: 0.95 }],
	isNeutral: ({ topP }) => topP === 1,
	create({ topP: p }) {
		return {
			apply(candidates) {
				const maxLogit = candidates.maxLogit();
				const target = p * candidates.totalWeight(maxLogit);
				candidates.keepRanking(candidates.smallestPrefixReaching(maxLogit, target, true));
			}
		};
	}
};
