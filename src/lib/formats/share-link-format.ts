import { engineOfModelId } from '#lib/core/model-id';
import type { ChatMessage } from '#lib/core/prompt';
import type { PromptInput } from '#lib/core/prompt';
import { parseAxisValues, SWEEP_PARAMS } from '#lib/compare/sweep';
import { type SweepParam } from '#lib/core/experiment';
import {
	DEFAULT_SAMPLING_PARAMS,
	describeRange,
	PARAM_SPECS,
	SamplingValidationError,
	validateSamplingParams,
	type ParamSpec,
	type SamplingParams,
	type StageName
} from '#lib/sampling';
import type { Experiment } from '#lib/core/experiment';
import { CONTEXT_LENGTH_SPEC, MAX_NEW_TOKENS_SPEC } from '#lib/params/fields';

/**
 * The share link's data: an {@link Experiment} as a small JSON object with one-letter keys,
 * leaving out every value equal to this format's defaults.
 */

export const SHARE_FORMAT_VERSION = 1;

/** Which tab a link opens: the single run, or the compare lanes (links with a sweep). */
export type ShareView = 'single' | 'compare';

export interface SharedExperiment {
	experiment: Experiment;
	view: ShareView;
}

/**
 * The defaults of format 1, frozen: a link keeps its meaning when the app's own defaults change.
 * Parameters of stages added later fall back to the app's defaults (no old link sets them).
 */
const V1_PARAM_DEFAULTS: Readonly<Record<string, number>> = {
	temperature: 0.8,
	topK: 40,
	topP: 0.95,
	minP: 0.05,
	repeatPenalty: 1,
	repeatLastN: 64,
	frequencyPenalty: 0,
	presencePenalty: 0
};
/** One character per stage; append new stages, never reorder (old links index this list). */
const V1_STAGE_CODES: readonly string[] = [
	'logit-bias',
	'repetition-penalty',
	'frequency-presence',
	'temperature',
	'top-k',
	'top-p',
	'min-p'
];
const V1_ORDER_CODE = '0123456';
const V1_MAX_NEW_TOKENS = 256;
const V1_CONTEXT_LENGTH = 2048;

const MAX_MODEL_ID_CHARS = 300;
const MAX_STOP_SEQUENCES = 32;
const MAX_SWEEP_TEXT_CHARS = 500;
const ROLES: readonly ChatMessage['role'][] = ['system', 'user', 'assistant'];
const KNOWN_KEYS = new Set([
	'v',
	'm',
	'n',
	'e',
	'h',
	'p',
	'c',
	's',
	'o',
	'l',
	't',
	'x',
	'q',
	'b',
	'a',
	'w'
]);

/** The JSON a link carries (format 1). */
interface CompactExperiment {
	v: number;
	/** Model: picker id, name (when not the id), engine (when the id does not imply it), sha256. */
	m: string;
	n?: string;
	e?: Experiment['model']['engine'];
	h?: string;
	/** Completion prompt, or chat input: system prompt and messages as [role, content]. */
	p?: string;
	c?: { s?: string; m: [ChatMessage['role'], string][] };
	/** Parameters that differ from the format's defaults, by their SamplingParams key. */
	s?: Record<string, number>;
	/** Stage order as codes of {@link V1_STAGE_CODES}. */
	o?: string;
	l?: Record<string, number>;
	t?: number;
	x?: number;
	q?: string[];
	b?: 1;
	a?: Experiment['sampling'];
	w?: [SweepParam, string][];
}

function paramDefault(key: string): number | undefined {
	return V1_PARAM_DEFAULTS[key] ?? PARAM_SPECS.find((spec) => spec.key === key)?.default;
}

function orderCode(order: readonly StageName[]): string {
	return order
		.map((name) => {
			const index = V1_STAGE_CODES.indexOf(name);
			if (index < 0)
				throw new Error(`Stage ${name} has no share-link code; add it to V1_STAGE_CODES.`);
			return index.toString(36);
		})
		.join('');
}

/** The compact form of a shared experiment; the sweep is kept for the compare view only. */
export function toCompact({ experiment: x, view }: SharedExperiment): CompactExperiment {
	const out: CompactExperiment = { v: SHARE_FORMAT_VERSION, m: x.model.id };
	if (x.model.name !== x.model.id) out.n = x.model.name;
	if (x.model.engine !== engineOfModelId(x.model.id)) out.e = x.model.engine;
	if (x.model.sha256 !== null) out.h = x.model.sha256;
	if (x.input.mode === 'completion') {
		if (x.input.prompt !== '') out.p = x.input.prompt;
	} else {
		out.c = { m: x.input.messages.map((message) => [message.role, message.content]) };
		if (x.input.systemPrompt !== undefined) out.c.s = x.input.systemPrompt;
	}
	const changed: Record<string, number> = {};
	for (const spec of PARAM_SPECS) {
		if (x.params[spec.key] !== paramDefault(spec.key)) changed[spec.key] = x.params[spec.key];
	}
	if (x.params.seed !== null) changed.seed = x.params.seed;
	if (Object.keys(changed).length > 0) out.s = changed;
	const order = orderCode(x.params.order);
	if (order !== V1_ORDER_CODE) out.o = order;
	if (Object.keys(x.params.logitBias).length > 0) out.l = { ...x.params.logitBias };
	if (x.maxNewTokens !== V1_MAX_NEW_TOKENS) out.t = x.maxNewTokens;
	if (x.contextLength !== V1_CONTEXT_LENGTH) out.x = x.contextLength;
	if (x.stopSequences.length > 0) out.q = [...x.stopSequences];
	if (x.banEndOfText) out.b = 1;
	if (x.sampling !== 'exact') out.a = x.sampling;
	if (view === 'compare' && x.sweep?.length) out.w = x.sweep.map((axis) => [axis.param, axis.text]);
	return out;
}

export type FromCompact = { ok: true; value: SharedExperiment } | { ok: false; problems: string[] };

const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads and checks the compact form. Every problem found is listed, each naming its field as
 * the page shows it.
 */
export function fromCompact(data: unknown): FromCompact {
	if (!isRecord(data)) return { ok: false, problems: ['its data is not an experiment'] };
	if (data.v !== SHARE_FORMAT_VERSION) {
		const version = typeof data.v === 'number' ? data.v : 'unknown';
		return {
			ok: false,
			problems: [
				`it uses link format ${version}; this version of the app reads format ${SHARE_FORMAT_VERSION}`
			]
		};
	}
	const problems: string[] = [];
	for (const key of Object.keys(data)) {
		if (!KNOWN_KEYS.has(key)) problems.push(`it has an unknown field “${key}”`);
	}
	const model = readModel(data, problems);
	const input = readInput(data, problems);
	const params = readParams(data, problems);
	const maxNewTokens = readInteger(data.t, V1_MAX_NEW_TOKENS, MAX_NEW_TOKENS_SPEC, problems);
	const contextLength = readInteger(data.x, V1_CONTEXT_LENGTH, CONTEXT_LENGTH_SPEC, problems);
	const stopSequences = readStops(data.q, problems);
	if (data.b !== undefined && data.b !== 1) problems.push('ban end-of-text must be on or absent');
	if (data.a !== undefined && data.a !== 'native') {
		problems.push(`sampling mode must be exact or native; got ${JSON.stringify(data.a)}`);
	}
	const sweep = readSweep(data.w, problems);
	if (problems.length > 0 || !model || !input || !params) return { ok: false, problems };
	const experiment: Experiment = {
		model,
		input,
		params,
		maxNewTokens,
		contextLength,
		stopSequences,
		banEndOfText: data.b === 1,
		sampling: data.a === 'native' ? 'native' : 'exact'
	};
	if (sweep) experiment.sweep = sweep;
	return { ok: true, value: { experiment, view: sweep ? 'compare' : 'single' } };
}

function readModel(data: Record<string, unknown>, problems: string[]): Experiment['model'] | null {
	const { m: id, n: name, e: engine, h: sha256 } = data;
	const before = problems.length;
	if (typeof id !== 'string' || id === '' || id.length > MAX_MODEL_ID_CHARS) {
		problems.push(`model id must be text of 1 to ${MAX_MODEL_ID_CHARS} characters`);
	}
	if (name !== undefined && typeof name !== 'string') problems.push('model name must be text');
	if (engine !== undefined && engine !== 'wllama' && engine !== 'webllm') {
		problems.push(`model engine must be wllama or webllm; got ${JSON.stringify(engine)}`);
	}
	if (sha256 !== undefined && (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))) {
		problems.push('model sha256 must be 64 lowercase hex digits');
	}
	if (problems.length > before) return null;
	const modelId = id as string;
	return {
		id: modelId,
		name: (name as string | undefined) ?? modelId,
		engine: (engine as Experiment['model']['engine'] | undefined) ?? engineOfModelId(modelId),
		sha256: (sha256 as string | undefined) ?? null
	};
}

function readInput(data: Record<string, unknown>, problems: string[]): PromptInput | null {
	const { p: prompt, c: chat } = data;
	if (prompt !== undefined && chat !== undefined) {
		problems.push('it holds both a completion prompt and a chat');
		return null;
	}
	if (chat === undefined) {
		if (prompt !== undefined && typeof prompt !== 'string') {
			problems.push('prompt must be text');
			return null;
		}
		return { mode: 'completion', prompt: prompt ?? '' };
	}
	if (!isRecord(chat) || !Array.isArray(chat.m)) {
		problems.push('chat must hold a list of messages');
		return null;
	}
	if (chat.s !== undefined && typeof chat.s !== 'string') {
		problems.push('system prompt must be text');
		return null;
	}
	const messages: ChatMessage[] = [];
	for (const [i, entry] of chat.m.entries()) {
		const [role, content] = Array.isArray(entry) ? entry : [];
		if (!ROLES.includes(role) || typeof content !== 'string' || entry.length !== 2) {
			problems.push(`chat message ${i + 1} must be a role (system, user or assistant) and text`);
			return null;
		}
		messages.push({ role, content });
	}
	const input: PromptInput = { mode: 'chat', messages };
	if (chat.s !== undefined) input.systemPrompt = chat.s;
	return input;
}

function readParams(data: Record<string, unknown>, problems: string[]): SamplingParams | null {
	const { s: changed = {}, o: order = V1_ORDER_CODE, l: logitBias = {} } = data;
	if (!isRecord(changed)) {
		problems.push('parameters must be a map of name to value');
		return null;
	}
	if (typeof order !== 'string' || !/^[0-9a-z]*$/.test(order)) {
		problems.push('sampler chain order must be a list of stage codes');
		return null;
	}
	const stages: string[] = [];
	for (const code of order) {
		const name = V1_STAGE_CODES[parseInt(code, 36)];
		if (name === undefined) {
			problems.push(`sampler chain order has an unknown stage code “${code}”`);
			return null;
		}
		stages.push(name);
	}
	const defaults = Object.fromEntries(
		PARAM_SPECS.map((spec) => [spec.key, paramDefault(spec.key)])
	);
	const candidate = {
		...defaults,
		seed: DEFAULT_SAMPLING_PARAMS.seed,
		...changed,
		order: stages,
		logitBias
	};
	try {
		return validateSamplingParams(candidate);
	} catch (error) {
		if (!(error instanceof SamplingValidationError)) throw error;
		problems.push(`parameter ${error.message}`);
		return null;
	}
}

function readInteger(
	value: unknown,
	fallback: number,
	spec: ParamSpec,
	problems: string[]
): number {
	if (value === undefined) return fallback;
	const n = value as number;
	if (
		typeof value !== 'number' ||
		!Number.isInteger(n) ||
		n < spec.min ||
		n > (spec.max as number)
	) {
		problems.push(`${spec.label} must be ${describeRange(spec)}; got ${JSON.stringify(value)}`);
		return fallback;
	}
	return n;
}

function readStops(value: unknown, problems: string[]): string[] {
	if (value === undefined) return [];
	if (!Array.isArray(value) || value.length > MAX_STOP_SEQUENCES) {
		problems.push(`stop sequences must be a list of at most ${MAX_STOP_SEQUENCES} texts`);
		return [];
	}
	for (const [i, stop] of value.entries()) {
		// The page keeps stop sequences one per line, so a line break could not be shown.
		if (typeof stop !== 'string' || stop === '' || stop.includes('\n')) {
			problems.push(`stop sequence ${i + 1} must be a non-empty text on one line`);
			return [];
		}
	}
	return value as string[];
}

function readSweep(value: unknown, problems: string[]): Experiment['sweep'] | undefined {
	if (value === undefined) return undefined;
	if (!Array.isArray(value) || value.length < 1 || value.length > 2) {
		problems.push('the sweep must have one or two parameters');
		return undefined;
	}
	const axes: NonNullable<Experiment['sweep']> = [];
	for (const [i, entry] of value.entries()) {
		const [param, text] = Array.isArray(entry) ? entry : [];
		const known = SWEEP_PARAMS.find((option) => option.param === param);
		if (!known || typeof text !== 'string' || text.length > MAX_SWEEP_TEXT_CHARS) {
			problems.push(
				`sweep parameter ${i + 1} must be one of ${SWEEP_PARAMS.map((o) => o.param).join(', ')} with its values as text`
			);
			return undefined;
		}
		// Model ids are checked by the compare view against the models this page offers.
		if (known.param !== 'model') {
			const values = parseAxisValues(known.param, text);
			if (!values.ok) {
				problems.push(`sweep ${values.message}`);
				return undefined;
			}
		}
		axes.push({ param: known.param, text });
	}
	return axes;
}
