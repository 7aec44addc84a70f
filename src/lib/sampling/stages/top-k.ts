import type { StageDefinition } from '../stage';

/** Keeps the k best candidates (ties by lower token id). */
export const topK = {
	name: 'top-k',
	label: 'Top-k',
	summary: 'Keeps only the k most likely tokens; 0 keeps all.',
	panelRank: 2,
	externalOrder: { llamaCpp: 'top_k', textgen: ['top_k'] },
	params: [
		{
			key: 'topK',
			label: 'Top-k',
			min: 0,
			max: 'vocab',
			integer: true,
			default: 40,
			external: {
				// llama.cpp turns top-k off with any k ≤ 0; here 0 is off.
				llamaCpp: { name: 'top_k', read: (k) => Math.max(k, 0) },
				textgen: 'top_k',
				sillyTavern: 'top_k'
			},
			help: {
				what: 'Keeps only the k most likely tokens before drawing. 0 turns it off.',
				low: 'Small k (1–10) leaves few choices; 1 is the same as greedy.',
				high: 'Large k keeps the long tail of unlikely tokens.',
				typical: '40–50 with top-p; 0 when min-p or top-p does the cutting.',
				fixes:
					'Odd or nonsense words: lower k. Bland, predictable text: raise k or set it to 0 and let top-p or min-p cut.'
			},
			slider: { min: 0, max: 200, step: 1 },
			sweep: { short: 'top-k' },
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ topK }) => topK === 0,
	create({ topK: k }) {
		return {
			apply(candidates) {
				if (k >= candidates.count) return;
				candidates.keepRanking(candidates.rank(k));
			}
		};
	}
} as const satisfies StageDefinition<'top-k', 'topK'>;
