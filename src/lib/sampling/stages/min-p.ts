import type { StageDefinition } from '../stage';

/**
 * Keeps tokens with `p ≥ min_p · p_max`, decided as `logit − max_logit ≥ ln(min_p)` so no
 * exponential is needed per token.
 */
export const minP = {
	name: 'min-p',
	label: 'Min-p',
	summary:
		'Keeps tokens at least min-p times as likely as the most likely one, so the cut adapts to how confident the model is.',
	panelRank: 4,
	externalOrder: { llamaCpp: 'min_p', textgen: ['min_p'] },
	params: [
		{
			key: 'minP',
			label: 'Min-p',
			min: 0,
			max: 1,
			maxExclusive: true,
			default: 0.05,
			external: { llamaCpp: 'min_p', textgen: 'min_p', sillyTavern: 'min_p' },
			help: {
				what: 'Keeps tokens that are at least min-p times as likely as the most likely one.',
				low: '0 turns it off; 0.02–0.05 trims only the nonsense tail.',
				high: '0.2 and more keeps only close contenders of the best token.',
				typical:
					'0.05, which adapts to how sure the model is: few tokens when confident, many when not.',
				fixes:
					'Nonsense at high temperature: raise min-p (0.05–0.1) before lowering the temperature. Too predictable: lower it.'
			},
			slider: { min: 0, max: 0.5, step: 0.01 },
			sweep: { short: 'min-p' },
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ minP }) => minP === 0,
	create({ minP: m }) {
		const minLogRatio = Math.log(m);
		return {
			apply(candidates) {
				candidates.retainLogRatioAtLeast(candidates.maxLogit(), minLogRatio);
			}
		};
	}
} as const satisfies StageDefinition<'min-p', 'minP'>;
