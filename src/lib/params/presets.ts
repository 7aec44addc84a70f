import { DEFAULT_SAMPLING_PARAMS, switchOnSetStages, type SamplingParams } from '#lib/sampling';

export interface Preset {
	id: string;
	label: string;
	description: string;
	/** Values that differ from the defaults; every other parameter is reset to its default. */
	values: Partial<SamplingParams>;
}

/** Presets from common assistants' parameter guides; where a guide gives a range, its middle. */
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
	}
];

/**
 * The parameters a preset gives: the defaults with the preset's values, keeping the seed; a
 * stage off by default that the preset sets is switched on.
 */
export function applyPreset(preset: Preset, current: SamplingParams): SamplingParams {
	return switchOnSetStages({
		...DEFAULT_SAMPLING_PARAMS,
		order: [...DEFAULT_SAMPLING_PARAMS.order],
		logitBias: {},
		...preset.values,
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
