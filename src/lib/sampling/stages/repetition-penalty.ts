import type { StageDefinition } from '../stage';

/** llama.cpp's rule: shrink a positive logit, grow a negative one, by the same factor. */
export function penalizeRepetition(logit: number, penalty: number): number {
	return logit > 0 ? logit / penalty : logit * penalty;
}

/** Penalises every distinct token of the penalty window once, whatever its count. */
export const repetitionPenalty: StageDefinition<
	'repetition-penalty',
	'repeatPenalty' | 'repeatLastN'
> = {
	name: 'repetition-penalty',
	label: 'Repetition penalty',
	summary:
		'Makes tokens already in the recent context less likely: positive logits are divided by the penalty, negative ones multiplied.',
	params: [
		{ key: 'repeatPenalty', label: 'Repetition penalty', min: 1, max: 2, default: 1 },
		{
			key: 'repeatLastN',
			label: 'Penalty window',
			min: 0,
			max: 1_048_576,
			integer: true,
			special: { [-1]: 'the whole context' },
			default: 64
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
};
