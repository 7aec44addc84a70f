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
export const frequencyPresence: StageDefinition<
	'frequency-presence',
	'frequencyPenalty' | 'presencePenalty',
	'repeatLastN'
> = {
	name: 'frequency-presence',
	label: 'Frequency & presence',
	summary:
		'Subtracts from the logit of tokens in the penalty window: the frequency penalty once per occurrence, the presence penalty once.',
	params: [
		{ key: 'frequencyPenalty', label: 'Frequency penalty', min: -2, max: 2, default: 0 },
		{ key: 'presencePenalty', label: 'Presence penalty', min: -2, max: 2, default: 0 }
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
};
