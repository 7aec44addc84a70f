import type { StageDefinition } from '../stage';

export const LOGIT_BIAS_LIMIT = 100;

/** `logit += bias` for every token the user gave a bias. */
export const logitBias: StageDefinition<'logit-bias', never> = {
	name: 'logit-bias',
	label: 'Logit bias',
	summary: 'Adds a fixed amount to the logit of chosen tokens, to favour or ban them.',
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
};
