import type { StageDefinition } from '../stage';

/**
 * `logit /= T`, computed as `logit · (1/T)` (a multiply is a third of the cost of a divide; the
 * reference uses the same arithmetic). T = 0 picks the best candidate outright (greedy, no draw).
 *
 * Temperature defers to dynamic temperature: while that stage is in the chain with a range above
 * 0, it applies T (moved by the entropy) and this stage is skipped, so T is applied once (as in
 * llama.cpp, where the extended temperature sampler replaces the plain one).
 */
export const temperature = {
	name: 'temperature',
	label: 'Temperature',
	summary:
		'Divides every logit by T: below 1 sharpens the distribution, above 1 flattens it, 0 always picks the most likely token. It defers to dynamic temperature while that is on.',
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
					'Repetitive output: raise it a little. Incoherent output: lower it, or give more context. With dynamic temperature on, T is the middle of its range and that stage applies it (this one is skipped).'
			},
			slider: { min: 0, max: 2, step: 0.05 },
			warnAbove: { value: 1, text: 'Above 1 flattens the distribution.' },
			sweep: { short: 'T' },
			resamplesWhatIf: true
		}
	],
	reads: ['dynatempRange'],
	isNeutral: ({ temperature, dynatempRange }, { order }) =>
		temperature === 1 || (dynatempRange > 0 && order?.includes('dynamic-temperature') === true),
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
} as const satisfies StageDefinition<'temperature', 'temperature', 'dynatempRange'>;

function scaleAll(logits: Float64Array, count: number, scale: number): void {
	for (let id = 0; id < count; id++) logits[id] *= scale;
}

function scaleListed(logits: Float64Array, ids: Int32Array, count: number, scale: number): void {
	for (let i = 0; i < count; i++) logits[ids[i]] *= scale;
}
