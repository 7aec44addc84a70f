/**
 * The sessions index: one small summary per stored session in the `sessionIndex` store, so the
 * history lists thousands of sessions without reading (or checking) a single whole record. The
 * session store (sessions.ts) writes an entry in the same transaction as every session it writes;
 * migration 4 → 5 (db.ts) builds the entries of sessions stored before. Entries are checked when
 * read: one that is not sound counts as missing, and the record itself is read instead.
 */
import { MAX_TIME } from '#lib/formats/session-format';
import type { PromptInput } from '#lib/core/prompt';
import type { RunRecord, RunStatus, SessionRecord } from '#lib/core/session';
import type { EngineId } from '#lib/core/model';

/** Characters of the prompt an entry keeps for search; outputs are searched in the records. */
export const PREVIEW_CHARS = 300;
/** Longest search text an entry may hold (name and model name are bounded too, but by others). */
export const MAX_SEARCH_CHARS = 2_000;

/** What the history list shows of a session, and what its instant search looks through. */
export interface SessionSummary {
	id: string;
	name: string;
	kind: SessionRecord['kind'];
	modelName: string;
	/** The engine the experiment's model ran on; null for entries written before it was kept. */
	engine: EngineId | null;
	createdAt: number;
	updatedAt: number;
	status: RunStatus;
	runCount: number;
	/** Name, model name and the prompt's start, in lower case, for search. */
	searchText: string;
	/**
	 * Why the stored record cannot be read (written by a newer or broken version, or by hand),
	 * each problem with its path; empty for a sound session.
	 */
	problems: readonly string[];
}

/** A summary as the `sessionIndex` store holds it (only sound sessions have one). */
export type IndexEntry = Omit<SessionSummary, 'problems'>;

const ENGINES: readonly EngineId[] = ['llama', 'wllama', 'webllm'];

const STATUSES: readonly RunStatus[] = ['running', 'interrupted', 'failed', 'stopped', 'done'];

/** One status for a whole session: the most telling of its runs'. */
export function sessionStatus(runs: readonly RunRecord[]): RunStatus {
	for (const status of STATUSES) if (runs.some((r) => r.status === status)) return status;
	return 'done';
}

export function promptText(input: PromptInput): string {
	if (input.mode === 'completion') return input.prompt;
	return [input.systemPrompt ?? '', ...input.messages.map((m) => m.content)].join('\n');
}

/** The summary of a sound session: small whatever the size of its prompt and outputs. */
export function summarize(record: SessionRecord): SessionSummary {
	const modelName = record.experiment.model.name;
	const preview = promptText(record.experiment.input).slice(0, PREVIEW_CHARS);
	return {
		id: record.id,
		name: record.name,
		kind: record.kind,
		modelName,
		engine: record.experiment.model.engine,
		createdAt: record.createdAt,
		updatedAt: record.updatedAt,
		status: sessionStatus(record.runs),
		runCount: record.runs.length,
		searchText: [record.name, modelName, preview]
			.join('\n')
			.toLowerCase()
			.slice(0, MAX_SEARCH_CHARS),
		problems: []
	};
}

/** The entry the index stores for a summary. */
export function indexEntry(summary: SessionSummary): IndexEntry {
	return {
		id: summary.id,
		name: summary.name,
		kind: summary.kind,
		modelName: summary.modelName,
		engine: summary.engine,
		createdAt: summary.createdAt,
		updatedAt: summary.updatedAt,
		status: summary.status,
		runCount: summary.runCount,
		searchText: summary.searchText
	};
}

const isTime = (v: unknown): v is number =>
	Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_TIME;

/**
 * An entry as read back from the index, checked: the summary, or null when it is not one this
 * version wrote (the caller then reads the session record itself).
 */
export function readIndexEntry(value: unknown): SessionSummary | null {
	if (typeof value !== 'object' || value === null) return null;
	const v = value as Record<string, unknown>;
	const sound =
		typeof v.id === 'string' &&
		typeof v.name === 'string' &&
		(v.kind === 'single' || v.kind === 'compare') &&
		typeof v.modelName === 'string' &&
		isTime(v.createdAt) &&
		isTime(v.updatedAt) &&
		STATUSES.includes(v.status as RunStatus) &&
		Number.isInteger(v.runCount) &&
		(v.runCount as number) >= 0 &&
		typeof v.searchText === 'string' &&
		v.searchText.length <= MAX_SEARCH_CHARS &&
		(v.engine === undefined || ENGINES.includes(v.engine as EngineId));
	if (!sound) return null;
	return {
		id: v.id as string,
		name: v.name as string,
		kind: v.kind as SessionRecord['kind'],
		modelName: v.modelName as string,
		engine: (v.engine as EngineId | undefined) ?? null,
		createdAt: v.createdAt as number,
		updatedAt: v.updatedAt as number,
		status: v.status as RunStatus,
		runCount: v.runCount as number,
		searchText: v.searchText as string,
		problems: []
	};
}

/** Whether every word of `query` occurs, in any case, in `text` (already in lower case). */
export function matchesText(text: string, query: string): boolean {
	const words = query.toLowerCase().split(/\s+/).filter(Boolean);
	return words.every((word) => text.includes(word));
}

/** Whether every word of `query` occurs in the summary's name, model name or prompt start. */
export function matchesQuery(summary: Pick<SessionSummary, 'searchText'>, query: string): boolean {
	return matchesText(summary.searchText, query);
}

const strings = (value: unknown): string[] => (typeof value === 'string' ? [value] : []);

/**
 * Everything search looks through in a stored record, in lower case: name, model name, prompt
 * and every output. Reads any value without checking it (a damaged record is searched too).
 */
export function fullSearchText(value: unknown): string {
	if (typeof value !== 'object' || value === null) return '';
	const v = value as Record<string, unknown>;
	const parts = [...strings(v.name)];
	const experiment = v.experiment as Record<string, unknown> | undefined;
	if (typeof experiment === 'object' && experiment !== null) {
		const model = experiment.model as Record<string, unknown> | undefined;
		if (typeof model === 'object' && model !== null) parts.push(...strings(model.name));
		const input = experiment.input as Record<string, unknown> | undefined;
		if (typeof input === 'object' && input !== null) {
			parts.push(...strings(input.prompt), ...strings(input.systemPrompt));
			if (Array.isArray(input.messages)) {
				for (const m of input.messages)
					parts.push(...strings((m as { content?: unknown })?.content));
			}
		}
	}
	if (Array.isArray(v.runs))
		for (const r of v.runs) parts.push(...strings((r as { text?: unknown })?.text));
	return parts.join('\n').toLowerCase();
}

/**
 * Keys of the `sessions` store without a sound index entry (their records are read one by one)
 * and index ids whose session is gone (their entries are dropped).
 */
export function indexGaps(
	sessionKeys: readonly IDBValidKey[],
	indexed: ReadonlySet<string>
): { unindexed: IDBValidKey[]; orphans: string[] } {
	const stored = new Set<string>();
	const unindexed: IDBValidKey[] = [];
	for (const key of sessionKeys) {
		if (typeof key === 'string') stored.add(key);
		if (typeof key !== 'string' || !indexed.has(key)) unindexed.push(key);
	}
	const orphans = [...indexed].filter((id) => !stored.has(id));
	return { unindexed, orphans };
}
