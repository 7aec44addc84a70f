import type { StageDefinition } from '../stage';

/** OpenAI's rule: `logit − count·frequency − presence` for a token seen `count > 0` times. */
export function penalizeFrequencyPresence(
	logit: number,
	count: number,
	frequency: number,
	presence: number
): number {
	return logit - (count * frequency + presence);
}

/** Penalises tokens of the penalty window by how often they occur, and once for occurring at all. */
export const frequencyPresence = {
	name: 'frequency-presence',
	label: 'Frequency & presence',
	summary:
		'Subtracts from the logit of tokens in the penalty window: the frequency penalty once per occurrence, the presence penalty once.',
	panelRank: 6,
	externalOrder: { llamaCpp: 'penalties', textgen: ['presence_penalty', 'frequency_penalty'] },
	params: [
		{
			key: 'frequencyPenalty',
			label: 'Frequency penalty',
			min: -2,
			max: 2,
			default: 0,
			external: {
				llamaCpp: 'frequency_penalty',
				textgen: 'frequency_penalty',
				sillyTavern: 'freq_pen'
			},
			help: {
				what: 'Subtracts this much from a token’s logit for every time it occurs in the window.',
				low: 'Negative values encourage repeating words.',
				high: 'Positive values discourage words the more often they were used.',
				typical: '0–0.7',
				fixes: 'The same word over and over: raise it.'
			},
			slider: { min: -2, max: 2, step: 0.05 },
			sweep: { short: 'freq' },
			resamplesWhatIf: true
		},
		{
			key: 'presencePenalty',
			label: 'Presence penalty',
			min: -2,
			max: 2,
			default: 0,
			external: {
				llamaCpp: 'presence_penalty',
				textgen: 'presence_penalty',
				sillyTavern: 'presence_pen'
			},
			help: {
				what: 'Subtracts this much once from the logit of every token that occurs in the window.',
				low: 'Negative values encourage staying on the same words.',
				high: 'Positive values push towards new words and topics.',
				typical: '0–0.7',
				fixes: 'Stuck on one topic: raise it. Drifting off topic or dropping names: lower it.'
			},
			slider: { min: -2, max: 2, step: 0.05 },
			sweep: { short: 'pres' },
			resamplesWhatIf: true
		}
	],
	reads: ['repeatLastN'],
	isNeutral: ({ frequencyPenalty, presencePenalty, repeatLastN }) =>
		(frequencyPenalty === 0 && presencePenalty === 0) || repeatLastN === 0,
	create({ frequencyPenalty, presencePenalty, repeatLastN }) {
		return {
			apply(candidates, { history, window }) {
				window.count(history, repeatLastN);
				const { logits } = candidates;
				for (let i = 0; i < window.distinctCount; i++) {
					const id = window.distinct[i];
					logits[id] = penalizeFrequencyPresence(
						logits[id],
						window.counts[id],
						frequencyPenalty,
						presencePenalty
					);
				}
				candidates.logitsChanged();
			}
		};
	}
} as const satisfies StageDefinition<
	'frequency-presence',
	'frequencyPenalty' | 'presencePenalty',
	'repeatLastN'
>;
