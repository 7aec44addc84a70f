import type { ModelInfo } from '#lib/core/model';
import { MAX_NEW_TOKENS_SPEC } from '#lib/params/fields';
import { applyPreset, type Preset } from '#lib/params/presets';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '#lib/sampling';
import type { FieldValidity } from './field-validity.svelte';

function defaultParams(): SamplingParams {
	return {
		...DEFAULT_SAMPLING_PARAMS,
		order: [...DEFAULT_SAMPLING_PARAMS.order],
		logitBias: {},
		drySequenceBreakers: [...DEFAULT_SAMPLING_PARAMS.drySequenceBreakers]
	};
}

/**
 * The parameter panel's values: sampling parameters, output length, stop sequences and the
 * end-of-text ban, with presets and reset. Clears the field validity when it replaces values;
 * the panel binds to it; runs, compare, explore, replay and the draft read it.
 */
export class RunSettings {
	params = $state<SamplingParams>(defaultParams());
	maxNewTokens = $state(MAX_NEW_TOKENS_SPEC.default);
	stopSequences = $state('');
	banEndOfText = $state(false);

	constructor(private readonly validity: FieldValidity) {}

	applyPreset(preset: Preset): void {
		this.params = applyPreset(preset, this.params);
		this.validity.clear();
	}

	resetParams(): void {
		this.params = { ...defaultParams(), seed: this.params.seed };
		this.maxNewTokens = MAX_NEW_TOKENS_SPEC.default;
		this.stopSequences = '';
		this.banEndOfText = false;
		this.validity.clear();
	}

	/** Puts stored settings on the panel. */
	apply(settings: {
		params: SamplingParams;
		maxNewTokens: number;
		stopSequences: string[];
		banEndOfText: boolean;
	}): void {
		this.params = {
			...settings.params,
			order: [...settings.params.order],
			logitBias: { ...settings.params.logitBias },
			drySequenceBreakers: [...settings.params.drySequenceBreakers]
		};
		this.maxNewTokens = settings.maxNewTokens;
		this.stopSequences = settings.stopSequences.join('\n');
		this.banEndOfText = settings.banEndOfText;
	}

	/** The stop sequences field, one per line. */
	stopList(): string[] {
		return this.stopSequences.split('\n').filter((line) => line.length > 0);
	}

	/** `params` (the panel's by default) as sent to the worker, with the end-of-text ban applied. */
	requestParams(
		model: ModelInfo,
		params: SamplingParams = $state.snapshot(this.params),
		banEndOfText = this.banEndOfText
	): SamplingParams {
		if (!banEndOfText) return params;
		const banned = Object.fromEntries(model.stopIds.map((id) => [id, -100]));
		return { ...params, logitBias: { ...params.logitBias, ...banned } };
	}
}
