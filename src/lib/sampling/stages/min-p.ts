import type { StageDefinition } from '../stage';

/**
 * Keeps tokens with `p ≥ min_p · p_max`, decided as `logit − max_logit ≥ ln(min_p)` so no
 * exponential is needed per token.
 */
export const minP: StageDefinition<'min-p', 'minP'> = {
	name: 'min-p',
	label: 'Min-p',
	summary:
		'Keeps tokens at least min-p times as likely as the most likely one, so the cut adapts to how confident the model is.',
	params: [{ key: 'minP', label: 'Min-p', min: 0, max: 1, maxExclusive: true, default: 0.05 }],
	isNeutral: ({ minP }) => minP === 0,
	create({ minP: m }) {
		const minLogRatio = Math.log(m);
		return {
			apply(candidates) {
				candidates.retainLogRatioAtLeast(candidates.maxLogit(), minLogRatio);
			}
		};
	}
};
