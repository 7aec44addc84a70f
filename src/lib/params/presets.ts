import { DEFAULT_SAMPLING_PARAMS, switchOnSetStages, type SamplingParams } from '#lib/sampling';

export interface Preset {
	id: string;
	label: string;
	/** One line shown under the preset picker: what it does and, for a recipe, whose it is. */
	description: string;
	/** Values that differ from the defaults; every other parameter is reset to its default. */
	values: Partial<SamplingParams>;
}

/**
 * The chain order of a recipe that cuts the tail first and applies the temperature last
 * (text-generation-webui's and SillyTavern's `temperature_last`).
 */
const TEMPERATURE_LAST: Preset['values']['order'] = [
	...DEFAULT_SAMPLING_PARAMS.order.filter((name) => name !== 'temperature'),
	'temperature'
];

/**
 * Presets from common assistants' parameter guides (where a guide gives a range, its middle),
 * then the well-known recipes of particular samplers, each naming its source in its note. A
 * preset that sets a stage off by default switches it on ({@link applyPreset}).
 */
export const PRESETS: readonly Preset[] = [
	{
		id: 'defaults',
		label: 'Playground defaults',
		description: 'Temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties.',
		values: {}
	},
	{
		id: 'precise',
		label: 'Precise',
		description: 'Low temperature and a narrow nucleus: focused, repeatable answers.',
		values: { temperature: 0.2, topP: 0.5, topK: 40, frequencyPenalty: 0, presencePenalty: 0 }
	},
	{
		id: 'balanced',
		label: 'Balanced',
		description: 'Moderate randomness with light penalties against repetition.',
		values: { temperature: 0.5, topP: 0.9, topK: 50, frequencyPenalty: 0.3, presencePenalty: 0.3 }
	},
	{
		id: 'creative',
		label: 'Creative',
		description: 'High temperature, full nucleus and strong penalties: varied, surprising text.',
		values: { temperature: 0.85, topP: 1, topK: 100, frequencyPenalty: 0.7, presencePenalty: 0.7 }
	},
	{
		id: 'factual',
		label: 'Factual Q&A',
		description: 'Very low temperature for answers that should not vary.',
		values: { temperature: 0.2, topP: 0.3, topK: 35 }
	},
	{
		id: 'code',
		label: 'Code',
		description: 'Low temperature with a moderate nucleus: correct syntax first.',
		values: { temperature: 0.35, topP: 0.6, topK: 50 }
	},
	{
		id: 'conversation',
		label: 'Conversation',
		description: 'Natural, varied replies that stay on topic.',
		values: { temperature: 0.6, topP: 0.8, topK: 75 }
	},
	{
		id: 'min-p-creative',
		label: 'Recipe: min-p creative',
		description:
			'Min-p 0.1 cuts the tail first, then temperature 1.5 (last in the chain); top-k and top-p off. From the min-p paper (Nguyen et al., 2024) and temperature_last in text-generation-webui.',
		values: { minP: 0.1, temperature: 1.5, topK: 0, topP: 1, order: TEMPERATURE_LAST }
	},
	{
		id: 'top-n-sigma',
		label: 'Recipe: top-nσ',
		description:
			'Top-nσ at n = 1 (the paper’s setting, Tang et al., 2024) as the only cut, so raising the temperature does not widen what is kept.',
		values: { topNSigma: 1, temperature: 1, topK: 0, topP: 1, minP: 0 }
	},
	{
		id: 'mirostat-2',
		label: 'Recipe: Mirostat 2',
		description:
			'Mirostat 2 at τ 5, η 0.1 (llama.cpp’s defaults) after temperature 1, the only cut, as llama.cpp runs it: it steers each token’s surprise towards τ bits.',
		values: {
			mirostatMode: 2,
			mirostatTau: 5,
			mirostatEta: 0.1,
			temperature: 1,
			topK: 0,
			topP: 1,
			minP: 0,
			order: ['logit-bias', 'temperature', 'mirostat']
		}
	},
	{
		id: 'dry-xtc',
		label: 'Recipe: DRY + XTC',
		description:
			'DRY 0.8 / 1.75 / 2 against repeated passages and XTC 0.1 / 0.5 against the most obvious choices (their author’s suggested values), over min-p 0.02, in llama.cpp’s order: penalties, DRY, cuts, XTC, temperature.',
		values: {
			dryMultiplier: 0.8,
			dryBase: 1.75,
			dryAllowedLength: 2,
			xtcThreshold: 0.1,
			xtcProbability: 0.5,
			minP: 0.02,
			temperature: 1,
			topK: 0,
			topP: 1,
			order: [
				'logit-bias',
				'repetition-penalty',
				'frequency-presence',
				'dry',
				'top-k',
				'top-p',
				'min-p',
				'xtc',
				'temperature'
			]
		}
	}
];

/**
 * The parameters a preset gives: the defaults with the preset's values, keeping the seed; a
 * stage off by default that the preset sets is switched on.
 */
export function applyPreset(preset: Preset, current: SamplingParams): SamplingParams {
	return switchOnSetStages({
		...DEFAULT_SAMPLING_PARAMS,
		logitBias: {},
		...preset.values,
		// A copy: the panel's state must not share the preset's own list.
		order: [...(preset.values.order ?? DEFAULT_SAMPLING_PARAMS.order)],
		seed: current.seed
	});
}

/** The preset whose values the parameters match exactly, if any. */
export function matchingPreset(params: SamplingParams): Preset | null {
	return (
		PRESETS.find((preset) => {
			const expected = applyPreset(preset, params);
			return (Object.keys(expected) as (keyof SamplingParams)[]).every(
				(key) => JSON.stringify(expected[key]) === JSON.stringify(params[key])
			);
		}) ?? null
	);
}
