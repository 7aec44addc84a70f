import type { StageDefinition } from '../stage';
import { WEIGHT_SCALE } from '../weights';
import { bestProbability, probabilityFloorMeasure } from './explain';
import { massOf, retainAtMassCut } from './mass';

/**
 * Top-a: drops tokens with `p < a · p_max²` (p over the current members), keeping those at or
 * above it. Like min-p it cuts relative to the best token, but squares its probability, so the
 * cut is strict when the model is sure (p_max near 1) and nearly vanishes when it is not.
 * Decided as `logit − max_logit ≥ ln(a · p_max)` (p / p_max ≥ a · p_max), with p_max read from
 * the shared integer weights. If the cut would remove every token (a · p_max > 1), the best one
 * is kept.
 *
 * llama.cpp has no top-a sampler (its `src/llama-sampling.cpp` has min-p but no top-a); this
 * follows koboldcpp and text-generation-webui, where `top_a` is the same rule with 0 = off.
 */
export const topA = {
	name: 'top-a',
	label: 'Top-a',
	summary:
		'Drops tokens less likely than a times the square of the best probability, so it cuts hard when the model is sure and barely at all when it is not.',
	panelRank: 4.1,
	offByDefault: true,
	externalOrder: { textgen: ['top_a'] },
	params: [
		{
			key: 'topA',
			label: 'Top-a',
			min: 0,
			max: 1,
			default: 0,
			// llama.cpp has no top-a.
			external: { textgen: 'top_a', sillyTavern: 'top_a' },
			help: {
				what: 'Drops tokens whose probability is below a × (best probability)².',
				low: '0 turns it off; small values (0.1) only trim the tail when the model is confident.',
				high: '0.5 and more keeps little besides the best token whenever the model is fairly sure.',
				typical:
					'0.2 (koboldcpp and text-generation-webui presets), usually with min-p or top-p off.',
				fixes:
					'Odd tokens slipping in where the answer is obvious, while creative passages stay varied: raise top-a. Too repetitive when sure: lower it.'
			},
			slider: { min: 0, max: 1, step: 0.01 },
			sweep: { short: 'top-a' },
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ topA }) => topA === 0,
	create({ topA: a }) {
		const cut = (total: number) => topAMinLogRatio(a, total);
		return {
			apply(candidates) {
				retainAtMassCut(candidates, false, cut);
			},
			explain(candidates, _context, tracked) {
				const mass = massOf(candidates, false);
				const best = bestProbability(mass.total);
				const floor = a * best * best;
				return {
					facts: [
						{ key: 'bestProbability', label: 'Best probability', value: best },
						{ key: 'floor', label: 'Floor a × best²', value: floor }
					],
					measure: probabilityFloorMeasure(candidates, tracked, mass, floor)
				};
			}
		};
	}
} as const satisfies StageDefinition<'top-a', 'topA'>;

/** The smallest `logit − max_logit` top-a keeps, given the members' total weight. */
export function topAMinLogRatio(a: number, total: number): number {
	// p_max = 2^32 / total; keep p / p_max ≥ a · p_max.
	return Math.log((a * WEIGHT_SCALE) / total);
}
