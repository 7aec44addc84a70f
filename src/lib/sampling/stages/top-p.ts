import type { StageDefinition } from '../stage';

/** Keeps the smallest rank-ordered prefix whose probability mass reaches p (at least one token). */
export const topP = {
	name: 'top-p',
	label: 'Top-p (nucleus)',
	summary:
		'Keeps the most likely tokens until their probabilities add up to p, and drops the long tail.',
	panelRank: 3,
	externalOrder: { llamaCpp: 'top_p', textgen: ['top_p'] },
	params: [
		{
			key: 'topP',
			label: 'Top-p',
			min: 0,
			minExclusive: true,
			max: 1,
			default: 0.95,
			external: { llamaCpp: 'top_p', textgen: 'top_p', sillyTavern: 'top_p' },
			help: {
				what: 'Nucleus sampling: keeps the most likely tokens until their probabilities add up to p.',
				low: 'Low p keeps only the head of the distribution: focused, predictable text.',
				high: '1 keeps everything (off).',
				typical: '0.9–0.95 for general use, 0.5 or lower for precise answers.',
				fixes: 'Repetitive output: raise top-p. Rambling or off-topic output: lower it.'
			},
			slider: { min: 0.01, max: 1, step: 0.01 },
			sweep: { short: 'top-p' },
			resamplesWhatIf: true
		}
	],
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
} as const satisfies StageDefinition<'top-p', 'topP'>;
