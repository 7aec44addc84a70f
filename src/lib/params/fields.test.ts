import { describe, expect, it } from 'vitest';
import { PARAM_SPECS, STAGE_DEFINITIONS, type AnyStageDefinition } from '#lib/sampling';
import {
	MAIN_FIELDS,
	MORE_STAGES,
	SAMPLING_FIELDS,
	SEED_SPEC,
	SETTING_LABELS,
	panelGroups,
	parseNumberInput
} from './fields';
import { PARAM_HELP } from './help';

const temperature = PARAM_SPECS.find((s) => s.key === 'temperature')!;
const topK = PARAM_SPECS.find((s) => s.key === 'topK')!;
const window = PARAM_SPECS.find((s) => s.key === 'repeatLastN')!;

describe('parseNumberInput', () => {
	it('accepts plain decimals inside the range', () => {
		expect(parseNumberInput(' 0.7 ', temperature)).toEqual({ ok: true, value: 0.7 });
		expect(parseNumberInput('2', temperature)).toEqual({ ok: true, value: 2 });
		expect(parseNumberInput('.5', temperature)).toEqual({ ok: true, value: 0.5 });
	});

	it('names the setting, the text and the range for letters or an empty field', () => {
		expect(parseNumberInput('abc', temperature)).toEqual({
			ok: false,
			message: 'Temperature: “abc” is not a number; enter a number in [0, 2].'
		});
		expect(parseNumberInput('0x10', temperature).ok).toBe(false);
		expect(parseNumberInput('NaN', temperature).ok).toBe(false);
		expect(parseNumberInput('Infinity', temperature).ok).toBe(false);
		expect(parseNumberInput('', temperature)).toEqual({
			ok: false,
			message: 'Temperature is empty: enter a number in [0, 2].'
		});
	});

	it('rejects values outside the range or fractions of integer settings', () => {
		expect(parseNumberInput('2.5', temperature)).toEqual({
			ok: false,
			message: 'Temperature must be a number in [0, 2]; got 2.5.'
		});
		expect(parseNumberInput('600', topK, 512)).toEqual({
			ok: false,
			message: 'Top-k must be an integer in [0, 512]; got 600.'
		});
		expect(parseNumberInput('4.5', topK, 512).ok).toBe(false);
		expect(parseNumberInput('4294967296', SEED_SPEC).ok).toBe(false);
	});

	it('accepts special values such as −1 for the whole context', () => {
		expect(parseNumberInput('-1', window)).toEqual({ ok: true, value: -1 });
		expect(parseNumberInput('-2', window).ok).toBe(false);
	});
});

describe('parameter panel fields', () => {
	it('cover every sampling parameter once, each with help text', () => {
		expect(SAMPLING_FIELDS.map((f) => f.key).sort()).toEqual(PARAM_SPECS.map((s) => s.key).sort());
		for (const field of SAMPLING_FIELDS) {
			const help = PARAM_HELP[field.key];
			for (const part of [help.what, help.low, help.high, help.typical, help.fixes]) {
				expect(part.length, `${field.key} help`).toBeGreaterThan(1);
			}
			// Both ends of every slider must be values the number field accepts.
			for (const end of [field.sliderMin, field.sliderMax]) {
				expect(parseNumberInput(String(end), field.spec, 512)).toEqual({ ok: true, value: end });
			}
		}
	});
});

describe('fields derived from the stage registry', () => {
	it('keep the panel’s order: the choice stages first, then the penalties', () => {
		expect(SAMPLING_FIELDS.map((f) => f.key)).toEqual([
			'temperature',
			'dynatempRange',
			'dynatempExponent',
			'smoothingFactor',
			'smoothingCurve',
			'topK',
			'topP',
			'typicalP',
			'tfsZ',
			'minP',
			'topA',
			'epsilonCutoff',
			'etaCutoff',
			'topNSigma',
			'xtcProbability',
			'xtcThreshold',
			'mirostatMode',
			'mirostatTau',
			'mirostatEta',
			'mirostatM',
			'repeatPenalty',
			'repeatLastN',
			'noRepeatNgramSize',
			'dryMultiplier',
			'dryBase',
			'dryAllowedLength',
			'dryPenaltyLastN',
			'frequencyPenalty',
			'presencePenalty'
		]);
	});

	it('carry each stage parameter’s slider, warning and help', () => {
		const [temperatureField] = SAMPLING_FIELDS;
		expect(temperatureField).toMatchObject({
			sliderMin: 0,
			sliderMax: 2,
			step: 0.05,
			warnAbove: { value: 1, text: 'Above 1 flattens the distribution.' }
		});
		expect(SAMPLING_FIELDS.filter((f) => f.warnAbove).map((f) => f.key)).toEqual(['temperature']);
		for (const field of SAMPLING_FIELDS) expect(field.help).toBe(PARAM_HELP[field.key]);
	});

	it('label every setting once, from the stages and the panel’s own specs', () => {
		for (const field of SAMPLING_FIELDS) expect(SETTING_LABELS[field.key]).toBe(field.spec.label);
		expect(SETTING_LABELS.temperature).toBe('Temperature');
		expect(SETTING_LABELS.seed).toBe('Seed');
		expect(SETTING_LABELS.stop).toBe('Stop sequences');
		const labels = Object.values(SETTING_LABELS);
		expect(new Set(labels).size).toBe(labels.length);
		expect(Object.keys(SETTING_LABELS).sort()).toEqual(Object.keys(PARAM_HELP).sort());
	});
});

describe('the panel’s groups', () => {
	it('keep the default chain’s fields on show and fold the stages off by default', () => {
		expect(MAIN_FIELDS.map((f) => f.key)).toEqual([
			'temperature',
			'topK',
			'topP',
			'minP',
			'repeatPenalty',
			'repeatLastN',
			'frequencyPenalty',
			'presencePenalty'
		]);
		// Every stage off by default, and only those, in the panel's rank order.
		const offByDefault = STAGE_DEFINITIONS.filter((d: AnyStageDefinition) => d.offByDefault);
		expect(MORE_STAGES.map((s) => s.name).sort()).toEqual(offByDefault.map((d) => d.name).sort());
		const ranks = MORE_STAGES.map(
			(s) => STAGE_DEFINITIONS.find((d) => d.name === s.name)!.panelRank
		);
		expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
		for (const stage of MORE_STAGES) {
			const definition = STAGE_DEFINITIONS.find((d) => d.name === stage.name)!;
			expect(stage.label).toBe(definition.label);
			expect(stage.summary).toBe(definition.summary);
			expect(stage.fields.map((f) => f.key)).toEqual(definition.params.map((p) => p.key));
		}
		// Every stage parameter is in exactly one group.
		const all = [...MAIN_FIELDS, ...MORE_STAGES.flatMap((s) => s.fields)].map((f) => f.key);
		expect(all.sort()).toEqual(PARAM_SPECS.map((s) => s.key).sort());
	});

	it('place a stage added to the registry by its offByDefault and panelRank alone', () => {
		const stage = (name: string, panelRank: number, offByDefault: boolean) => ({
			name,
			label: name.toUpperCase(),
			summary: `${name} summary`,
			panelRank,
			...(offByDefault && { offByDefault: true as const }),
			params: [{ ...temperature, key: `${name}Value`, label: name }],
			isNeutral: () => true,
			create: () => ({ apply() {} })
		});
		const registry = [...STAGE_DEFINITIONS, stage('later', 4.05, true), stage('core', 1.5, false)];
		const groups = panelGroups(registry);
		const names = groups.more.map((s) => s.name);
		expect(names).toContain('later');
		expect(names).not.toContain('core');
		const rankOf = (name: string) => registry.find((d) => d.name === name)!.panelRank;
		const ranks = names.map(rankOf);
		expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
		expect(groups.more.find((s) => s.name === 'later')).toMatchObject({
			label: 'LATER',
			summary: 'later summary'
		});
		expect(groups.main.map((f) => f.key).slice(0, 2)).toEqual(['temperature', 'coreValue']);
	});
});
