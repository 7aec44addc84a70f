import type { FinishReason, GenerationStats, IgnoredParam, StepTrace } from '#lib/core/run';
import type {
	Judgement,
	PrefillRecord,
	RunRecord,
	SessionRecord,
	TokenRecord
} from '#lib/core/session';
import {
	MAX_SEED,
	STAGE_DEFINITIONS,
	type CandidateTrace,
	type StageName,
	type StageRegistry,
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
import { experimentReader, skillRef } from './experiment';
import { samplingParamsReader, stageNamesOf } from './sampling-params';
import { stageDetail } from './stage-detail';
import { decodeTokens, encodeTokens, fromBase64, toBase64 } from './token-codec';

/**
 * The sessions export file, documented in docs/session-format.md: its writer, and its reader,
 * which checks a session's experiment with the experiment reader (experiment.ts) that share links
 * use too. The page's sessions state calls it. A change to the shapes in core/session.ts is a new
 * version; this reader then learns to upgrade older versions. Version 2 writes each run's tokens
 * as base64 of the token codec (token-codec.ts); version 1 files, with tokens as JSON, still read.
 * Version 3 adds a compare's optional `judgement`; it packs tokens as version 2 does.
 */
export const SESSIONS_FORMAT = 'sampling-playground-sessions';
export const SESSIONS_FORMAT_VERSION = 3;

/** A sessions file as read: every version gives sessions in the stored shapes. */
export interface SessionsFile {
	format: typeof SESSIONS_FORMAT;
	version: number;
	/** ISO 8601 time of the export. */
	exportedAt: string;
	sessions: SessionRecord[];
}

/**
 * A run as version 2 writes it: its tokens as base64 of one token chunk. A value that is not a
 * list of tokens (a damaged record exported as it is stored) is written as it is, for the import
 * to report.
 */
function packedRun(run: RunRecord): unknown {
	if (typeof run !== 'object' || run === null || !Array.isArray(run.tokens)) return run;
	try {
		return { ...run, tokens: toBase64(encodeTokens(run.tokens)) };
	} catch {
		return run;
	}
}

function packedSession(session: SessionRecord): unknown {
	if (typeof session !== 'object' || session === null || !Array.isArray(session.runs)) {
		return session;
	}
	return { ...session, runs: session.runs.map(packedRun) };
}

/** The file's text: JSON with non-finite numbers (a perplexity of Infinity) written as strings. */
export function exportSessions(sessions: SessionRecord[], now = Date.now()): string {
	const file = {
		format: SESSIONS_FORMAT,
		version: SESSIONS_FORMAT_VERSION,
		exportedAt: new Date(now).toISOString(),
		sessions: sessions.map(packedSession)
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
 * of every session. Returns the sessions, or every problem found, each with its path. `registry`
 * is the stages whose parameters and trace names the file may hold.
 */
export function parseSessionsFile(
	text: string,
	registry: StageRegistry = STAGE_DEFINITIONS
): ParsedSessions {
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
	const version = (json as { version: number }).version;
	const file = sessionsFileReader(registry, version)(json, '', problems);
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
const isoDate: Reader<string> = (value, path, problems) => {
	if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
		must(problems, path, 'a date like "2025-01-31T12:00:00.000Z"', value);
	}
	return value as string;
};
/** The largest time a `Date` holds: the history shows every session's dates. */
export const MAX_TIME = 8_640_000_000_000_000;
const time = number({ integer: true, min: 0, max: MAX_TIME });
/** Engines count token ids in 32-bit integers. */
export const MAX_TOKEN_ID = 2 ** 31 - 1;
const tokenId = number({ integer: true, min: 0, max: MAX_TOKEN_ID });
/** Session ids are UUIDs and run ids lane names; an id stays short enough to show. */
export const MAX_ID_CHARS = 200;
const id = string({ nonEmpty: true, maxLength: MAX_ID_CHARS });
const nonNegative = number({ min: 0 });
const probability = number({ min: 0, max: 1 });
const count = number({ integer: true, min: 0 });

/** A step's trace; `stage` reads the names of the stages the trace may mention. */
function traceReader(stage: Reader<StageName>): Reader<StepTrace> {
	const candidate = object<CandidateTrace>({
		id: tokenId,
		logit: number({ infinite: true }),
		rawProbability: probability,
		probabilities: array(nullable(probability)),
		removedBy: nullable(stage)
	});
	const stageTrace = object<StageTrace>(
		{
			name: stage,
			skipped: boolean,
			survivors: count,
			massRemoved: probability,
			entropy: number(),
			keptBestOnly: boolean,
			detail: stageDetail
		},
		{ optional: ['detail'] }
	);
	return object<StepTrace>({
		step: count,
		distribution: oneOf(['logits', 'logprobs']),
		candidates: array(candidate),
		stages: array(stageTrace),
		u: nullable(number({ min: 0, max: 1 })),
		chosenId: tokenId,
		chosenProbability: probability,
		entropyBefore: number(),
		entropyAfter: number()
	});
}

// The figures measured since (decode phase, times on screen) are absent from older files, and
// the blended tokens/s they wrote is absent from newer ones: all optional, so both open.
const stats = object<GenerationStats>(
	{
		promptTokens: count,
		generatedTokens: count,
		timeToFirstTokenMs: nullable(nonNegative),
		prefillMs: nonNegative,
		decodeMs: nullable(nonNegative),
		firstTokenOnScreenMs: nullable(nonNegative),
		lastTokenOnScreenMs: nullable(nonNegative),
		tokensPerSecond: nullable(nonNegative),
		totalMs: nonNegative,
		meanEntropy: nullable(nonNegative),
		perplexity: nullable(number({ min: 0, infinite: true }))
	},
	{ optional: ['decodeMs', 'firstTokenOnScreenMs', 'lastTokenOnScreenMs', 'tokensPerSecond'] }
);

const ignoredParam = object<IgnoredParam>({ field: nonEmpty, reason: string() });

const FINISH_REASONS = [
	'eos',
	'stop-sequence',
	'max-tokens',
	'context-full',
	'stopped'
] as const satisfies readonly FinishReason[];

/**
 * Version 2's tokens: base64 of one token chunk, decoded (a chunk that cannot be read is one
 * problem saying why), then checked token by token as version 1's list is.
 */
function packedTokens(tokens: Reader<TokenRecord[]>): Reader<TokenRecord[]> {
	return (value, path, problems) => {
		if (typeof value !== 'string') {
			must(problems, path, 'the tokens as base64 token data (format version 2)', value);
			return [];
		}
		const bytes = fromBase64(value);
		if (!bytes) {
			must(problems, path, 'base64 (A–Z, a–z, 0–9, + and /, padded with =)', value);
			return [];
		}
		const decoded = decodeTokens(bytes);
		if (!decoded.ok) {
			problems.push(`${path}: the token data cannot be read: ${decoded.problem}`);
			return [];
		}
		return tokens(decoded.tokens, path, problems);
	};
}

/**
 * The fields' types, then what a run's status says about the rest. `version` is the file's:
 * version 1 and stored records list tokens as JSON, version 2 packs them.
 */
function runReader(registry: StageRegistry, version = 1): Reader<RunRecord> {
	const stage = oneOf(stageNamesOf(registry)) as Reader<StageName>;
	const token = object<TokenRecord>(
		{ id: tokenId, piece: string(), trace: traceReader(stage) },
		{ optional: ['trace'] }
	);
	const tokens = array(token);
	const runFields = object<RunRecord>(
		{
			id,
			label: string(),
			modelId: nonEmpty,
			params: samplingParamsReader(registry),
			seed: nullable(number({ integer: true, min: 0, max: MAX_SEED })),
			text: string(),
			tokens: version >= 2 ? packedTokens(tokens) : tokens,
			status: oneOf(['running', 'done', 'stopped', 'failed', 'interrupted']),
			finishReason: nullable(oneOf(FINISH_REASONS)),
			stopSequence: nullable(string()),
			stats: nullable(stats),
			ignoredParams: array(ignoredParam),
			ranOn: string(),
			error: nullable(string()),
			skill: skillRef
		},
		{ optional: ['skill'] }
	);
	return (value, path, problems) => {
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
}

const prefill = object<PrefillRecord>({ evaluations: count, ms: nonNegative });
const judgement = object<Judgement>({ ranking: array(id, { max: 16 }) });

/** The fields' types, then how they fit together (each rule once the fields it reads are sound). */
function sessionReader(registry: StageRegistry, version = 1): Reader<SessionRecord> {
	const sessionFields = object<SessionRecord>(
		{
			id,
			name: nonEmpty,
			kind: oneOf(['single', 'compare']),
			createdAt: time,
			updatedAt: time,
			experiment: experimentReader({ registry }),
			runs: array(runReader(registry, version), { min: 1, max: 16 }),
			prefill: nullable(prefill),
			judgement
		},
		{ optional: ['judgement'] }
	);
	return (value, path, problems) => {
		const record = sessionFields(value, path, problems);
		if (!isPlainObject(record)) return record;
		const { createdAt, updatedAt, kind, runs, experiment } = record as Partial<SessionRecord>;
		if (typeof createdAt === 'number' && typeof updatedAt === 'number' && updatedAt < createdAt) {
			must(problems, at(path, 'updatedAt'), `at or after createdAt (${createdAt})`, updatedAt);
		}
		if (kind === 'single' && Array.isArray(runs) && runs.length !== 1) {
			must(problems, at(path, 'runs'), 'one run for a "single" session', `${runs.length} runs`);
		}
		if (kind === 'compare' && isPlainObject(experiment) && experiment.sweep === undefined) {
			problems.push(
				`${at(path, 'experiment.sweep')}: is missing (a "compare" session needs its sweep)`
			);
		}
		const ids = Array.isArray(runs) ? runs.map((r) => (isPlainObject(r) ? r.id : undefined)) : [];
		ids.forEach((id, i) => {
			if (typeof id === 'string' && ids.indexOf(id) !== i) {
				must(problems, `${at(path, 'runs')}[${i}].id`, 'unique within the session', id);
			}
		});
		checkJudgement(record as Partial<SessionRecord>, ids, path, problems);
		return record;
	};
}

/** A judgement belongs to a compare and ranks its own lanes, each once. */
function checkJudgement(
	record: Partial<SessionRecord>,
	runIds: unknown[],
	path: string,
	problems: string[]
): void {
	const ranking = record.judgement?.ranking;
	if (!Array.isArray(ranking)) return;
	if (record.kind === 'single') {
		problems.push(`${at(path, 'judgement')}: only a "compare" session has a judgement`);
	}
	ranking.forEach((laneId, i) => {
		const where = `${at(path, 'judgement.ranking')}[${i}]`;
		if (typeof laneId !== 'string') return;
		if (Array.isArray(record.runs) && !runIds.includes(laneId)) {
			must(problems, where, "the id of one of the session's runs", laneId);
		} else if (ranking.indexOf(laneId) !== i) {
			must(problems, where, 'a lane ranked once', laneId);
		}
	});
}

export type ReadSession = { ok: true; record: SessionRecord } | { ok: false; problems: string[] };

/**
 * Checks one stored session as an imported one is checked (paths start at its fields): the
 * history reads every record through it, so a record this app cannot show is reported, not shown.
 */
export function readSession(
	value: unknown,
	registry: StageRegistry = STAGE_DEFINITIONS
): ReadSession {
	const problems: string[] = [];
	const record = sessionReader(registry)(value, '', problems);
	return problems.length > 0 ? { ok: false, problems } : { ok: true, record };
}

/** The whole file of format `version`, for a file whose runs used the stages of `registry`. */
export function sessionsFileReader(
	registry: StageRegistry = STAGE_DEFINITIONS,
	version: number = SESSIONS_FORMAT_VERSION
): Reader<SessionsFile> {
	return object<SessionsFile>({
		format: oneOf([SESSIONS_FORMAT]),
		version: oneOf([1, 2, 3]),
		exportedAt: isoDate,
		sessions: array(sessionReader(registry, version))
	});
}
