import type { StageDefinition } from '../stage';

/**
 * `logit /= T`, computed as `logit · (1/T)` (a multiply is a third of the cost of a divide; the
 * reference uses the same arithmetic). T = 0 picks the best candidate outright (greedy, no draw).
 */
export const temperature = {
	name: 'temperature',
	label: 'Temperature',
	summary:
		'Divides every logit by T: below 1 sharpens the distribution, above 1 flattens it, 0 always picks the most likely token.',
	panelRank: 1,
	externalOrder: { llamaCpp: 'temperature', textgen: ['temperature'] },
	params: [
		{
			key: 'temperature',
			label: 'Temperature',
			min: 0,
			max: 2,
			default: 0.8,
			external: { llamaCpp: 'temperature', textgen: 'temperature', sillyTavern: 'temp' },
			help: {
				what: 'Divides every logit by T before the probabilities are computed.',
				low: 'Below 1 sharpens the distribution: safer, more repetitive text. 0 always takes the most likely token (greedy).',
				high: 'Above 1 flattens the distribution: more surprising words, and eventually nonsense.',
				typical: '0.2 for facts and code, 0.7–0.9 for conversation and stories.',
				fixes:
					'Repetitive output: raise it a little. Incoherent output: lower it, or give more context.'
			},
			slider: { min: 0, max: 2, step: 0.05 },
			warnAbove: { value: 1, text: 'Above 1 flattens the distribution.' },
			sweep: { short: 'T' },
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ temperature }) => temperature === 1,
	create({ temperature: t }) {
		if (t === 0) {
			return {
				greedy: true,
				apply(candidates) {
					candidates.keepOnly(candidates.bestId());
				}
			};
		}
		const scale = 1 / t;
		return {
			apply(candidates) {
				if (candidates.dense) {
					scaleAll(candidates.logits, candidates.count, scale);
				} else {
					scaleListed(candidates.logits, candidates.ids, candidates.count, scale);
				}
				// Rounding can turn two nearly equal logits into a tie and reorder them.
				candidates.logitsChanged();
			}
		};
	}
} as const satisfies StageDefinition<'temperature', 'temperature'>;

function scaleAll(logits: Float64Array, count: number, scale: number): void {
	for (let id = 0; id < count; id++) logits[id] *= scale;
}

function scaleListed(logits: Float64Array, ids: Int32Array, count: number, scale: number): void {
	for (let i = 0; i < count; i++) logits[ids[i]] *= scale;
}
