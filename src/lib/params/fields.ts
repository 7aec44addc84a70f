import {
	MAX_SEED,
	STAGE_DEFINITIONS,
	describeRange,
	paramSpecsOf,
	panelParamsOf,
	type ParamHelp,
	type ParamSpec,
	type StageName,
	type StageParam,
	type StageParamKey,
	type StageRegistry
} from '#lib/sampling';
import { PARAM_HELP, type SettingKey } from './help';

/** A numeric setting as the parameter panel shows it: a slider beside a number field. */
export interface NumberField<Key extends string = SettingKey> {
	key: Key;
	spec: ParamSpec;
	help: ParamHelp;
	/** Slider bounds; the number field accepts the whole range of `spec`. */
	sliderMin: number;
	sliderMax: number;
	step: number;
	/** Shown when the value is above this (temperature above 1 flattens the distribution). */
	warnAbove?: { value: number; text: string };
}

export const MAX_NEW_TOKENS_SPEC: ParamSpec = {
	key: 'maxNewTokens',
	label: 'Max new tokens',
	min: 1,
	max: 32_768,
	integer: true,
	default: 256
};

export const CONTEXT_LENGTH_SPEC: ParamSpec = {
	key: 'contextLength',
	label: 'Context window',
	min: 16,
	max: 131_072,
	integer: true,
	default: 2048
};

export const SEED_SPEC: ParamSpec = {
	key: 'seed',
	label: 'Seed',
	min: 0,
	max: MAX_SEED,
	integer: true,
	default: 0
};

function fieldOf(param: StageParam): NumberField<string> {
	return {
		key: param.key,
		spec: param,
		help: param.help,
		sliderMin: param.slider.min,
		sliderMax: param.slider.max,
		step: param.slider.step,
		...(param.warnAbove && { warnAbove: param.warnAbove })
	};
}

/** The panel's field of every stage parameter of `registry`, in panel order. */
export function samplingFields(
	registry: StageRegistry = STAGE_DEFINITIONS
): readonly NumberField<string>[] {
	return panelParamsOf(registry).map(fieldOf);
}

/** The sampling fields of the panel: the choice stages first, then the penalties. */
export const SAMPLING_FIELDS = samplingFields() as readonly NumberField<StageParamKey>[];

/** A stage of the panel's "More samplers" section: its name, label, summary and fields. */
export interface OptionalStageFields<Name extends string = string, Key extends string = string> {
	name: Name;
	label: string;
	summary: string;
	fields: readonly NumberField<Key>[];
}

/**
 * The parameter panel's two groups, read off `registry`: the fields of the stages the default
 * chain runs (always on show, in panel order), and the stages off by default, each with its own
 * fields, by `panelRank` (the "More samplers" section). A stage added to the registry lands in
 * one of them by its `offByDefault` alone.
 */
export function panelGroups(registry: StageRegistry = STAGE_DEFINITIONS): {
	main: readonly NumberField<string>[];
	more: readonly OptionalStageFields[];
} {
	const main = registry.filter((stage) => !stage.offByDefault);
	const more = [...registry]
		.filter((stage) => stage.offByDefault)
		.sort((a, b) => a.panelRank - b.panelRank);
	return {
		main: samplingFields(main),
		more: more.map((stage) => ({
			name: stage.name,
			label: stage.label,
			summary: stage.summary,
			fields: stage.params.map(fieldOf)
		}))
	};
}

const PANEL_GROUPS = panelGroups();

/** The fields of the default chain's stages, always on show in the panel. */
export const MAIN_FIELDS = PANEL_GROUPS.main as readonly NumberField<StageParamKey>[];

/** The stages off by default with their fields: the panel's "More samplers". */
export const MORE_STAGES = PANEL_GROUPS.more as readonly OptionalStageFields<
	StageName,
	StageParamKey
>[];

export const MAX_NEW_TOKENS_FIELD: NumberField = {
	key: 'maxNewTokens',
	spec: MAX_NEW_TOKENS_SPEC,
	help: PARAM_HELP.maxNewTokens,
	sliderMin: 1,
	sliderMax: 4096,
	step: 1
};

export const CONTEXT_LENGTH_FIELD: NumberField = {
	key: 'contextLength',
	spec: CONTEXT_LENGTH_SPEC,
	help: PARAM_HELP.contextLength,
	sliderMin: 128,
	sliderMax: 8192,
	step: 128
};

/**
 * The label of every setting of the parameter panel: the table the panel's labels and the names
 * of their help toggles ("Help: Temperature") are read from. Stage parameters carry theirs in
 * their stage.
 */
export const SETTING_LABELS: Readonly<Record<SettingKey, string>> = {
	// The real registry labels every StageParamKey.
	...(Object.fromEntries(paramSpecsOf().map((spec) => [spec.key, spec.label])) as Record<
		StageParamKey,
		string
	>),
	seed: SEED_SPEC.label,
	maxNewTokens: MAX_NEW_TOKENS_SPEC.label,
	contextLength: CONTEXT_LENGTH_SPEC.label,
	stop: 'Stop sequences',
	drySequenceBreakers: 'DRY sequence breakers'
};

export type ParsedNumber = { ok: true; value: number } | { ok: false; message: string };

/**
 * Reads what the user typed into a number field. The message names the setting, what was typed
 * and the allowed range, so it can be shown as it is.
 */
export function parseNumberInput(text: string, field: ParamSpec, vocabSize?: number): ParsedNumber {
	const range = describeRange(field, vocabSize);
	const trimmed = text.trim();
	if (trimmed === '') return { ok: false, message: `${field.label} is empty: enter ${range}.` };
	// Number('') and Number(' ') are 0 and Number('0x10') is 16: accept plain decimals only.
	if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) {
		return { ok: false, message: `${field.label}: “${trimmed}” is not a number; enter ${range}.` };
	}
	const value = Number(trimmed);
	const max = field.max === 'vocab' ? (vocabSize ?? Infinity) : field.max;
	const special = field.special !== undefined && value in field.special;
	const outside =
		(field.minExclusive ? value <= field.min : value < field.min) ||
		(field.maxExclusive ? value >= max : value > max) ||
		(field.integer && !Number.isInteger(value));
	if (outside && !special) {
		return { ok: false, message: `${field.label} must be ${range}; got ${trimmed}.` };
	}
	return { ok: true, value };
}
