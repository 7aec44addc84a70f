import type { PromptInput } from '#lib/core/prompt';
import { readSession } from '#lib/formats/session-format';
import { playgroundDb, type PlaygroundDb } from './db';
import {
	chunksOf,
	deleteRunTokens,
	headOf,
	readRunTokens,
	withRunTokens,
	writeChunks,
	type TokenChunk
} from './run-tokens';
import { normalizeTokens } from '#lib/formats/token-codec';
import type { RunRecord, RunStatus, SessionRecord } from '#lib/core/session';

/** The `settings` key of the session open on the page, reopened after a reload. */
export const CURRENT_SESSION_KEY = 'currentSession';

/** What the history list shows of a session, and what its search looks through. */
export interface SessionSummary {
	id: string;
	name: string;
	kind: SessionRecord['kind'];
	modelName: string;
	createdAt: number;
	updatedAt: number;
	status: RunStatus;
	runCount: number;
	/** Name, prompt and outputs in lower case, for search. */
	searchText: string;
	/**
	 * Why the stored record cannot be read (written by a newer or broken version, or by hand),
	 * each problem with its path; empty for a sound session.
	 */
	problems: readonly string[];
}

/** A stored record that is not a session this app can read. */
export class DamagedSessionError extends Error {
	constructor(
		readonly id: string,
		readonly problems: readonly string[]
	) {
		super(`session ${id} is damaged: ${problems.join('; ')}`);
		this.name = 'DamagedSessionError';
	}
}

/** A stored record checked as an imported session is: the session, or why it is damaged. */
export function readStored(
	value: unknown,
	key: IDBValidKey
): { ok: true; record: SessionRecord } | { ok: false; error: DamagedSessionError } {
	const read = readSession(value);
	if (read.ok) return read;
	return { ok: false, error: new DamagedSessionError(String(key), read.problems) };
}

/**
 * What the history shows of a damaged record: its id and its problems. It sorts before every
 * session (its dates may be what is wrong), and its fields are never read as a session's.
 */
export function damagedSummary(error: DamagedSessionError): SessionSummary {
	return {
		id: error.id,
		name: `Damaged session ${error.id}`,
		kind: 'single',
		modelName: '',
		createdAt: 0,
		updatedAt: Infinity,
		status: 'failed',
		runCount: 0,
		searchText: [error.id, ...error.problems].join('\n').toLowerCase(),
		problems: error.problems
	};
}

/** One status for a whole session: the most telling of its runs'. */
export function sessionStatus(runs: readonly RunRecord[]): RunStatus {
	const order: RunStatus[] = ['running', 'interrupted', 'failed', 'stopped', 'done'];
	for (const status of order) if (runs.some((r) => r.status === status)) return status;
	return 'done';
}

export function promptText(input: PromptInput): string {
	if (input.mode === 'completion') return input.prompt;
	return [input.systemPrompt ?? '', ...input.messages.map((m) => m.content)].join('\n');
}

export function summarize(record: SessionRecord): SessionSummary {
	const searchText = [
		record.name,
		promptText(record.experiment.input),
		...record.runs.map((r) => r.text)
	]
		.join('\n')
		.toLowerCase();
	return {
		id: record.id,
		name: record.name,
		kind: record.kind,
		modelName: record.experiment.model.name,
		createdAt: record.createdAt,
		updatedAt: record.updatedAt,
		status: sessionStatus(record.runs),
		runCount: record.runs.length,
		searchText,
		problems: []
	};
}

/** Whether every word of `query` occurs, in any case, in the session's name, prompt or outputs. */
export function matchesQuery(summary: Pick<SessionSummary, 'searchText'>, query: string): boolean {
	const words = query.toLowerCase().split(/\s+/).filter(Boolean);
	return words.every((word) => summary.searchText.includes(word));
}

/**
 * A stored session as it reads now: a run still `running` in storage, that no page of this tab
 * is recording, was cut off when its tab closed or crashed.
 */
export function asFound(record: SessionRecord, isLive: (id: string) => boolean): SessionRecord {
	if (isLive(record.id) || !record.runs.some((r) => r.status === 'running')) return record;
	return {
		...record,
		runs: record.runs.map((r) => (r.status === 'running' ? { ...r, status: 'interrupted' } : r))
	};
}

export interface ImportReport {
	/** Sessions added, including those given a new id. */
	imported: number;
	/** Sessions already stored exactly as in the file. */
	skipped: number;
	/** Sessions whose id was taken by a different stored session, added under a new id. */
	renamed: number;
	/** Ids of the sessions added, as stored. */
	ids: string[];
}

/** One save of a session being recorded: its head and the tokens streamed since the last save. */
export interface SessionWrite {
	/** The session with its runs' tokens left out (see run-tokens.ts). */
	head: SessionRecord;
	chunks: readonly TokenChunk[];
}

/** A session as storing it gives it back: its traces' float32 fields rounded as the codec keeps them. */
export function asStored(record: SessionRecord): SessionRecord {
	return {
		...record,
		runs: record.runs.map((run) => ({ ...run, tokens: normalizeTokens(run.tokens) }))
	};
}

/** The sessions in IndexedDB: the history. */
export class SessionStore {
	constructor(
		private readonly db: () => Promise<PlaygroundDb> = playgroundDb,
		/** Sessions this tab is recording now (their `running` runs are really running). */
		private readonly isLive: (id: string) => boolean = () => false,
		private readonly newId: () => string = () => crypto.randomUUID()
	) {}

	/** Stores a whole session (its head and one token chunk per run), replacing any stored copy. */
	async put(record: SessionRecord): Promise<void> {
		const tx = (await this.db()).transaction(['sessions', 'runTokens'], 'readwrite');
		await deleteRunTokens(tx.objectStore('runTokens'), record.id);
		await tx.objectStore('sessions').put(headOf(record));
		await writeChunks(tx.objectStore('runTokens'), record.id, chunksOf(record));
		await tx.done;
	}

	/**
	 * One save of a recording, in one transaction: the head, and the tokens since the last save
	 * appended as new chunks. Costs what streamed since, not the whole session.
	 */
	async append(write: SessionWrite): Promise<void> {
		const tx = (await this.db()).transaction(['sessions', 'runTokens'], 'readwrite');
		await tx.objectStore('sessions').put(write.head);
		await writeChunks(tx.objectStore('runTokens'), write.head.id, write.chunks);
		await tx.done;
	}

	/** Puts back a record exactly as {@link raw} read it (a deletion undone, damaged or not). */
	async putRaw(value: unknown): Promise<void> {
		const read = readSession(value);
		if (read.ok) return this.put(read.record);
		await (await this.db()).put('sessions', value as SessionRecord);
	}

	/** A stored session; throws {@link DamagedSessionError} for a record that is not one. */
	async get(id: string): Promise<SessionRecord | undefined> {
		const tx = (await this.db()).transaction(['sessions', 'runTokens']);
		const found = await this.readWhole(tx, id);
		if (!found) return undefined;
		const read = readStored(found.value, id);
		const problems = [...(read.ok ? [] : read.error.problems), ...found.problems];
		if (problems.length > 0) throw new DamagedSessionError(id, problems);
		return asFound((read as { record: SessionRecord }).record, this.isLive);
	}

	/** The stored head of `id` with its chunked tokens joined in, and what is wrong with them. */
	private async readWhole(
		tx: ReturnType<PlaygroundDb['transaction']>,
		id: string
	): Promise<{ value: unknown; problems: string[] } | undefined> {
		const head: unknown = await tx.objectStore('sessions').get(this.keyOf(id));
		if (head === undefined) return undefined;
		const { byRun, problems } = await readRunTokens(tx.objectStore('runTokens'), id);
		const runIds = isSessionLike(head) ? head.runs.map((run) => run.id) : [];
		for (const runId of byRun.keys()) {
			if (!runIds.includes(runId)) {
				problems.push(`token chunks of run ${JSON.stringify(runId)}, which is not in the session`);
			}
		}
		return { value: withRunTokens(head, byRun), problems };
	}

	/** A stored record as it is, damaged or not (with its chunked tokens): what a damaged session exports. */
	async raw(id: string): Promise<unknown> {
		const tx = (await this.db()).transaction(['sessions', 'runTokens']);
		return (await this.readWhole(tx, id))?.value;
	}

	/** Every sound session, the most recently updated first (damaged records left out). */
	async list(): Promise<SessionRecord[]> {
		const tx = (await this.db()).transaction(['sessions', 'runTokens']);
		const heads = await tx.objectStore('sessions').index('byUpdated').getAllKeys();
		const sound: SessionRecord[] = [];
		for (const key of heads.reverse()) {
			const found = await this.readWhole(tx, key);
			if (!found || found.problems.length > 0) continue;
			const read = readSession(found.value);
			if (read.ok) sound.push(asFound(read.record, this.isLive));
		}
		return sound;
	}

	/**
	 * What the history list shows of every stored record: damaged ones first, then sessions
	 * newest first. Reads the store itself, not the `byUpdated` index, which leaves out a record
	 * whose `updatedAt` is not a valid key.
	 */
	async summaries(): Promise<SessionSummary[]> {
		const tx = (await this.db()).transaction('sessions');
		const summaries: SessionSummary[] = [];
		this.keys.clear();
		for await (const cursor of tx.store.iterate(null, 'prev')) {
			const read = readStored(cursor.value, cursor.primaryKey);
			if (read.ok) {
				summaries.push(summarize(asFound(read.record, this.isLive)));
			} else {
				// A record put there directly may have a key that is not a string.
				if (typeof cursor.primaryKey !== 'string') this.keys.set(read.error.id, cursor.primaryKey);
				summaries.push(damagedSummary(read.error));
			}
		}
		// Stable, so equal times keep the store's order (greater id first), as the index had it;
		// two damaged ones (Infinity − Infinity is NaN) count as equal.
		return summaries.sort((a, b) => b.updatedAt - a.updatedAt || 0);
	}

	/** Keys that are not strings, by the id the history shows for them. */
	private readonly keys = new Map<string, IDBValidKey>();

	/** The store's key for the id the history shows: the schema says string, a stray record may not. */
	private keyOf(id: string): string {
		return (this.keys.get(id) ?? id) as string;
	}

	/** Sessions whose name, prompt or outputs contain every word of `query` (any case). */
	async search(query: string): Promise<SessionRecord[]> {
		return (await this.list()).filter((r) => matchesQuery(summarize(r), query));
	}

	/** Renames a stored session; the name is trimmed and must not be empty. */
	async rename(id: string, name: string): Promise<SessionRecord> {
		const trimmed = name.trim();
		if (!trimmed) throw new Error('A session needs a name.');
		const tx = (await this.db()).transaction('sessions', 'readwrite');
		const value = await tx.store.get(id);
		if (!value) throw new Error('This session is no longer stored.');
		const read = readStored(value, id);
		if (!read.ok) throw read.error;
		const record = read.record;
		const renamed = { ...record, name: trimmed };
		await tx.store.put(renamed);
		await tx.done;
		return asFound(renamed, this.isLive);
	}

	async delete(id: string): Promise<void> {
		const db = await this.db();
		const tx = db.transaction(['sessions', 'settings', 'runTokens'], 'readwrite');
		await tx.objectStore('sessions').delete(this.keyOf(id));
		await deleteRunTokens(tx.objectStore('runTokens'), id);
		const current = await tx.objectStore('settings').get(CURRENT_SESSION_KEY);
		if (current?.value === id) await tx.objectStore('settings').delete(CURRENT_SESSION_KEY);
		await tx.done;
	}

	/** Id of the session open on the page when it was last seen, if any. */
	async current(): Promise<string | null> {
		const setting = await (await this.db()).get('settings', CURRENT_SESSION_KEY);
		return typeof setting?.value === 'string' ? setting.value : null;
	}

	async setCurrent(id: string | null): Promise<void> {
		const db = await this.db();
		if (id === null) await db.delete('settings', CURRENT_SESSION_KEY);
		else await db.put('settings', { key: CURRENT_SESSION_KEY, value: id });
	}

	/**
	 * Adds checked sessions in one transaction, so a failure adds none. Never overwrites: a
	 * session stored exactly as given is skipped, and one whose id is taken by a different
	 * session is added under a new id.
	 */
	async importSessions(sessions: readonly SessionRecord[]): Promise<ImportReport> {
		const report: ImportReport = { imported: 0, skipped: 0, renamed: 0, ids: [] };
		const tx = (await this.db()).transaction(['sessions', 'runTokens'], 'readwrite');
		for (const given of sessions) {
			// Compared as it would be stored, so a file imported twice is skipped the second time.
			const session = asStored(given);
			const found = await this.readWhole(tx, session.id);
			const existing = found && readStored(found.value, session.id);
			if (
				existing &&
				existing.ok &&
				found.problems.length === 0 &&
				sameValue(asFound(existing.record, this.isLive), session)
			) {
				report.skipped++;
				continue;
			}
			// A damaged record under the same id is kept too.
			if (found) report.renamed++;
			report.imported++;
			const stored = found ? { ...session, id: this.newId() } : session;
			report.ids.push(stored.id);
			await tx.objectStore('sessions').put(headOf(stored));
			await writeChunks(tx.objectStore('runTokens'), stored.id, chunksOf(stored));
		}
		await tx.done;
		return report;
	}
}

function isSessionLike(value: unknown): value is { runs: { id: unknown }[] } {
	return (
		typeof value === 'object' &&
		value !== null &&
		Array.isArray((value as { runs?: unknown }).runs) &&
		(value as { runs: unknown[] }).runs.every((run) => typeof run === 'object' && run !== null)
	);
}

/** Deep equality of stored values; a field holding `undefined` counts as absent, as in JSON. */
export function sameValue(a: unknown, b: unknown): boolean {
	if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
	if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
	if (Array.isArray(a) !== Array.isArray(b)) return false;
	if (Array.isArray(a) && Array.isArray(b)) {
		return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
	}
	const left = a as Record<string, unknown>;
	const right = b as Record<string, unknown>;
	const keys = (o: Record<string, unknown>) => Object.keys(o).filter((k) => o[k] !== undefined);
	const leftKeys = keys(left);
	return (
		leftKeys.length === keys(right).length &&
		leftKeys.every((k) => k in right && sameValue(left[k], right[k]))
	);
}
