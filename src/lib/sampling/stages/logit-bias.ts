import type { StageDefinition } from '../stage';

export const LOGIT_BIAS_LIMIT = 100;

/** `logit += bias` for every token the user gave a bias. */
export const logitBias = {
	name: 'logit-bias',
	label: 'Logit bias',
	summary:
		'Adds your per-token biases to the logits, to favour or ban tokens (the end-of-text ban is one).',
	panelRank: 7,
	params: [],
	isNeutral: (_values, { logitBias }) => Object.keys(logitBias).length === 0,
	create(_values, shared) {
		const entries = Object.entries(shared.logitBias);
		const ids = Int32Array.from(entries, ([id]) => Number(id));
		const biases = Float64Array.from(entries, ([, bias]) => bias);
		return {
			apply(candidates) {
				const { logits } = candidates;
				for (let i = 0; i < ids.length; i++) logits[ids[i]] = logits[ids[i]] + biases[i];
				candidates.logitsChanged();
			}
		};
	}
} as const satisfies StageDefinition<'logit-bias', never>;
