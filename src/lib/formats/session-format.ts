import type { ChatMessage } from '#lib/core/prompt';
import type { FinishReason, GenerationStats, IgnoredParam, StepTrace } from '#lib/core/run';
import type { PromptInput } from '#lib/core/prompt';
import { SWEEP_PARAMS } from '#lib/compare/sweep';
import { type SweepParam } from '#lib/core/experiment';
import { CONTEXT_LENGTH_SPEC, MAX_NEW_TOKENS_SPEC } from '#lib/params/fields';
import {
	DEFAULT_SAMPLING_PARAMS,
	MAX_SEED,
	SamplingValidationError,
	STAGE_NAMES,
	validateSamplingParams,
	type CandidateTrace,
	type SamplingParams,
	type StageTrace
} from '#lib/sampling';
import {
	array,
	at,
	boolean,
	describeValue,
	isPlainObject,
	must,
	nullable,
	number,
	object,
	oneOf,
	string,
	type Reader
} from './check';
import type { Experiment, ExperimentModel } from '#lib/core/experiment';
import type { PrefillRecord, RunRecord, SessionRecord, TokenRecord } from '#lib/core/session';

/**
 * The sessions export file, documented in docs/session-format.md. A change to the shapes in
 * core/session.ts is a new version; this reader then learns to upgrade older versions.
 */
export const SESSIONS_FORMAT = 'sampling-playground-sessions';
export const SESSIONS_FORMAT_VERSION = 1;

export interface SessionsFile {
	format: typeof SESSIONS_FORMAT;
	version: typeof SESSIONS_FORMAT_VERSION;
	/** ISO 8601 time of the export. */
	exportedAt: string;
	sessions: SessionRecord[];
}

/** The file's text: JSON with non-finite numbers (a perplexity of Infinity) written as strings. */
export function exportSessions(sessions: SessionRecord[], now = Date.now()): string {
	const file: SessionsFile = {
		format: SESSIONS_FORMAT,
		version: SESSIONS_FORMAT_VERSION,
		exportedAt: new Date(now).toISOString(),
		sessions
	};
	return JSON.stringify(
		file,
		(_key, value: unknown) =>
			typeof value === 'number' && !Number.isFinite(value) ? String(value) : value,
		1
	);
}

/** `session-once-upon-a-time.json` for one session, a dated name for the whole history. */
export function exportFileName(single: SessionRecord | null, now = Date.now()): string {
	if (!single)
		return `sampling-playground-sessions-${new Date(now).toISOString().slice(0, 10)}.json`;
	const slug = single.name
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-|-$/g, '')
		.slice(0, 40);
	return `session-${slug || 'untitled'}.json`;
}

export type ParsedSessions =
	{ ok: true; sessions: SessionRecord[] } | { ok: false; problems: string[] };

/**
 * Reads an export file and checks all of it: JSON syntax, format and version, then every field
 * of every session. Returns the sessions, or every problem found, each with its path.
 */
export function parseSessionsFile(text: string): ParsedSessions {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		return { ok: false, problems: [`The file is not valid JSON: ${reason}`] };
	}
	const header = checkHeader(json);
	if (header) return { ok: false, problems: [header] };
	const problems: string[] = [];
	const file = readFile(json, '', problems);
	if (problems.length > 0) return { ok: false, problems };
	return { ok: true, sessions: file.sessions };
}

/** Format and version first: without them the rest cannot be read meaningfully. */
function checkHeader(json: unknown): string | null {
	if (!isPlainObject(json) || json.format !== SESSIONS_FORMAT) {
		const got = isPlainObject(json) ? describeValue(json.format) : describeValue(json);
		return `This is not a sessions file of the Sampling Playground: format must be "${SESSIONS_FORMAT}", got ${got}.`;
	}
	const version = json.version;
	if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
		return `version: must be an integer ≥ 1, got ${describeValue(version)}`;
	}
	if (version > SESSIONS_FORMAT_VERSION) {
		return `This file has format version ${version}, newer than this app reads (${SESSIONS_FORMAT_VERSION}). Update the app to import it.`;
	}
	return null;
}

const nonEmpty = string({ nonEmpty: true });
const sha256 = string({ pattern: /^[0-9a-f]{64}$/, what: '64 lowercase hex digits' });
const isoDate: Reader<string> = (value, path, problems) => {
	if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
		must(problems, path, 'a date like "2025-01-31T12:00:00.000Z"', value);
	}
	return value as string;
};
const time = number({ integer: true, min: 0 });
const nonNegative = number({ min: 0 });
const probability = number({ min: 0, max: 1 });
const count = number({ integer: true, min: 0 });

/**
 * The sampler's own validation, one field at a time (the others at their defaults) so that every
 * bad field is reported, not just the first.
 */
const params: Reader<SamplingParams> = (value, path, problems) => {
	if (!isPlainObject(value)) {
		must(problems, path, 'an object of sampling parameters', value);
		return value as SamplingParams;
	}
	const defaults: Record<string, unknown> = { ...DEFAULT_SAMPLING_PARAMS };
	for (const key of new Set([...Object.keys(defaults), ...Object.keys(value)])) {
		if (!(key in value)) {
			problems.push(`${at(path, key)}: is missing`);
			continue;
		}
		try {
			validateSamplingParams({ ...defaults, [key]: value[key] });
		} catch (error) {
			if (!(error instanceof SamplingValidationError)) throw error;
			must(problems, at(path, error.field), error.allowed, error.value);
		}
	}
	return value as SamplingParams;
};

const model = object<ExperimentModel>({
	id: nonEmpty,
	name: string(),
	engine: oneOf(['wllama', 'webllm']),
	sha256: nullable(sha256)
});

const message = object<ChatMessage>({
	role: oneOf(['system', 'user', 'assistant']),
	content: string()
});

const completionInput = object<{ mode: 'completion'; prompt: string }>({
	mode: oneOf(['completion']),
	prompt: string()
});
const chatInput = object<{ mode: 'chat'; systemPrompt?: string; messages: ChatMessage[] }>(
	{ mode: oneOf(['chat']), systemPrompt: string(), messages: array(message) },
	{ optional: ['systemPrompt'] }
);
const promptInput: Reader<PromptInput> = (value, path, problems) => {
	const mode = isPlainObject(value) ? value.mode : undefined;
	if (mode === 'chat') return chatInput(value, path, problems);
	if (mode === 'completion') return completionInput(value, path, problems);
	if (!isPlainObject(value)) must(problems, path, 'an object', value);
	else must(problems, `${path}.mode`, 'one of "completion", "chat"', mode);
	return value as PromptInput;
};

const sweepAxis = object<{ param: SweepParam; text: string }>({
	param: oneOf(SWEEP_PARAMS.map((p) => p.param)),
	text: nonEmpty
});

const experiment = object<Experiment>(
	{
		model,
		input: promptInput,
		params,
		maxNewTokens: number({
			integer: true,
			min: MAX_NEW_TOKENS_SPEC.min,
			max: MAX_NEW_TOKENS_SPEC.max as number
		}),
		contextLength: number({
			integer: true,
			min: CONTEXT_LENGTH_SPEC.min,
			max: CONTEXT_LENGTH_SPEC.max as number
		}),
		stopSequences: array(nonEmpty),
		banEndOfText: boolean,
		sampling: oneOf(['exact', 'native']),
		sweep: array(sweepAxis, { min: 1, max: 2 })
	},
	{ optional: ['sweep'] }
);

const candidate = object<CandidateTrace>({
	id: count,
	logit: number({ infinite: true }),
	rawProbability: probability,
	probabilities: array(nullable(probability)),
	removedBy: nullable(oneOf(STAGE_NAMES))
});

const stageTrace = object<StageTrace>({
	name: oneOf(STAGE_NAMES),
	skipped: boolean,
	survivors: count,
	massRemoved: probability,
	entropy: number(),
	keptBestOnly: boolean
});

const trace = object<StepTrace>({
	step: count,
	distribution: oneOf(['logits', 'logprobs']),
	candidates: array(candidate),
	stages: array(stageTrace),
	u: nullable(number({ min: 0, max: 1 })),
	chosenId: count,
	chosenProbability: probability,
	entropyBefore: number(),
	entropyAfter: number()
});

const token = object<TokenRecord>({ id: count, piece: string(), trace }, { optional: ['trace'] });

const stats = object<GenerationStats>({
	promptTokens: count,
	generatedTokens: count,
	timeToFirstTokenMs: nullable(nonNegative),
	prefillMs: nonNegative,
	tokensPerSecond: nullable(nonNegative),
	totalMs: nonNegative,
	meanEntropy: nullable(nonNegative),
	perplexity: nullable(number({ min: 0, infinite: true }))
});

const ignoredParam = object<IgnoredParam>({ field: nonEmpty, reason: string() });

const FINISH_REASONS = [
	'eos',
	'stop-sequence',
	'max-tokens',
	'context-full',
	'stopped'
] as const satisfies readonly FinishReason[];

const runFields = object<RunRecord>({
	id: nonEmpty,
	label: string(),
	modelId: nonEmpty,
	params,
	seed: nullable(number({ integer: true, min: 0, max: MAX_SEED })),
	text: string(),
	tokens: array(token),
	status: oneOf(['running', 'done', 'stopped', 'failed', 'interrupted']),
	finishReason: nullable(oneOf(FINISH_REASONS)),
	stopSequence: nullable(string()),
	stats: nullable(stats),
	ignoredParams: array(ignoredParam),
	ranOn: string(),
	error: nullable(string())
});

/** The fields' types, then what a run's status says about the rest. */
const run: Reader<RunRecord> = (value, path, problems) => {
	const before = problems.length;
	const record = runFields(value, path, problems);
	if (problems.length > before) return record;
	if (record.status === 'done') {
		if (record.finishReason === null || record.finishReason === 'stopped') {
			must(
				problems,
				`${path}.finishReason`,
				'how a "done" run ended (not null or "stopped")',
				record.finishReason
			);
		}
		if (record.stats === null)
			must(problems, `${path}.stats`, 'the statistics of a "done" run', null);
	}
	if (record.status === 'failed' && record.error === null) {
		must(problems, `${path}.error`, 'the message of a "failed" run', null);
	}
	return record;
};

const prefill = object<PrefillRecord>({ evaluations: count, ms: nonNegative });

const sessionFields = object<SessionRecord>({
	id: nonEmpty,
	name: nonEmpty,
	kind: oneOf(['single', 'compare']),
	createdAt: time,
	updatedAt: time,
	experiment,
	runs: array(run, { min: 1, max: 16 }),
	prefill: nullable(prefill)
});

/** The fields' types, then how they fit together (each rule once the fields it reads are sound). */
const session: Reader<SessionRecord> = (value, path, problems) => {
	const record = sessionFields(value, path, problems);
	if (!isPlainObject(record)) return record;
	const { createdAt, updatedAt, kind, runs, experiment } = record as Partial<SessionRecord>;
	if (typeof createdAt === 'number' && typeof updatedAt === 'number' && updatedAt < createdAt) {
		must(problems, `${path}.updatedAt`, `at or after createdAt (${createdAt})`, updatedAt);
	}
	if (kind === 'single' && Array.isArray(runs) && runs.length !== 1) {
		must(problems, `${path}.runs`, 'one run for a "single" session', `${runs.length} runs`);
	}
	if (kind === 'compare' && isPlainObject(experiment) && experiment.sweep === undefined) {
		problems.push(`${path}.experiment.sweep: is missing (a "compare" session needs its sweep)`);
	}
	const ids = Array.isArray(runs) ? runs.map((r) => (isPlainObject(r) ? r.id : undefined)) : [];
	ids.forEach((id, i) => {
		if (typeof id === 'string' && ids.indexOf(id) !== i) {
			must(problems, `${path}.runs[${i}].id`, 'unique within the session', id);
		}
	});
	return record;
};

const readFile = object<SessionsFile>({
	format: oneOf([SESSIONS_FORMAT]),
	version: oneOf([SESSIONS_FORMAT_VERSION]),
	exportedAt: isoDate,
	sessions: array(session)
});
