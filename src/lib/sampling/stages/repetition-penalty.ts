import type { StageDefinition } from '../stage';

/** llama.cpp's rule: shrink a positive logit, grow a negative one, by the same factor. */
export function penalizeRepetition(logit: number, penalty: number): number {
	return logit > 0 ? logit / penalty : logit * penalty;
}

/** Penalises every distinct token of the penalty window once, whatever its count. */
export const repetitionPenalty = {
	name: 'repetition-penalty',
	label: 'Repetition penalty',
	summary:
		'Makes tokens already in the recent context less likely: positive logits are divided by the penalty, negative ones multiplied.',
	panelRank: 5,
	externalOrder: { llamaCpp: 'penalties', textgen: ['repetition_penalty'] },
	params: [
		{
			key: 'repeatPenalty',
			label: 'Repetition penalty',
			min: 1,
			max: 2,
			default: 1,
			external: {
				llamaCpp: 'repeat_penalty',
				textgen: 'repetition_penalty',
				sillyTavern: 'rep_pen'
			},
			help: {
				what: 'Makes tokens from the recent context less likely: positive logits are divided by it, negative ones multiplied.',
				low: '1 turns it off.',
				high: '1.3 and more pushes the model away from words it already used, even ones it needs.',
				typical: '1.05–1.15 against loops.',
				fixes: 'Loops and repeated phrases: raise it slightly or widen its window.'
			},
			slider: { min: 1, max: 2, step: 0.01 },
			sweep: { short: 'rep' },
			resamplesWhatIf: true
		},
		{
			key: 'repeatLastN',
			label: 'Penalty window',
			min: 0,
			max: 1_048_576,
			integer: true,
			special: { [-1]: 'the whole context' },
			default: 64,
			external: {
				llamaCpp: 'repeat_last_n',
				// text-generation-webui's range 0 means the whole context (ours: −1; 0 is off here).
				textgen: {
					name: 'repetition_penalty_range',
					read: (n) => (n === 0 ? -1 : n),
					write: (n) => (n === -1 ? 0 : n)
				},
				// SillyTavern passes it on unchanged to the backend; read as llama.cpp's repeat_last_n.
				sillyTavern: 'rep_pen_range'
			},
			help: {
				what: 'How many recent tokens (prompt included) the penalties look at.',
				low: '0 turns the penalties off.',
				high: 'Longer windows also penalise words from far back; −1 uses the whole context.',
				typical: '64',
				fixes:
					'Loops over long passages: widen the window. The model avoids words the prompt needs: shorten it.'
			},
			slider: { min: -1, max: 512, step: 1 },
			sweep: null,
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ repeatPenalty, repeatLastN }) => repeatPenalty === 1 || repeatLastN === 0,
	create({ repeatPenalty, repeatLastN }) {
		return {
			apply(candidates, { history, window }) {
				window.count(history, repeatLastN);
				const { logits } = candidates;
				for (let i = 0; i < window.distinctCount; i++) {
					const id = window.distinct[i];
					logits[id] = penalizeRepetition(logits[id], repeatPenalty);
				}
				candidates.logitsChanged();
			}
		};
	}
} as const satisfies StageDefinition<'repetition-penalty', 'repeatPenalty' | 'repeatLastN'>;
