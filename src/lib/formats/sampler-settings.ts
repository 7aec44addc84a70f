import { parse as parseYaml } from 'yaml';
import { MAX_NEW_TOKENS_SPEC } from '#lib/params/fields';
import {
	DEFAULT_SAMPLING_PARAMS,
	MAX_SEED,
	paramSpecsOf,
	placeInChain,
	SamplingValidationError,
	STAGE_DEFINITIONS,
	validateNumber,
	validateSequenceBreakers,
	type ExternalField,
	type ExternalNames,
	type SamplingParams,
	switchOnSetStages,
	type StageName,
	type StageRegistry
} from '#lib/sampling';
import { LOGIT_BIAS_LIMIT } from '#lib/sampling/stages/logit-bias';

/**
 * Sampler settings people already have in other tools, read into this app's parameters, and the
 * app's parameters written back as a llama.cpp server request. The field names are not listed
 * here: each stage parameter carries them (`ParamSpec.external`, `StageDefinition.externalOrder`),
 * so a new stage brings its own mapping. Only the fields that belong to no stage (seed, logit
 * bias, output length, stop strings, the order) are handled by name below.
 *
 * - llama.cpp: the JSON body of a `/completion` request (tools/server README).
 * - text-generation-webui: a preset file (presets/*.yaml); `sampler_priority` and
 *   `temperature_last` give the order.
 * - SillyTavern: a text-completion preset (JSON with `temp`, `rep_pen`, …); its llama.cpp-style
 *   `samplers` list gives the order, else its textgen-style `sampler_priority`.
 */

export type SettingsFormat = 'llamaCpp' | 'textgen' | 'sillyTavern';

export const FORMAT_LABELS: Readonly<Record<SettingsFormat, string>> = {
	llamaCpp: 'llama.cpp request',
	textgen: 'text-generation-webui preset',
	sillyTavern: 'SillyTavern preset'
};

/** One imported field: their name and value, and what it became here. */
export interface MappedField {
	field: string;
	value: unknown;
	/** Our parameter key (or `seed`, `logitBias`, `order`, `maxNewTokens`, `stopSequences`). */
	key: string;
}

/** A field of theirs with no counterpart here. */
export interface UnsupportedField {
	field: string;
	value: unknown;
}

export interface ImportedSettings {
	format: SettingsFormat;
	/** The panel's parameters with every imported field applied over `base`. */
	params: SamplingParams;
	maxNewTokens?: number;
	stopSequences?: string[];
	mapped: MappedField[];
	unsupported: UnsupportedField[];
	/** Where the meaning was adapted (an order merged, a value read another way). */
	notes: string[];
}

/** Settings that could not be read: every problem, each naming the field, value and range. */
export class SettingsImportError extends Error {
	override readonly name = 'SettingsImportError';
	constructor(readonly problems: readonly string[]) {
		super(problems.join('\n'));
	}
}

/**
 * Fields that do not change which token is drawn; nothing to import and nothing to report
 * (the prompt, streaming, caching and the like).
 */
const IGNORED = new Set([
	'prompt',
	'stream',
	'cache_prompt',
	'id_slot',
	'n_probs',
	'return_tokens',
	'post_sampling_probs',
	'response_fields',
	'timings_per_token',
	'return_progress',
	'model',
	'name',
	'preset'
]);

function externalName(field: ExternalField | undefined): string | undefined {
	return typeof field === 'string' ? field : field?.name;
}

function externalOf(names: ExternalNames | undefined, format: SettingsFormat) {
	return names?.[format];
}

function describe(value: unknown): string {
	try {
		return JSON.stringify(value) ?? String(value);
	} catch {
		return String(value);
	}
}

/** Guesses the format of `text`: JSON with `temp` or `rep_pen` is SillyTavern's, other JSON llama.cpp's, else YAML. */
export function detectFormat(text: string): SettingsFormat {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return 'textgen';
	}
	if (isRecord(value) && ('temp' in value || 'rep_pen' in value || 'freq_pen' in value)) {
		return 'sillyTavern';
	}
	return 'llamaCpp';
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseText(text: string, format: SettingsFormat): Record<string, unknown> {
	let value: unknown;
	try {
		value = format === 'textgen' ? parseYaml(text) : JSON.parse(text);
	} catch (error) {
		const kind = format === 'textgen' ? 'YAML' : 'JSON';
		throw new SettingsImportError([
			`The ${FORMAT_LABELS[format]} is not valid ${kind}: ${(error as Error).message.split('\n')[0]}`
		]);
	}
	if (!isRecord(value)) {
		throw new SettingsImportError([
			`A ${FORMAT_LABELS[format]} must be an object of settings; got ${describe(value)}`
		]);
	}
	return value;
}

/**
 * Reads `text` (in `format`, guessed when omitted) over `base` (the panel's parameters): every
 * field a stage names for that tool, plus seed, logit bias, output length, stop strings and the
 * order. Throws a {@link SettingsImportError} naming every bad field; lists the rest it cannot use.
 */
export function importSettings(
	text: string,
	options: {
		format?: SettingsFormat;
		base?: SamplingParams;
		vocabSize?: number;
		registry?: StageRegistry;
	} = {}
): ImportedSettings {
	const format = options.format ?? detectFormat(text);
	const registry = options.registry ?? STAGE_DEFINITIONS;
	const base = options.base ?? DEFAULT_SAMPLING_PARAMS;
	const input = parseText(text, format);
	const params: SamplingParams = {
		...base,
		order: [...base.order],
		logitBias: { ...base.logitBias },
		drySequenceBreakers: [...base.drySequenceBreakers]
	};
	const record = params as unknown as Record<string, unknown>;
	const result: ImportedSettings = { format, params, mapped: [], unsupported: [], notes: [] };
	const problems: string[] = [];
	const used = new Set<string>();
	const fail = (field: string, value: unknown, allowed: string) =>
		problems.push(new SamplingValidationError(field, value, allowed).message);

	for (const spec of paramSpecsOf(registry)) {
		const external = externalOf(spec.external, format);
		const name = externalName(external);
		if (!name || !Object.hasOwn(input, name)) continue;
		used.add(name);
		const raw = input[name];
		const read = typeof external === 'object' ? external.read : undefined;
		const value = typeof raw === 'number' && read ? read(raw) : raw;
		try {
			validateNumber(spec, value, options.vocabSize);
		} catch (error) {
			if (!(error instanceof SamplingValidationError)) throw error;
			fail(`${name} (${spec.label})`, raw, error.allowed);
			continue;
		}
		record[spec.key] = value;
		result.mapped.push({ field: name, value: raw, key: spec.key });
		if (value !== raw) {
			result.notes.push(`${name} ${describe(raw)} read as ${spec.label} ${describe(value)}.`);
		}
	}

	readDynamicTemperature(input, format, registry, used, result, fail);
	readSeed(input, used, result, fail);
	if (format === 'llamaCpp') readLogitBias(input, used, result, fail, options.vocabSize);
	readLength(input, format, used, result, fail);
	readStops(input, format, used, result, fail);
	readSequenceBreakers(input, used, result, fail);
	readOrder(input, format, registry, used, result, fail);
	switchOnMirostat(format, registry, result);
	switchOnImportedStages(input, format, registry, result);

	if (problems.length > 0) throw new SettingsImportError(problems);
	for (const [field, value] of Object.entries(input)) {
		if (!used.has(field) && !IGNORED.has(field)) result.unsupported.push({ field, value });
	}
	return result;
}

type Fail = (field: string, value: unknown, allowed: string) => void;

/** How text-generation-webui and SillyTavern switch dynamic temperature on and bound it. */
const DYNATEMP_FIELDS: Partial<Record<SettingsFormat, { on: string; low: string; high: string }>> =
	{
		textgen: { on: 'dynamic_temperature', low: 'dynatemp_low', high: 'dynatemp_high' },
		sillyTavern: { on: 'dynatemp', low: 'min_temp', high: 'max_temp' }
	};

/**
 * text-generation-webui's and SillyTavern's dynamic temperature: a switch and the lowest and
 * highest temperature, where ours (llama.cpp's) is a base temperature and a range. Switched on,
 * low and high become temperature (high + low)/2 and range (high − low)/2, the base their own
 * `temperature` field does not give then; switched off, the range becomes 0.
 */
function readDynamicTemperature(
	input: Record<string, unknown>,
	format: SettingsFormat,
	registry: StageRegistry,
	used: Set<string>,
	result: ImportedSettings,
	fail: Fail
): void {
	const fields = DYNATEMP_FIELDS[format];
	const specs = paramSpecsOf(registry);
	const temperature = specs.find((spec) => spec.key === 'temperature');
	const range = specs.find((spec) => spec.key === 'dynatempRange');
	if (!fields || !temperature || !range || !Object.hasOwn(input, fields.on)) return;
	const { on, low, high } = fields;
	for (const field of [on, low, high]) if (Object.hasOwn(input, field)) used.add(field);
	const record = result.params as unknown as Record<string, number>;
	const enabled = input[on];
	if (typeof enabled !== 'boolean') {
		fail(on, enabled, 'true or false');
		return;
	}
	if (!enabled) {
		record.dynatempRange = 0;
		result.mapped.push({ field: on, value: false, key: 'dynatempRange' });
		return;
	}
	const lowValue = input[low];
	const highValue = input[high];
	const isNumber = (value: unknown): value is number =>
		typeof value === 'number' && Number.isFinite(value) && value >= 0;
	if (!isNumber(lowValue)) fail(low, lowValue, `a number ≥ 0 (${on} is true)`);
	if (!isNumber(highValue)) fail(high, highValue, `a number ≥ 0 (${on} is true)`);
	if (!isNumber(lowValue) || !isNumber(highValue)) return;
	if (lowValue > highValue) {
		fail(low, lowValue, `at most ${high} (${highValue})`);
		return;
	}
	const values = {
		temperature: (highValue + lowValue) / 2,
		dynatempRange: (highValue - lowValue) / 2
	};
	let valid = true;
	for (const spec of [temperature, range]) {
		try {
			validateNumber(spec, values[spec.key as keyof typeof values]);
		} catch (error) {
			if (!(error instanceof SamplingValidationError)) throw error;
			fail(`${low}/${high} (${spec.label})`, error.value, error.allowed);
			valid = false;
		}
	}
	if (!valid) return;
	record.temperature = values.temperature;
	record.dynatempRange = values.dynatempRange;
	result.mapped.push(
		{ field: on, value: true, key: 'dynatempRange' },
		{ field: low, value: lowValue, key: 'temperature' },
		{ field: high, value: highValue, key: 'dynatempRange' }
	);
	result.notes.push(
		`${low} ${lowValue} and ${high} ${highValue} read as ${temperature.label} ${describe(values.temperature)} ± ${range.label} ${describe(values.dynatempRange)}.`
	);
}

function readSeed(
	input: Record<string, unknown>,
	used: Set<string>,
	result: ImportedSettings,
	fail: Fail
): void {
	if (!Object.hasOwn(input, 'seed')) return;
	used.add('seed');
	const seed = input.seed;
	// All three tools take −1 (llama.cpp: any value it cannot use) for a random seed.
	if (seed === -1 || seed === null) {
		result.params.seed = null;
	} else if (typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED) {
		result.params.seed = seed;
	} else {
		fail('seed', seed, `an integer in [0, ${MAX_SEED}] or -1 (random)`);
		return;
	}
	result.mapped.push({ field: 'seed', value: seed, key: 'seed' });
}

/** llama.cpp's `logit_bias`: `[[id, bias], …]` or `{"id": bias}`; `false` bans the token. */
function readLogitBias(
	input: Record<string, unknown>,
	used: Set<string>,
	result: ImportedSettings,
	fail: Fail,
	vocabSize?: number
): void {
	if (!Object.hasOwn(input, 'logit_bias')) return;
	const raw = input.logit_bias;
	const entries: [unknown, unknown][] = Array.isArray(raw)
		? raw.map((pair) => (Array.isArray(pair) ? [pair[0], pair[1]] : [pair, undefined]))
		: isRecord(raw)
			? Object.entries(raw)
			: [];
	if (!Array.isArray(raw) && !isRecord(raw)) {
		used.add('logit_bias');
		fail('logit_bias', raw, 'a list of [token id, bias] pairs or a map of token id to bias');
		return;
	}
	if (entries.some(([token]) => typeof token === 'string' && !/^\d+$/.test(token))) {
		// Biases keyed by text need the server's tokenizer; leave the whole field unsupported.
		return;
	}
	used.add('logit_bias');
	const bias: Record<number, number> = {};
	const maxId = vocabSize === undefined ? Infinity : vocabSize - 1;
	for (const [token, value] of entries) {
		const id = Number(token);
		if (!Number.isInteger(id) || id < 0 || id > maxId) {
			const range = vocabSize === undefined ? 'token ids' : `token ids in [0, ${maxId}]`;
			fail('logit_bias', token, `keyed by ${range}`);
			continue;
		}
		const b = value === false ? -LOGIT_BIAS_LIMIT : value;
		if (typeof b !== 'number' || !Number.isFinite(b) || Math.abs(b) > LOGIT_BIAS_LIMIT) {
			fail(
				`logit_bias[${id}]`,
				value,
				`a number in [-${LOGIT_BIAS_LIMIT}, ${LOGIT_BIAS_LIMIT}] or false (ban)`
			);
			continue;
		}
		bias[id] = b;
	}
	result.params.logitBias = bias;
	result.mapped.push({ field: 'logit_bias', value: raw, key: 'logitBias' });
}

const LENGTH_FIELDS: Record<SettingsFormat, string> = {
	llamaCpp: 'n_predict',
	textgen: 'max_new_tokens',
	sillyTavern: 'genamt'
};

function readLength(
	input: Record<string, unknown>,
	format: SettingsFormat,
	used: Set<string>,
	result: ImportedSettings,
	fail: Fail
): void {
	const field = LENGTH_FIELDS[format];
	if (!Object.hasOwn(input, field)) return;
	used.add(field);
	const value = input[field];
	// llama.cpp's −1 means "until the end of text or the context"; the panel keeps its own then.
	if (value === -1) {
		result.notes.push(`${field} -1 (no limit) kept the current ${MAX_NEW_TOKENS_SPEC.label}.`);
		return;
	}
	try {
		validateNumber(MAX_NEW_TOKENS_SPEC, value);
	} catch (error) {
		if (!(error instanceof SamplingValidationError)) throw error;
		fail(`${field} (${MAX_NEW_TOKENS_SPEC.label})`, value, error.allowed);
		return;
	}
	result.maxNewTokens = value as number;
	result.mapped.push({ field, value, key: 'maxNewTokens' });
}

function readStops(
	input: Record<string, unknown>,
	format: SettingsFormat,
	used: Set<string>,
	result: ImportedSettings,
	fail: Fail
): void {
	if (format !== 'llamaCpp' || !Object.hasOwn(input, 'stop')) return;
	used.add('stop');
	const stop = input.stop;
	if (!Array.isArray(stop) || !stop.every((s) => typeof s === 'string')) {
		fail('stop', stop, 'a list of strings');
		return;
	}
	result.stopSequences = stop.filter((s) => s.length > 0 && !s.includes('\n'));
	if (result.stopSequences.length < stop.length) {
		result.notes.push('Stop strings that are empty or span lines were left out.');
	}
	result.mapped.push({ field: 'stop', value: stop, key: 'stopSequences' });
}

/**
 * DRY's `dry_sequence_breakers`, the same name in all three tools: llama.cpp's a list of
 * strings; text-generation-webui's one string of quoted, comma-separated texts (`"\n", ":"`);
 * SillyTavern's either, or that string in brackets.
 */
function readSequenceBreakers(
	input: Record<string, unknown>,
	used: Set<string>,
	result: ImportedSettings,
	fail: Fail
): void {
	const field = 'dry_sequence_breakers';
	if (!Object.hasOwn(input, field)) return;
	used.add(field);
	const raw = input[field];
	let list: unknown = raw;
	if (typeof raw === 'string') {
		const text = raw.trim();
		try {
			list = JSON.parse(text.startsWith('[') ? text : `[${text}]`);
		} catch {
			list = null;
		}
	}
	if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
		fail(field, raw, 'a list of texts, or quoted texts separated by commas');
		return;
	}
	try {
		validateSequenceBreakers(list);
	} catch (error) {
		if (!(error instanceof SamplingValidationError)) throw error;
		fail(error.field.replace('drySequenceBreakers', field), error.value, error.allowed);
		return;
	}
	result.params.drySequenceBreakers = list;
	result.mapped.push({ field, value: raw, key: 'drySequenceBreakers' });
}

/** The order list of `input` and the naming it uses, or null when it has none. */
function orderSource(
	input: Record<string, unknown>,
	format: SettingsFormat
): { field: string; names: 'llamaCpp' | 'textgen' } | null {
	if (format === 'llamaCpp')
		return Object.hasOwn(input, 'samplers') ? { field: 'samplers', names: 'llamaCpp' } : null;
	if (format === 'sillyTavern' && Object.hasOwn(input, 'samplers')) {
		return { field: 'samplers', names: 'llamaCpp' };
	}
	return Object.hasOwn(input, 'sampler_priority')
		? { field: 'sampler_priority', names: 'textgen' }
		: null;
}

/**
 * The order: the stages the tool's list names, in its order. In a llama.cpp request, as on the
 * server, a stage it leaves out does not run (logit bias, which llama.cpp always applies first,
 * excepted). In a preset, whose list only ranks the samplers, every stage it does not name
 * stays, placed before the first named stage that follows it in the registry’s order.
 * `temperature_last` (textgen, SillyTavern) then moves temperature to the end.
 */
function readOrder(
	input: Record<string, unknown>,
	format: SettingsFormat,
	registry: StageRegistry,
	used: Set<string>,
	result: ImportedSettings,
	fail: Fail
): void {
	const source = orderSource(input, format);
	let order = [...result.params.order] as string[];
	if (source) {
		used.add(source.field);
		const raw = input[source.field];
		const list =
			typeof raw === 'string' && source.names === 'textgen'
				? raw
						.split('\n')
						.map((s) => s.trim())
						.filter(Boolean)
				: raw;
		if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
			fail(source.field, raw, 'a list of sampler names');
			return;
		}
		const exact = format === 'llamaCpp';
		const named: string[] = [];
		const unknown: string[] = [];
		for (const external of list) {
			const stages = registry.filter((stage) => {
				const names = stage.externalOrder?.[source.names];
				return typeof names === 'string' ? names === external : names?.includes(external);
			});
			if (stages.length === 0) unknown.push(external);
			for (const stage of stages) {
				// A stage off by default joins only when the imported values switch it on: a textgen
				// list ranks every sampler the tool has, most at their off value, and llama.cpp's
				// "temperature" also names dynamic temperature, which its dynatemp_range switches on.
				if (stage.offByDefault && isNeutralIn(stage, result.params)) continue;
				if (!named.includes(stage.name)) named.push(stage.name);
			}
		}
		// The default chain: a stage off by default joins only when the list names it.
		const defaults = registry.filter((stage) => !stage.offByDefault).map((stage) => stage.name);
		const left = defaults.filter((name) => !named.includes(name));
		const kept = exact ? left.filter((name) => !stageHasOrderName(registry, name)) : left;
		order = [...named];
		// Each kept stage goes before the first named stage that follows it in the registry's order
		// (so logit bias stays first, before a stage off by default too).
		const all = registry.map((stage) => stage.name);
		for (const name of kept) {
			const after = all.slice(all.indexOf(name) + 1);
			const next = order.findIndex((n) => after.includes(n));
			order.splice(next === -1 ? order.length : next, 0, name);
		}
		if (unknown.length > 0) {
			result.unsupported.push({ field: `${source.field} (stages)`, value: unknown });
		}
		const unnamed = left.filter((name) => stageHasOrderName(registry, name));
		if (unnamed.length > 0) {
			result.notes.push(
				exact
					? `${source.field} leaves out ${unnamed.join(', ')}: left out of the chain, as on the server.`
					: `${source.field} does not name ${unnamed.join(', ')}; kept in the chain.`
			);
		}
		result.mapped.push({ field: source.field, value: raw, key: 'order' });
	}
	if (
		(format === 'textgen' || format === 'sillyTavern') &&
		Object.hasOwn(input, 'temperature_last')
	) {
		used.add('temperature_last');
		if (input.temperature_last === true && order.includes('temperature')) {
			order = [...order.filter((n) => n !== 'temperature'), 'temperature'];
			result.mapped.push({ field: 'temperature_last', value: true, key: 'order' });
		}
	}
	result.params.order = order as StageName[];
}

function isNeutralIn(stage: StageRegistry[number], params: SamplingParams): boolean {
	return stage.isNeutral(params as unknown as Record<string, number>, {
		logitBias: params.logitBias
	});
}

/**
 * A stage off by default whose imported value does something is switched on (appended to the
 * chain by {@link switchOnSetStages}, unless the order already placed it), so an imported value
 * never sits on a stage that does not run. Only stages with an imported value are considered: a
 * value already on the panel with its stage switched off stays off. In a llama.cpp request with
 * `samplers`, as on the server, a stage the list leaves out stays out; the report says so.
 */
function switchOnImportedStages(
	input: Record<string, unknown>,
	format: SettingsFormat,
	registry: StageRegistry,
	result: ImportedSettings
): void {
	const imported = new Set(result.mapped.map((m) => m.key));
	const candidates = registry.filter(
		(stage) =>
			stage.offByDefault &&
			stage.params.some((param) => imported.has(param.key)) &&
			!(result.params.order as readonly string[]).includes(stage.name) &&
			!isNeutralIn(stage, result.params)
	);
	if (candidates.length === 0) return;
	const fields = (stage: StageRegistry[number]) =>
		result.mapped
			.filter((m) => stage.params.some((param) => param.key === m.key))
			.map((m) => `${m.field} ${describe(m.value)}`)
			.join(', ');
	if (format === 'llamaCpp' && Object.hasOwn(input, 'samplers')) {
		for (const stage of candidates) {
			result.notes.push(
				`${fields(stage)} is set, but samplers leaves ${stage.label} out: off, as on the server.`
			);
		}
		return;
	}
	result.params = switchOnSetStages(result.params, candidates);
	for (const stage of candidates) {
		const place = placeInChain(result.params.order, stage.name, registry);
		result.notes.push(`${fields(stage)} switched ${stage.label} on, ${place}.`);
	}
}

/**
 * A Mirostat mode of 1 or 2 (`mirostat`, `mirostat_mode`) switches our Mirostat stage on. In
 * llama.cpp the mode replaces the sampler list: logit bias, temperature, then Mirostat, which
 * draws; the chain becomes that. In a preset Mirostat joins last, or just before temperature
 * when temperature ends the chain (as `temperature_last` asks).
 */
function switchOnMirostat(
	format: SettingsFormat,
	registry: StageRegistry,
	result: ImportedSettings
): void {
	const params = result.params;
	if (!registry.some((stage) => stage.name === 'mirostat') || !(params.mirostatMode > 0)) return;
	const field = format === 'llamaCpp' ? 'mirostat' : 'mirostat_mode';
	if (format === 'llamaCpp') {
		params.order = ['logit-bias', 'temperature', 'mirostat'];
		result.notes.push(
			`${field} ${params.mirostatMode}: llama.cpp then runs only logit bias, temperature and Mirostat, whatever its sampler list says; the chain is set so.`
		);
	} else if (!params.order.includes('mirostat')) {
		const last = params.order.at(-1) === 'temperature' ? params.order.length - 1 : undefined;
		params.order = [...params.order];
		params.order.splice(last ?? params.order.length, 0, 'mirostat');
		result.notes.push(`${field} ${params.mirostatMode} switched Mirostat on, last in the chain.`);
	}
}

/** Whether other tools' sampler orders name the stage (logit bias is in none: it comes first). */
function stageHasOrderName(registry: StageRegistry, name: string): boolean {
	return registry.find((stage) => stage.name === name)?.externalOrder !== undefined;
}

/**
 * Values that leave a sampler off in the tools, for the fields we have no stage for: listed
 * apart in the import report, since ignoring them changes nothing.
 */
const OFF_VALUES: Readonly<Record<string, unknown>> = {
	encoder_repetition_penalty: 1,
	encoder_rep_pen: 1,
	penalty_alpha: 0,
	guidance_scale: 1
};

/** Whether an unsupported field is at the value that turns its sampler off. */
export function isOffValue(field: UnsupportedField): boolean {
	return Object.hasOwn(OFF_VALUES, field.field) && OFF_VALUES[field.field] === field.value;
}

/** The import report in a few lines: what was set, what is not supported here, what changed meaning. */
export function describeImport(imported: ImportedSettings): string[] {
	const lines = [
		`Imported ${imported.mapped.length} setting${imported.mapped.length === 1 ? '' : 's'} from a ${FORMAT_LABELS[imported.format]}: ${imported.mapped.map((m) => m.field).join(', ') || 'none'}.`
	];
	const active = imported.unsupported.filter((f) => !isOffValue(f));
	const off = imported.unsupported.filter(isOffValue);
	if (active.length > 0) {
		lines.push(
			`Not supported here: ${active.map((f) => `${f.field} (${describe(f.value)})`).join(', ')}.`
		);
	}
	if (off.length > 0) {
		lines.push(`Not supported here, but off anyway: ${off.map((f) => f.field).join(', ')}.`);
	}
	lines.push(...imported.notes);
	return lines;
}

/**
 * The settings as the JSON body of a llama.cpp server `/completion` request (without the
 * prompt): every stage parameter with a llama.cpp name, the seed (−1 for random), logit bias,
 * output length, stop strings and the `samplers` order. llama.cpp runs its penalties as one
 * sampler, so both penalty stages become one "penalties" entry at the first one's place; logit
 * bias always comes first there.
 */
export function toLlamaCppRequest(
	params: SamplingParams,
	extra: { maxNewTokens?: number; stopSequences?: readonly string[] } = {},
	registry: StageRegistry = STAGE_DEFINITIONS
): Record<string, unknown> {
	const body: Record<string, unknown> = {};
	const record = params as unknown as Record<string, number>;
	if (extra.maxNewTokens !== undefined) body.n_predict = extra.maxNewTokens;
	for (const spec of paramSpecsOf(registry)) {
		const external = spec.external?.llamaCpp;
		const name = externalName(external);
		if (!name) continue;
		const write = typeof external === 'object' ? external.write : undefined;
		body[name] = write ? write(record[spec.key]) : record[spec.key];
	}
	// llama.cpp runs Mirostat whenever its mode is set, so a chain without it writes 0.
	if (Object.hasOwn(body, 'mirostat') && !params.order.includes('mirostat')) body.mirostat = 0;
	body.seed = params.seed ?? -1;
	const bias = Object.entries(params.logitBias).map(([id, b]) => [Number(id), b]);
	if (bias.length > 0) body.logit_bias = bias;
	if (extra.stopSequences && extra.stopSequences.length > 0) body.stop = [...extra.stopSequences];
	body.dry_sequence_breakers = [...params.drySequenceBreakers];
	const samplers: string[] = [];
	for (const name of params.order) {
		const external = registry.find((stage) => stage.name === name)?.externalOrder?.llamaCpp;
		if (external && !samplers.includes(external)) samplers.push(external);
	}
	body.samplers = samplers;
	return body;
}
