import type { Experiment, SweepParam } from '#lib/core/experiment';
import { engineOfModelId } from '#lib/core/model-id';
import type { ChatMessage } from '#lib/core/prompt';
import { DEFAULT_SAMPLING_PARAMS } from '#lib/sampling';
import { isPlainObject, keyPath, must } from './check';
import { experimentReader, type ExperimentLimits } from './experiment';
import { paramSpecsOf, STAGE_DEFINITIONS, type StageRegistry } from '#lib/sampling';

/**
 * The share link's data: an {@link Experiment} as a small JSON object with one-letter keys,
 * leaving out every value equal to this format's defaults. Reading a link expands that compact
 * form back into a plain experiment and checks it with the experiment reader the sessions file
 * uses, so a bad link names its problems by the experiment's paths (`params.topP: …`). Called
 * by share-link.ts; `registry` is the stages whose parameters a link carries.
 */

/** The format links are written in; 2 added the checksum (share-link.ts), the JSON is format 1's. */
export const SHARE_FORMAT_VERSION = 2;
/** Every format this app reads. */
const READ_VERSIONS: readonly unknown[] = [1, 2];

/** Which tab a link opens: the single run, or the compare lanes (links with a sweep). */
export type ShareView = 'single' | 'compare';

export interface SharedExperiment {
	experiment: Experiment;
	view: ShareView;
}

/**
 * The stages of format 1 (and 2, whose JSON is the same), by their code (their index here, in base 36), with the defaults of
 * their parameters that links leave out. Frozen: a link keeps its meaning when the app's own
 * defaults change, and old links index this list. A stage added to the sampler later travels by
 * its name and its parameters fall back to the app's defaults, so it needs no entry here.
 */
const LINK_STAGES: readonly (readonly [
	stage: string,
	defaults: Readonly<Record<string, number>>
])[] = [
	['logit-bias', {}],
	['repetition-penalty', { repeatPenalty: 1, repeatLastN: 64 }],
	['frequency-presence', { frequencyPenalty: 0, presencePenalty: 0 }],
	['temperature', { temperature: 0.8 }],
	['top-k', { topK: 40 }],
	['top-p', { topP: 0.95 }],
	['min-p', { minP: 0.05 }]
];
const STAGE_CODES: readonly string[] = LINK_STAGES.map(([stage]) => stage);
const FROZEN_PARAM_DEFAULTS: Readonly<Record<string, number>> = Object.assign(
	{},
	...LINK_STAGES.map(([, defaults]) => defaults)
);
const V1_ORDER_CODE = '0123456';
const ALL_STAGE_CODES = STAGE_CODES.map((_, i) => i.toString(36)).join('');
const V1_MAX_NEW_TOKENS = 256;
const V1_CONTEXT_LENGTH = 2048;

/** What a link may hold at most, beyond what an experiment allows: links must stay short. */
export const LINK_LIMITS: ExperimentLimits = {
	modelIdChars: 300,
	stopSequences: 32,
	sweepTextChars: 500
};

/** The JSON a link carries (formats 1 and 2). */
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
	/** 1: special-token text typed in the prompt is read as tokens (`parseSpecial`). */
	r?: 1;
	/** Parameters that differ from the format's defaults, by their SamplingParams key. */
	s?: Record<string, number>;
	/** Stage order as codes of {@link LINK_STAGES}. */
	o?: string;
	l?: Record<string, number>;
	/** DRY's sequence breakers, when not llama.cpp's defaults (links without them read those). */
	y?: string[];
	t?: number;
	x?: number;
	q?: string[];
	b?: 1;
	a?: Experiment['sampling'];
	w?: [SweepParam, string][];
	/** The skill picked for the chat's system prompt, and a skill axis's skills: [name, text]. */
	k?: [string, string];
	K?: [string, string][];
}

const KNOWN_KEYS: ReadonlySet<string> = new Set<keyof CompactExperiment>([
	'v',
	'm',
	'n',
	'e',
	'h',
	'p',
	'c',
	'r',
	's',
	'o',
	'l',
	'y',
	't',
	'x',
	'q',
	'b',
	'a',
	'w',
	'k',
	'K'
]);

/** Every stage parameter of `registry` at this format's defaults. */
function paramDefaults(registry: StageRegistry): Record<string, number> {
	return Object.fromEntries(
		paramSpecsOf(registry).map((spec) => [
			spec.key,
			FROZEN_PARAM_DEFAULTS[spec.key] ?? spec.default
		])
	);
}

/**
 * The stage order as one character per frozen stage; a stage added to the sampler after the
 * table was frozen travels by its name in parentheses, so it needs no code of its own.
 */
function orderCode(order: readonly string[]): string {
	return order
		.map((name) => {
			const index = STAGE_CODES.indexOf(name);
			return index < 0 ? `(${name})` : index.toString(36);
		})
		.join('');
}

/** The compact form of a shared experiment; the sweep is kept for the compare view only. */
export function toCompact(
	{ experiment: x, view }: SharedExperiment,
	registry: StageRegistry = STAGE_DEFINITIONS
): CompactExperiment {
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
	if (x.input.parseSpecial === true) out.r = 1;
	const params = x.params as unknown as Record<string, number>;
	const changed: Record<string, number> = {};
	for (const [key, value] of Object.entries(paramDefaults(registry))) {
		if (params[key] !== value) changed[key] = params[key];
	}
	if (x.params.seed !== null) changed.seed = x.params.seed;
	if (Object.keys(changed).length > 0) out.s = changed;
	const order = orderCode(x.params.order);
	if (order !== V1_ORDER_CODE) out.o = order;
	if (Object.keys(x.params.logitBias).length > 0) out.l = { ...x.params.logitBias };
	if (!sameTexts(x.params.drySequenceBreakers, DEFAULT_SAMPLING_PARAMS.drySequenceBreakers)) {
		out.y = [...x.params.drySequenceBreakers];
	}
	if (x.maxNewTokens !== V1_MAX_NEW_TOKENS) out.t = x.maxNewTokens;
	if (x.contextLength !== V1_CONTEXT_LENGTH) out.x = x.contextLength;
	if (x.stopSequences.length > 0) out.q = [...x.stopSequences];
	if (x.banEndOfText) out.b = 1;
	if (x.sampling !== 'exact') out.a = x.sampling;
	if (view === 'compare' && x.sweep?.length) out.w = x.sweep.map((axis) => [axis.param, axis.text]);
	if (x.skill) out.k = [x.skill.name, x.skill.systemPrompt];
	if (view === 'compare' && x.skills?.length)
		out.K = x.skills.map((skill) => [skill.name, skill.systemPrompt]);
	return out;
}

export type FromCompact = { ok: true; value: SharedExperiment } | { ok: false; problems: string[] };

/**
 * Reads the compact form: expands it into an experiment, then checks that with the experiment
 * reader. Every problem found is listed, each with its path in the experiment.
 */
export function fromCompact(
	data: unknown,
	registry: StageRegistry = STAGE_DEFINITIONS
): FromCompact {
	if (!isPlainObject(data)) return { ok: false, problems: ['its data is not an experiment'] };
	if (!READ_VERSIONS.includes(data.v)) {
		const version = typeof data.v === 'number' ? data.v : 'unknown';
		return {
			ok: false,
			problems: [
				`it uses link format ${version}; this version of the app reads formats ${READ_VERSIONS.join(' and ')}`
			]
		};
	}
	const problems: string[] = [];
	for (const key of Object.keys(data)) {
		if (!KNOWN_KEYS.has(key))
			problems.push(`${keyPath('', key)}: is not a known field (remove it)`);
	}
	const expanded = expand(data, registry, problems);
	const experiment = experimentReader({ registry, limits: LINK_LIMITS })(expanded, '', problems);
	if (problems.length > 0) return { ok: false, problems };
	return { ok: true, value: { experiment, view: experiment.sweep ? 'compare' : 'single' } };
}

/** A field the link left out takes the format's default; `null` stays, for the reader to judge. */
function orDefault(value: unknown, fallback: unknown): unknown {
	return value === undefined ? fallback : value;
}

/**
 * The plain experiment a compact form stands for: defaults filled in, codes and pairs spelled
 * out. Values are passed on unchecked (the experiment reader checks them); only what has no
 * place in an experiment (a bad stage code, a pair that is not one) is reported here, and then
 * replaced by a harmless value so that the reader does not report it a second time.
 */
function expand(
	data: Record<string, unknown>,
	registry: StageRegistry,
	problems: string[]
): Record<string, unknown> {
	const id = typeof data.m === 'string' ? data.m : '';
	const experiment: Record<string, unknown> = {
		model: {
			id: data.m,
			name: orDefault(data.n, id),
			engine: orDefault(data.e, engineOfModelId(id)),
			sha256: orDefault(data.h, null)
		},
		input: expandInput(data, problems),
		params: expandParams(data, registry, problems),
		maxNewTokens: orDefault(data.t, V1_MAX_NEW_TOKENS),
		contextLength: orDefault(data.x, V1_CONTEXT_LENGTH),
		stopSequences: orDefault(data.q, []),
		banEndOfText: data.b === 1,
		sampling: orDefault(data.a, 'exact')
	};
	if (data.b !== undefined && data.b !== 1)
		must(problems, 'banEndOfText', '1 (on) or absent', data.b);
	if (data.w !== undefined) {
		experiment.sweep = pairs(data.w, ['param', 'text'], 'sweep', problems, {
			param: 'seed',
			text: '1'
		});
	}
	const harmlessSkill = { name: 'skill', systemPrompt: '' };
	if (data.k !== undefined) {
		const k = data.k;
		if (Array.isArray(k) && k.length === 2) experiment.skill = { name: k[0], systemPrompt: k[1] };
		else {
			must(problems, 'skill', 'a pair [name, systemPrompt]', k);
			experiment.skill = harmlessSkill;
		}
	}
	if (data.K !== undefined && data.w === undefined)
		problems.push('skills: a sweep’s skills come only with its sweep');
	else if (data.K !== undefined) {
		const skills = pairs(data.K, ['name', 'systemPrompt'], 'skills', problems, harmlessSkill);
		// The writer leaves an empty list out: read one as absent, so the link reopens the same.
		if (!Array.isArray(skills) || skills.length > 0) experiment.skills = skills;
	}
	return experiment;
}

function expandInput(data: Record<string, unknown>, problems: string[]): unknown {
	const { p: prompt, c: chat } = data;
	if (prompt !== undefined && chat !== undefined) {
		problems.push('input: must be a completion prompt or a chat, got both');
	}
	if (data.r !== undefined && data.r !== 1) {
		must(problems, 'input.parseSpecial', '1 (on) or absent', data.r);
	}
	const special = data.r === 1 ? { parseSpecial: true } : {};
	if (chat === undefined) return { mode: 'completion', prompt: orDefault(prompt, ''), ...special };
	if (!isPlainObject(chat)) return chat;
	const input: Record<string, unknown> = {
		mode: 'chat',
		messages: pairs(chat.m, ['role', 'content'], 'input.messages', problems, {
			role: 'user',
			content: ''
		})
	};
	if (chat.s !== undefined) input.systemPrompt = chat.s;
	return { ...input, ...special };
}

/**
 * The `[a, b]` entries of a list as `{ [keys[0]]: a, [keys[1]]: b }`; any other entry is a
 * problem. Not a list at all is left to the reader.
 */
function pairs(
	list: unknown,
	keys: readonly [string, string],
	path: string,
	problems: string[],
	harmless: Record<string, unknown>
): unknown {
	if (!Array.isArray(list)) return list;
	return list.map((entry: unknown, i) => {
		if (Array.isArray(entry) && entry.length === 2) {
			return { [keys[0]]: entry[0], [keys[1]]: entry[1] };
		}
		must(problems, `${path}[${i}]`, `a pair [${keys.join(', ')}]`, entry);
		return harmless;
	});
}

function expandParams(
	data: Record<string, unknown>,
	registry: StageRegistry,
	problems: string[]
): unknown {
	const changed = orDefault(data.s, {});
	if (!isPlainObject(changed)) return changed;
	return {
		...paramDefaults(registry),
		seed: DEFAULT_SAMPLING_PARAMS.seed,
		...changed,
		order: expandOrder(orDefault(data.o, V1_ORDER_CODE), problems),
		logitBias: orDefault(data.l, {}),
		drySequenceBreakers: orDefault(data.y, [...DEFAULT_SAMPLING_PARAMS.drySequenceBreakers])
	};
}

function sameTexts(a: readonly string[], b: readonly string[]): boolean {
	return a.length === b.length && a.every((text, i) => text === b[i]);
}

function expandOrder(code: unknown, problems: string[]): string[] {
	const tokens = typeof code === 'string' ? code.match(/[0-9a-z]|\([a-z0-9-]+\)/g) : null;
	if (typeof code === 'string' && (tokens ?? []).join('') === code) {
		const names = (tokens ?? []).map((token) =>
			token.startsWith('(') ? token.slice(1, -1) : STAGE_CODES[parseInt(token, 36)]
		);
		// A stage the registry lacks is left to the experiment reader, which names it.
		if (names.every((name) => name !== undefined)) return names;
	}
	must(problems, 'params.order', `stage codes from "${ALL_STAGE_CODES}"`, code);
	return [];
}
