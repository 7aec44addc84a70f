import type { ExternalField, StageDefinition } from '../stage';
import { probabilityFloorMeasure } from './explain';
import { logRatioOfProbability, massOf, retainAtMassCut } from './mass';

/**
 * Epsilon cutoff (truncation sampling, Hewitt et al. 2022): drops tokens with `p < ε`, p over
 * the current members, and keeps those at or above it. Decided as
 * `logit − max_logit ≥ ln(ε · Σw / 2^32)` with the shared integer weights. If no token reaches ε,
 * the best one is kept.
 *
 * llama.cpp has no epsilon cutoff (its `src/llama-sampling.cpp` has none); this is the rule of
 * Hugging Face's `EpsilonLogitsWarper`, which text-generation-webui exposes as `epsilon_cutoff`
 * in units of 1e-4 (its 3 is our 0.0003). Unlike those, we keep no minimum number of tokens
 * beyond the best one.
 */
export const epsilonCutoff = {
	name: 'epsilon-cutoff',
	label: 'Epsilon cutoff',
	summary:
		'Drops every token whose probability is below a fixed floor ε, however sure or unsure the model is.',
	panelRank: 4.2,
	offByDefault: true,
	externalOrder: { textgen: ['epsilon_cutoff'] },
	params: [
		{
			key: 'epsilonCutoff',
			label: 'Epsilon cutoff',
			min: 0,
			max: 1,
			maxExclusive: true,
			default: 0,
			// llama.cpp has no epsilon cutoff; the other two count in units of 1e-4.
			external: {
				textgen: tenThousandths('epsilon_cutoff'),
				sillyTavern: tenThousandths('epsilon_cutoff')
			},
			help: {
				what: 'Drops tokens whose probability is below ε (a fixed floor, not relative to the best token).',
				low: '0 turns it off; 0.0001–0.0003 removes only the long tail of near-impossible tokens.',
				high: '0.01 and more cuts plausible alternatives too; above the best probability only the best token stays.',
				typical: '0.0003 (text-generation-webui writes it as 3, in units of 1e-4).',
				fixes:
					'A garbage token now and then at high temperature: raise ε a little. Output too narrow: lower it or turn it off.'
			},
			slider: { min: 0, max: 0.01, step: 0.0001 },
			sweep: { short: 'ε' },
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ epsilonCutoff }) => epsilonCutoff === 0,
	create({ epsilonCutoff: epsilon }) {
		const cut = (total: number) => logRatioOfProbability(epsilon, total);
		return {
			apply(candidates) {
				retainAtMassCut(candidates, false, cut);
			},
			explain(candidates, _context, tracked) {
				const mass = massOf(candidates, false);
				return {
					facts: [{ key: 'floor', label: 'Floor ε', value: epsilon }],
					measure: probabilityFloorMeasure(candidates, tracked, mass, epsilon)
				};
			}
		};
	}
} as const satisfies StageDefinition<'epsilon-cutoff', 'epsilonCutoff'>;

/**
 * A field that text-generation-webui and SillyTavern give in units of 1e-4 (their 3 is our
 * 0.0003; text-generation-webui multiplies by 1e-4 before sampling). Written back rounded to
 * nine decimals, so 0.0003 is 3 again and not 2.9999999999999996.
 */
export function tenThousandths(name: string): ExternalField {
	return {
		name,
		read: (value) => value / 1e4,
		write: (value) => Math.round(value * 1e4 * 1e9) / 1e9
	};
}
