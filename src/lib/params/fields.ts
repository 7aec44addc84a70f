import {
	MAX_SEED,
	PARAM_SPECS,
	describeRange,
	type ParamSpec,
	type StageParamKey
} from '#lib/sampling';
import type { SettingKey } from './help';

/** A numeric setting as the parameter panel shows it: a slider beside a number field. */
export interface NumberField<Key extends SettingKey = SettingKey> {
	key: Key;
	spec: ParamSpec;
	/** Slider bounds; the number field accepts the whole range of `spec`. */
	sliderMin: number;
	sliderMax: number;
	step: number;
	/** Shown when the value is above this (temperature above 1 flattens the distribution). */
	warnAbove?: { value: number; text: string };
}

const spec = (key: string): ParamSpec => {
	const found = PARAM_SPECS.find((s) => s.key === key);
	if (!found) throw new Error(`No parameter spec for ${key}`);
	return found;
};

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

/** The sampling fields of the panel, in the default chain order. */
export const SAMPLING_FIELDS: readonly NumberField<StageParamKey>[] = [
	{
		key: 'temperature',
		spec: spec('temperature'),
		sliderMin: 0,
		sliderMax: 2,
		step: 0.05,
		warnAbove: { value: 1, text: 'Above 1 flattens the distribution.' }
	},
	{ key: 'topK', spec: spec('topK'), sliderMin: 0, sliderMax: 200, step: 1 },
	{ key: 'topP', spec: spec('topP'), sliderMin: 0.01, sliderMax: 1, step: 0.01 },
	{ key: 'minP', spec: spec('minP'), sliderMin: 0, sliderMax: 0.5, step: 0.01 },
	{ key: 'repeatPenalty', spec: spec('repeatPenalty'), sliderMin: 1, sliderMax: 2, step: 0.01 },
	{ key: 'repeatLastN', spec: spec('repeatLastN'), sliderMin: -1, sliderMax: 512, step: 1 },
	{
		key: 'frequencyPenalty',
		spec: spec('frequencyPenalty'),
		sliderMin: -2,
		sliderMax: 2,
		step: 0.05
	},
	{ key: 'presencePenalty', spec: spec('presencePenalty'), sliderMin: -2, sliderMax: 2, step: 0.05 }
];

export const MAX_NEW_TOKENS_FIELD: NumberField = {
	key: 'maxNewTokens',
	spec: MAX_NEW_TOKENS_SPEC,
	sliderMin: 1,
	sliderMax: 4096,
	step: 1
};

export const CONTEXT_LENGTH_FIELD: NumberField = {
	key: 'contextLength',
	spec: CONTEXT_LENGTH_SPEC,
	sliderMin: 128,
	sliderMax: 8192,
	step: 128
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
