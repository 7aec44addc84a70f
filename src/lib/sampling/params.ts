import { MAX_SEED } from './rng';
import type { ParamSpec } from './stage';
import {
	DEFAULT_DRY_SEQUENCE_BREAKERS,
	MAX_DRY_SEQUENCE_BREAKER_LENGTH,
	MAX_DRY_SEQUENCE_BREAKERS
} from './stages/dry';
import { LOGIT_BIAS_LIMIT } from './stages/logit-bias';
import {
	DEFAULT_ORDER,
	PARAM_SPECS,
	STAGE_DEFINITIONS,
	paramSpecsOf,
	type StageName,
	type StageParamKey,
	type StageRegistry
} from './stages/registry';

/** Everything that decides which token the sampler picks, given the model's distribution. */
export type SamplingParams = { [Key in StageParamKey]: number } & {
	/** Token id → bias added to its logit, in [−100, 100]. */
	logitBias: Record<number, number>;
	/**
	 * DRY's sequence breakers: texts that end a repeat (a token whose text contains one is a
	 * breaker). Read only when DRY runs; files written before it read the default.
	 */
	drySequenceBreakers: string[];
	/** Unsigned 32-bit seed; `null` draws a random one once, which the sampler then reports. */
	seed: number | null;
	/** The stages to run, in order; stages left out do not run. */
	order: StageName[];
};

/** Every stage parameter of `registry` at its default value. */
export function defaultStageValues(
	registry: StageRegistry = STAGE_DEFINITIONS
): Record<string, number> {
	return Object.fromEntries(paramSpecsOf(registry).map((spec) => [spec.key, spec.default]));
}

/** The numeric stage parameters of `params`, the only values stages read besides logit bias. */
export function stageValues(params: SamplingParams): Record<StageParamKey, number> {
	const values: Partial<Record<StageParamKey, number>> = {};
	for (const spec of PARAM_SPECS) values[spec.key] = params[spec.key];
	// Every key was filled by the loop above: PARAM_SPECS lists each stage parameter once.
	return values as Record<StageParamKey, number>;
}

/**
 * `order` with stage `name` switched on where it joins: before its `joinsBefore` stage when the
 * chain runs that one, else last. Every switch (the chain order, More samplers, a value set on
 * the panel, a preset, an import, a sweep) places a stage this way. An order that already runs
 * it is returned as it is.
 */
export function orderWithStage<Name extends string>(
	order: readonly Name[],
	name: Name,
	registry: StageRegistry = STAGE_DEFINITIONS
): Name[] {
	if (order.includes(name)) return [...order];
	const before = registry.find((stage) => stage.name === name)?.joinsBefore;
	const at = before === undefined ? -1 : order.indexOf(before as Name);
	return at === -1 ? [...order, name] : [...order.slice(0, at), name, ...order.slice(at)];
}

/** Where {@link orderWithStage} puts stage `name` in `order`, in words: "before temperature". */
export function placeInChain(
	order: readonly string[],
	name: string,
	registry: StageRegistry = STAGE_DEFINITIONS
): string {
	const before = registry.find((stage) => stage.name === name)?.joinsBefore;
	const next = registry.find((stage) => stage.name === before);
	return next && order.includes(next.name)
		? `before ${next.label.toLowerCase()}`
		: 'last in the chain';
}

/**
 * `params` with every stage that is off by default but set to change something switched on
 * where it joins (see {@link orderWithStage}): for settings that arrive as values alone, such as
 * a preset or an imported file, where a value means the user wants the stage.
 */
export function switchOnSetStages(
	params: SamplingParams,
	registry: StageRegistry = STAGE_DEFINITIONS
): SamplingParams {
	const values = params as unknown as Record<string, number>;
	const added = registry
		.filter(
			(stage) =>
				stage.offByDefault &&
				!(params.order as readonly string[]).includes(stage.name) &&
				!stage.isNeutral(values, { logitBias: params.logitBias })
		)
		// A test registry's stage names are not StageName's own; the validator checks them.
		.map((stage) => stage.name as StageName);
	if (added.length === 0) return params;
	const order = added.reduce((o, name) => orderWithStage(o, name, registry), params.order);
	return { ...params, order };
}

export const DEFAULT_SAMPLING_PARAMS: Readonly<SamplingParams> = Object.freeze({
	// The real registry's defaults hold a value for every StageParamKey.
	...(defaultStageValues() as Record<StageParamKey, number>),
	logitBias: {},
	drySequenceBreakers: [...DEFAULT_DRY_SEQUENCE_BREAKERS],
	seed: null,
	order: [...DEFAULT_ORDER]
});

/** A parameter that is missing, malformed or out of range. Names the field, value and range. */
export class SamplingValidationError extends Error {
	override readonly name = 'SamplingValidationError';

	constructor(
		readonly field: string,
		readonly value: unknown,
		readonly allowed: string
	) {
		super(`${field} must be ${allowed}; got ${describeValue(value)}`);
	}
}

export interface ValidationContext {
	/** The loaded model's vocabulary size; bounds top-k and logit-bias token ids. */
	vocabSize?: number;
	/** The stages whose parameters and names are allowed; the real registry unless a test's. */
	registry?: StageRegistry;
}

/** The fields of {@link SamplingParams} that are not stage parameters. */
const SHARED_FIELDS = ['logitBias', 'drySequenceBreakers', 'seed', 'order'] as const;

/**
 * The fields whose change re-samples an open what-if: the stage parameters marked so, the seed
 * and the chain order.
 */
export function whatIfKeys(registry: StageRegistry = STAGE_DEFINITIONS): readonly string[] {
	const marked = paramSpecsOf(registry).filter((spec) => spec.resamplesWhatIf);
	return [...marked.map((spec) => spec.key), 'seed', 'order'];
}

export type WhatIfKey = StageParamKey | 'seed' | 'order';

/** The fields whose change re-samples an open what-if, for the real registry. */
export const WHAT_IF_KEYS = whatIfKeys() as readonly WhatIfKey[];

/** One string that changes exactly when a what-if should re-sample. */
export function whatIfSignature(
	params: SamplingParams,
	keys: readonly string[] = WHAT_IF_KEYS
): string {
	const record = params as unknown as Record<string, unknown>;
	return JSON.stringify(keys.map((key) => record[key]));
}

/**
 * Checks every field before any work starts and returns the parameters typed. Throws a
 * {@link SamplingValidationError} for the first problem found.
 */
export function validateSamplingParams(
	input: unknown,
	context: ValidationContext = {}
): SamplingParams {
	if (typeof input !== 'object' || input === null || Array.isArray(input)) {
		throw new SamplingValidationError('parameters', input, 'an object');
	}
	const registry = context.registry ?? STAGE_DEFINITIONS;
	const specs = paramSpecsOf(registry);
	const known = new Set<string>([...specs.map((s) => s.key), ...SHARED_FIELDS]);
	const record = input as Record<string, unknown>;
	for (const field of Object.keys(record)) {
		if (!known.has(field)) {
			throw new SamplingValidationError(field, record[field], 'absent (unknown parameter)');
		}
	}
	for (const spec of specs) validateNumber(spec, record[spec.key], context.vocabSize);
	validateSeed(record.seed);
	validateOrder(
		record.order,
		registry.map((stage) => stage.name)
	);
	validateLogitBias(record.logitBias, context.vocabSize);
	validateSequenceBreakers(record.drySequenceBreakers);
	// Each field was checked above against the shape SamplingParams describes.
	return record as SamplingParams;
}

export function describeRange(spec: ParamSpec, vocabSize?: number): string {
	const max = spec.max === 'vocab' ? (vocabSize ?? 'the vocabulary size') : spec.max;
	const kind = spec.integer ? 'an integer' : 'a number';
	const open = spec.minExclusive ? '(' : '[';
	const close = spec.maxExclusive ? ')' : ']';
	const specials = Object.entries(spec.special ?? {})
		.map(([value, meaning]) => `${value} = ${meaning}`)
		.join(', ');
	return `${kind} in ${open}${spec.min}, ${max}${close}${specials ? ` or ${specials}` : ''}`;
}

/** Throws a {@link SamplingValidationError} when `value` is not allowed by `spec`. */
export function validateNumber(spec: ParamSpec, value: unknown, vocabSize?: number): void {
	const fail = () => {
		throw new SamplingValidationError(spec.key, value, describeRange(spec, vocabSize));
	};
	if (typeof value !== 'number' || !Number.isFinite(value)) fail();
	const n = value as number;
	if (spec.special && n in spec.special) return;
	if (spec.integer && !Number.isInteger(n)) fail();
	const max = spec.max === 'vocab' ? (vocabSize ?? Infinity) : spec.max;
	const belowMin = spec.minExclusive ? n <= spec.min : n < spec.min;
	const aboveMax = spec.maxExclusive ? n >= max : n > max;
	if (belowMin || aboveMax) fail();
}

function validateSeed(seed: unknown): void {
	if (seed === null) return;
	if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
		throw new SamplingValidationError('seed', seed, `an integer in [0, ${MAX_SEED}] or random`);
	}
}

function validateOrder(order: unknown, names: readonly string[]): void {
	const allowed = `a list of distinct stages from: ${names.join(', ')}`;
	if (!Array.isArray(order)) throw new SamplingValidationError('order', order, allowed);
	const seen = new Set<unknown>();
	for (const name of order) {
		if (!(names as readonly unknown[]).includes(name)) {
			throw new SamplingValidationError('order', name, `a known stage (${names.join(', ')})`);
		}
		if (seen.has(name)) {
			throw new SamplingValidationError('order', name, 'listed once (it appears twice)');
		}
		seen.add(name);
	}
}

function validateLogitBias(bias: unknown, vocabSize?: number): void {
	if (typeof bias !== 'object' || bias === null || Array.isArray(bias)) {
		throw new SamplingValidationError('logitBias', bias, 'a map of token id to bias');
	}
	const maxId = vocabSize === undefined ? Infinity : vocabSize - 1;
	for (const [key, value] of Object.entries(bias)) {
		const id = Number(key);
		if (!/^\d+$/.test(key) || id > maxId) {
			const range = vocabSize === undefined ? 'token ids' : `token ids in [0, ${maxId}]`;
			throw new SamplingValidationError('logitBias', key, `keyed by ${range}`);
		}
		if (
			typeof value !== 'number' ||
			!Number.isFinite(value) ||
			Math.abs(value) > LOGIT_BIAS_LIMIT
		) {
			throw new SamplingValidationError(
				`logitBias[${key}]`,
				value,
				`a number in [-${LOGIT_BIAS_LIMIT}, ${LOGIT_BIAS_LIMIT}]`
			);
		}
	}
}

/** DRY's sequence breakers: a list of distinct, non-empty texts, each short. */
export function validateSequenceBreakers(breakers: unknown): void {
	const field = 'drySequenceBreakers';
	if (!Array.isArray(breakers) || breakers.length > MAX_DRY_SEQUENCE_BREAKERS) {
		throw new SamplingValidationError(
			field,
			breakers,
			`a list of at most ${MAX_DRY_SEQUENCE_BREAKERS} texts`
		);
	}
	breakers.forEach((breaker: unknown, i) => {
		if (
			typeof breaker !== 'string' ||
			breaker === '' ||
			breaker.length > MAX_DRY_SEQUENCE_BREAKER_LENGTH
		) {
			throw new SamplingValidationError(
				`${field}[${i}]`,
				breaker,
				`a text of 1 to ${MAX_DRY_SEQUENCE_BREAKER_LENGTH} characters`
			);
		}
		if (breakers.indexOf(breaker) !== i) {
			throw new SamplingValidationError(
				`${field}[${i}]`,
				breaker,
				'listed once (it appears twice)'
			);
		}
	});
}

function describeValue(value: unknown): string {
	if (typeof value === 'number') {
		if (Number.isNaN(value)) return 'NaN';
		if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
		return String(value);
	}
	if (typeof value === 'string') return JSON.stringify(value);
	if (value === undefined) return 'nothing';
	try {
		return JSON.stringify(value) ?? String(value);
	} catch {
		// Too deep for the stack (JSON.parse reads far deeper lists than stringify or String write).
		return typeof value === 'object' && value !== null
			? `${Array.isArray(value) ? 'a list' : 'an object'} nested too deeply to show`
			: String(value);
	}
}
