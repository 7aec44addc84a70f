import {
	STAGE_DEFINITIONS,
	SamplingValidationError,
	defaultStageValues,
	orderWithStage,
	panelParamsOf,
	validateSamplingParams,
	type SamplingParams,
	type StageRegistry
} from '#lib/sampling';
import type { SweepParam } from '#lib/core/experiment';
import { skillNamed, type SkillRef } from '#lib/core/skill';

/**
 * Sweeps: which parameters a sweep may vary, reading an axis's values, and the lanes of a grid.
 * The axes come from the stage registry (every stage parameter with `sweep` set), between the
 * seed and the model; the skill axis (the chat's system prompt) comes last. Called by the compare state, the sweep builder and the experiment formats.
 */

/** A parameter a sweep may vary: its name in the picker, and in lane labels ("T 0.7"). */
export interface SweepOption {
	param: SweepParam;
	label: string;
	short: string;
}

/** The sweep axes of `registry`: the seed, its stage parameters in panel order, the model, the skill. */
export function sweepOptions(registry: StageRegistry = STAGE_DEFINITIONS): readonly SweepOption[] {
	const stageAxes = panelParamsOf(registry).flatMap((param) =>
		// A parameter with `sweep` set is a SweepParam (SweepStageParamKey is derived from it).
		param.sweep
			? [{ param: param.key as SweepParam, label: param.label, short: param.sweep.short }]
			: []
	);
	return [
		{ param: 'seed', label: 'Seed', short: 'seed' },
		...stageAxes,
		{ param: 'model', label: 'Model', short: 'model' },
		{ param: 'skill', label: 'Skill', short: 'skill' }
	];
}

export const MIN_LANES = 2;
export const MAX_LANES = 16;

export type SweepValue = number | string;

export interface SweepAxis {
	param: SweepParam;
	values: SweepValue[];
}

/** One lane: the base parameters plus these overrides, on this model. */
export interface LaneSpec {
	id: string;
	params: SamplingParams;
	/** Model id (picker id) the lane runs on. */
	modelId: string;
	/** The overrides in words, e.g. "seed 7 · T 1.2" or "Tutor · T 1.2". */
	label: string;
	/** The skill whose text is this lane's system prompt, when a skill axis sets it. */
	skill?: SkillRef;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** The sweep functions over one registry's stages. */
export interface Sweeps {
	/** What a sweep may vary, in the picker's order. */
	options: readonly SweepOption[];
	/**
	 * Reads the values of one axis: a comma-separated list (`1, 2, 3`), or a range with a step
	 * (`0.2 to 1.0 step 0.2`). Model axes take model ids, skill axes skill names (any case; the
	 * values are the names as `skills` spells them). Every number is checked as the sweep's
	 * parameter would be.
	 */
	parseAxisValues(
		param: SweepParam,
		text: string,
		modelIds?: readonly string[],
		skills?: readonly SkillRef[]
	): Parsed<SweepValue[]>;
	/** "seed 7 · T 1.2" for the values a lane overrides. */
	laneLabel(
		overrides: readonly { param: SweepParam; value: SweepValue }[],
		modelName?: (id: string) => string
	): string;
	/**
	 * The lanes of a sweep: every combination of one or two axes (a cartesian product), each the
	 * base parameters plus its values. Refuses fewer than 2 or more than 16 lanes.
	 */
	buildGrid(
		base: SamplingParams,
		baseModelId: string,
		axes: readonly SweepAxis[],
		modelName?: (id: string) => string,
		skills?: readonly SkillRef[]
	): Parsed<LaneSpec[]>;
}

/** Longest text read as a range (`0.2 to 1 step 0.2`); longer ones are read as lists. */
const MAX_RANGE_CHARS = 200;

/** A value as a message quotes it: at most 40 characters. */
function shorten(text: string): string {
	return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** Decimal places of a number as typed, so ranges do not produce 0.30000000000000004. */
function decimals(text: string): number {
	return text.includes('.') ? text.split('.')[1].length : 0;
}

function withValue(params: SamplingParams, param: SweepParam, value: SweepValue): SamplingParams {
	if (param === 'model' || param === 'skill') return params;
	return { ...params, [param]: value as number };
}

/**
 * A lane that varies a parameter of a stage switched off by default also switches that stage on
 * (last in the chain, as the chain order's switch does) when the order leaves it out: otherwise
 * every lane would sample alike. Stages that were in the sampler before are left as the user set
 * them, so older compares keep their meaning.
 */
function switchedOn(
	params: SamplingParams,
	param: SweepParam,
	registry: StageRegistry
): SamplingParams {
	const stage = registry.find((s) => s.params.some((spec) => spec.key === param));
	if (!stage?.offByDefault) return params;
	// A stage whose switch is a parameter of its own (Mirostat's mode) takes the values that make
	// it act, when the sweep varies another of its parameters and that switch is still off.
	const values = params as unknown as Record<string, number>;
	const acting =
		stage.actingValues && stage.isNeutral(values, { logitBias: params.logitBias })
			? { ...params, ...stage.actingValues }
			: params;
	// A test registry's stage names are not StageName's own; the validator checks them by registry.
	const name = stage.name as SamplingParams['order'][number];
	if (acting.order.includes(name)) return acting;
	return { ...acting, order: orderWithStage(acting.order, name, registry) };
}

/** The sweep functions over `registry`'s stages; the module's exports use the real registry. */
export function createSweeps(registry: StageRegistry = STAGE_DEFINITIONS): Sweeps {
	const options = sweepOptions(registry);
	const optionOf = (param: SweepParam) => {
		const option = options.find((o) => o.param === param);
		if (!option) throw new RangeError(`"${param}" is not a sweep parameter`);
		return option;
	};
	const labelOf = (param: SweepParam) => optionOf(param).label;

	// Parameters a value is checked in: every stage parameter at its default, no stage running.
	// A test registry's keys are not SamplingParams' own; the validator checks them by registry.
	const probe = {
		...defaultStageValues(registry),
		logitBias: {},
		drySequenceBreakers: [],
		seed: null,
		order: []
	} as unknown as SamplingParams;

	function invalidValue(
		param: Exclude<SweepParam, 'model' | 'skill'>,
		value: number
	): string | null {
		try {
			validateSamplingParams(withValue(probe, param, value), { registry });
			return null;
		} catch (error) {
			if (error instanceof SamplingValidationError) {
				return `${labelOf(param)}: ${value} is not allowed; it must be ${error.allowed}.`;
			}
			throw error;
		}
	}

	function parseAxisValues(
		param: SweepParam,
		text: string,
		modelIds: readonly string[] = [],
		skills: readonly SkillRef[] = []
	): Parsed<SweepValue[]> {
		const label = labelOf(param);
		const trimmed = text.trim();
		if (trimmed === '') return { ok: false, message: `${label}: enter values, e.g. 1, 2, 3.` };
		if (param === 'model') {
			const ids = trimmed
				.split(',')
				.map((s) => s.trim())
				.filter(Boolean);
			const unknown = ids.find((id) => !modelIds.includes(id));
			if (unknown) return { ok: false, message: `Model: “${unknown}” is not a model in the list.` };
			return { ok: true, value: ids };
		}
		if (param === 'skill') {
			const names = trimmed
				.split(',')
				.map((s) => s.trim())
				.filter(Boolean);
			const found: string[] = [];
			for (const name of names) {
				const skill = skillNamed(skills, name);
				if (!skill)
					return { ok: false, message: `Skill: “${shorten(name)}” is not a skill in the list.` };
				found.push(skill.name);
			}
			return { ok: true, value: found };
		}
		// The range pattern backtracks quadratically over long runs of digits and dots; no range
		// is that long, and a long text is then read (and refused) as a list, in linear time.
		const range =
			trimmed.length > MAX_RANGE_CHARS
				? null
				: /^(-?[\d.]+)\s*(?:to|\.\.)\s*(-?[\d.]+)\s+step\s+([\d.]+)$/i.exec(trimmed);
		let values: number[];
		if (range) {
			const [start, end, step] = range.slice(1).map(Number);
			if (![start, end, step].every(Number.isFinite) || step <= 0) {
				return {
					ok: false,
					message: `${label}: “${trimmed}” is not a range; write e.g. 0.2 to 1 step 0.2.`
				};
			}
			const places = Math.max(...range.slice(1).map(decimals));
			const count = Math.floor((end - start) / step + 1e-9) + 1;
			if (count < 1) return { ok: false, message: `${label}: the range ${trimmed} is empty.` };
			if (count > MAX_LANES) {
				return {
					ok: false,
					message: `${label}: the range ${trimmed} has ${count} values; at most ${MAX_LANES} lanes fit.`
				};
			}
			values = Array.from({ length: count }, (_, i) => Number((start + i * step).toFixed(places)));
		} else {
			const parts = trimmed.split(',').map((s) => s.trim());
			const bad = parts.find((p) => !/^-?(\d+(\.\d*)?|\.\d+)$/.test(p));
			if (bad !== undefined) {
				return {
					ok: false,
					message: `${label}: “${shorten(bad)}” is not a number; list values like 1, 2, 3 or write a range like 0.2 to 1 step 0.2.`
				};
			}
			values = parts.map(Number);
		}
		for (const value of values) {
			const message = invalidValue(param, value);
			if (message) return { ok: false, message };
		}
		return { ok: true, value: values };
	}

	function laneLabel(
		overrides: readonly { param: SweepParam; value: SweepValue }[],
		modelName: (id: string) => string = (id) => id
	): string {
		return overrides
			.map(({ param, value }) =>
				param === 'model'
					? modelName(String(value))
					: param === 'skill'
						? String(value)
						: `${optionOf(param).short} ${value}`
			)
			.join(' · ');
	}

	function buildGrid(
		base: SamplingParams,
		baseModelId: string,
		axes: readonly SweepAxis[],
		modelName?: (id: string) => string,
		skills: readonly SkillRef[] = []
	): Parsed<LaneSpec[]> {
		if (axes.length < 1 || axes.length > 2) {
			return { ok: false, message: 'Pick one or two parameters to sweep.' };
		}
		if (axes.length === 2 && axes[0].param === axes[1].param) {
			return {
				ok: false,
				message: `Sweep two different parameters (both are ${labelOf(axes[0].param)}).`
			};
		}
		const size = axes.reduce((n, axis) => n * axis.values.length, 1);
		if (size > MAX_LANES) {
			return {
				ok: false,
				message: `This sweep makes ${size} lanes (${axes.map((a) => a.values.length).join(' × ')}); at most ${MAX_LANES} fit side by side.`
			};
		}
		if (size < MIN_LANES) {
			return {
				ok: false,
				message: `This sweep makes ${size} lane; compare needs at least ${MIN_LANES}.`
			};
		}
		let combos: { param: SweepParam; value: SweepValue }[][] = [[]];
		for (const axis of axes) {
			combos = combos.flatMap((combo) =>
				axis.values.map((value) => [...combo, { param: axis.param, value }])
			);
		}
		const lanes: LaneSpec[] = [];
		for (const [i, combo] of combos.entries()) {
			let params: SamplingParams = {
				...base,
				order: [...base.order],
				logitBias: { ...base.logitBias },
				drySequenceBreakers: [...base.drySequenceBreakers]
			};
			let modelId = baseModelId;
			let skill: SkillRef | undefined;
			for (const { param, value } of combo) {
				if (param === 'model') modelId = String(value);
				else if (param === 'skill') {
					const found = skillNamed(skills, String(value));
					if (!found)
						return { ok: false, message: `Skill: “${value}” is not a skill in the list.` };
					skill = { name: found.name, systemPrompt: found.systemPrompt };
				} else params = switchedOn(withValue(params, param, value), param, registry);
			}
			const lane: LaneSpec = {
				id: `lane-${i + 1}`,
				params,
				modelId,
				label: laneLabel(combo, modelName)
			};
			if (skill) lane.skill = skill;
			lanes.push(lane);
		}
		return { ok: true, value: lanes };
	}

	return { options, parseAxisValues, laneLabel, buildGrid };
}

const sweeps = createSweeps();

/** What a sweep may vary: the seed, the stage parameters marked as sweep axes, the model. */
export const SWEEP_PARAMS = sweeps.options;
export const parseAxisValues = sweeps.parseAxisValues;
export const laneLabel = sweeps.laneLabel;
export const buildGrid = sweeps.buildGrid;
/** The axis for "N seeds": seeds 1 to N. */
export function seedsAxis(count: number): SweepAxis {
	return { param: 'seed', values: Array.from({ length: count }, (_, i) => i + 1) };
}
