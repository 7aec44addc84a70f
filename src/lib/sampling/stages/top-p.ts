import type { StageDefinition } from '../stage';
import { weightOf } from '../weights';

/** Candidates ranked per pass when looking for the nucleus; grows ×8 while it is not enough. */
const FIRST_PASS = 64;

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
				const { logits, ranking } = candidates;
				// Most mass sits in few tokens, so rank a few first and look further only if needed.
				for (let wanted = FIRST_PASS; ; wanted *= 8) {
					const ranked = candidates.rank(wanted);
					let mass = 0;
					for (let i = 0; i < ranked; i++) {
						mass += weightOf(logits[ranking[i]], maxLogit);
						if (mass >= target) {
							candidates.keepRanking(i + 1);
							return;
						}
					}
					if (ranked === candidates.count) {
						candidates.keepRanking(ranked);
						return;
					}
				}
			}
		};
	}
};
