import { MAX_SEED } from './rng';
import type { ParamSpec } from './stage';
import { LOGIT_BIAS_LIMIT } from './stages/logit-bias';
import {
	DEFAULT_ORDER,
	PARAM_SPECS,
	STAGE_NAMES,
	type StageName,
	type StageParamKey
} from './stages/registry';

/** Everything that decides which token the sampler picks, given the model's distribution. */
export type SamplingParams = { [Key in StageParamKey]: number } & {
	/** Token id → bias added to its logit, in [−100, 100]. */
	logitBias: Record<number, number>;
	/** Unsigned 32-bit seed; `null` draws a random one once, which the sampler then reports. */
	seed: number | null;
	/** The stages to run, in order; stages left out do not run. */
	order: StageName[];
};

function defaultStageValues(): Record<StageParamKey, number> {
	const values: Partial<Record<StageParamKey, number>> = {};
	for (const spec of PARAM_SPECS) values[spec.key] = spec.default;
	// Every key was filled by the loop above: PARAM_SPECS lists each stage parameter once.
	return values as Record<StageParamKey, number>;
}

/** The numeric stage parameters of `params`, the only values stages read besides logit bias. */
export function stageValues(params: SamplingParams): Record<StageParamKey, number> {
	const values: Partial<Record<StageParamKey, number>> = {};
	for (const spec of PARAM_SPECS) values[spec.key] = params[spec.key];
	// Every key was filled by the loop above: PARAM_SPECS lists each stage parameter once.
	return values as Record<StageParamKey, number>;
}

export const DEFAULT_SAMPLING_PARAMS: Readonly<SamplingParams> = Object.freeze({
	...defaultStageValues(),
	logitBias: {},
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
}

const KNOWN_FIELDS = new Set<string>([
	...PARAM_SPECS.map((s) => s.key),
	'logitBias',
	'seed',
	'order'
]);

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
	const record = input as Record<string, unknown>;
	for (const field of Object.keys(record)) {
		if (!KNOWN_FIELDS.has(field)) {
			throw new SamplingValidationError(field, record[field], 'absent (unknown parameter)');
		}
	}
	for (const spec of PARAM_SPECS) validateNumber(spec, record[spec.key], context.vocabSize);
	validateSeed(record.seed);
	validateOrder(record.order);
	validateLogitBias(record.logitBias, context.vocabSize);
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

function validateOrder(order: unknown): void {
	const allowed = `a list of distinct stages from: ${STAGE_NAMES.join(', ')}`;
	if (!Array.isArray(order)) throw new SamplingValidationError('order', order, allowed);
	const seen = new Set<unknown>();
	for (const name of order) {
		if (!(STAGE_NAMES as readonly unknown[]).includes(name)) {
			throw new SamplingValidationError('order', name, `a known stage (${STAGE_NAMES.join(', ')})`);
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
		return String(value);
	}
}
