import type { StageDefinition } from '../stage';
import { tenThousandths } from './epsilon-cutoff';
import { probabilityFloorMeasure } from './explain';
import { entropyOf, logRatioOfProbability, massOf, retainAtMassCut } from './mass';

/**
 * Eta cutoff (truncation sampling, Hewitt et al. 2022): drops tokens with
 * `p < min(η, √η · e^(−H))`, H the entropy in nats of the current members, and keeps those at or
 * above it. A flat (high-entropy) distribution lowers the floor below η, so an unsure model keeps
 * more tokens. H and p come from the shared integer weights (H = ln Σw − Σ w·ln w / Σw); the
 * cut is `logit − max_logit ≥ ln(threshold · Σw / 2^32)`. If no token reaches the threshold, the
 * best one is kept.
 *
 * llama.cpp has no eta cutoff (its `src/llama-sampling.cpp` has none); this is the rule of
 * Hugging Face's `EtaLogitsWarper`, which text-generation-webui exposes as `eta_cutoff` in units
 * of 1e-4 (its 3 is our 0.0003). Unlike those, we keep no minimum number of tokens beyond the
 * best one.
 */
export const etaCutoff = {
	name: 'eta-cutoff',
	label: 'Eta cutoff',
	summary:
		'Drops tokens below a floor that is η when the model is sure and lower when it is unsure (it shrinks with the entropy).',
	panelRank: 4.3,
	offByDefault: true,
	externalOrder: { textgen: ['eta_cutoff'] },
	params: [
		{
			key: 'etaCutoff',
			label: 'Eta cutoff',
			min: 0,
			max: 1,
			maxExclusive: true,
			default: 0,
			// llama.cpp has no eta cutoff; the other two count in units of 1e-4.
			external: {
				textgen: tenThousandths('eta_cutoff'),
				sillyTavern: tenThousandths('eta_cutoff')
			},
			help: {
				what: 'Drops tokens whose probability is below min(η, √η·e^(−entropy)): a floor that drops as the model grows unsure.',
				low: '0 turns it off; 0.0003 trims only near-impossible tokens.',
				high: '0.002 and more trims harder, but an unsure model still keeps many tokens.',
				typical: '0.0003–0.002 (text-generation-webui writes 3–20, in units of 1e-4).',
				fixes:
					'Garbage tokens when the model is sure, but epsilon cutoff makes uncertain passages too narrow: use eta instead. Output too narrow: lower it.'
			},
			slider: { min: 0, max: 0.01, step: 0.0001 },
			sweep: { short: 'η' },
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ etaCutoff }) => etaCutoff === 0,
	create({ etaCutoff: eta }) {
		// Monotone in both: up with the total, down with the entropy.
		const cut = (total: number, entropy: number) =>
			logRatioOfProbability(etaThreshold(eta, entropy), total);
		return {
			apply(candidates) {
				retainAtMassCut(candidates, true, cut);
			},
			explain(candidates, _context, tracked) {
				const mass = massOf(candidates, true);
				const entropy = entropyOf(mass);
				const floor = etaThreshold(eta, entropy);
				return {
					facts: [
						{ key: 'entropy', label: 'Entropy H', value: entropy, unit: 'nats' },
						{ key: 'eta', label: 'η', value: eta },
						{
							key: 'entropyFloor',
							label: '√η · e^(−H)',
							value: Math.sqrt(eta) * Math.exp(-entropy)
						},
						{ key: 'floor', label: 'Floor (the smaller)', value: floor }
					],
					measure: probabilityFloorMeasure(candidates, tracked, mass, floor)
				};
			}
		};
	}
} as const satisfies StageDefinition<'eta-cutoff', 'etaCutoff'>;

/** The probability below which eta cutoff drops a token, given the entropy H in nats. */
export function etaThreshold(eta: number, entropy: number): number {
	return Math.min(eta, Math.sqrt(eta) * Math.exp(-entropy));
}
