import { readSession } from '#lib/formats/session-format';
import { playgroundDb, type PlaygroundDb } from './db';
import {
	chunksOf,
	deleteRunTokens,
	encodeChunks,
	headOf,
	putChunks,
	readRunTokens,
	withRunTokens,
	writeChunks,
	type TokenChunk
} from './run-tokens';
import { normalizeTokens } from '#lib/formats/token-codec';
import type { Judgement, SessionRecord } from '#lib/core/session';
import {
	fullSearchText,
	indexEntry,
	indexGaps,
	matchesText,
	readIndexEntry,
	summarize,
	type SessionSummary
} from './session-index';

export {
	matchesQuery,
	promptText,
	sessionStatus,
	summarize,
	type SessionSummary
} from './session-index';

/** The `settings` key of the session open on the page, reopened after a reload. */
export const CURRENT_SESSION_KEY = 'currentSession';

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
		engine: null,
		createdAt: 0,
		updatedAt: Infinity,
		status: 'failed',
		runCount: 0,
		searchText: [error.id, ...error.problems].join('\n').toLowerCase(),
		problems: error.problems
	};
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
		const tx = (await this.db()).transaction(
			['sessions', 'runTokens', 'sessionIndex'],
			'readwrite'
		);
		await deleteRunTokens(tx.objectStore('runTokens'), record.id);
		await tx.objectStore('sessions').put(headOf(record));
		await writeChunks(tx.objectStore('runTokens'), record.id, chunksOf(record));
		await tx.objectStore('sessionIndex').put(indexEntry(summarize(record)));
		await tx.done;
	}

	/**
	 * One save of a recording, in one transaction: the head, and the tokens since the last save
	 * appended as new chunks, and the session's index entry. Costs what streamed since, not the
	 * whole session, nor anything of the other sessions; the chunks are encoded first, one task
	 * each, so the page goes on drawing while a save of many tokens is prepared.
	 */
	async append(write: SessionWrite): Promise<void> {
		const records = await encodeChunks(write.head.id, write.chunks);
		const tx = (await this.db()).transaction(
			['sessions', 'runTokens', 'sessionIndex'],
			'readwrite'
		);
		await tx.objectStore('sessions').put(write.head);
		await putChunks(tx.objectStore('runTokens'), records);
		await tx.objectStore('sessionIndex').put(indexEntry(summarize(write.head)));
		await tx.done;
	}

	/**
	 * Puts back a record exactly as {@link raw} read it (a deletion undone, damaged or not), and
	 * returns what the history shows of it.
	 */
	async putRaw(value: unknown): Promise<SessionSummary> {
		const key = (value as { id?: unknown } | null)?.id;
		const read = readStored(value, typeof key === 'string' ? key : String(key));
		if (read.ok) {
			await this.put(read.record);
			return summarize(asFound(read.record, this.isLive));
		}
		const tx = (await this.db()).transaction(['sessions', 'sessionIndex'], 'readwrite');
		await tx.objectStore('sessions').put(value as SessionRecord);
		// A damaged record gets no entry: the history finds it by its key.
		if (typeof key === 'string') await tx.objectStore('sessionIndex').delete(key);
		await tx.done;
		return damagedSummary(read.error);
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

	/** The summary a session's entry holds, as this tab sees it (a cut-off run is interrupted). */
	private asFoundSummary(summary: SessionSummary): SessionSummary {
		if (summary.status !== 'running' || this.isLive(summary.id)) return summary;
		return { ...summary, status: 'interrupted' };
	}

	/** What the history shows of the record under `key`, read and checked whole. */
	private summaryOfRecord(value: unknown, key: IDBValidKey): SessionSummary {
		const read = readStored(value, key);
		if (read.ok) return summarize(asFound(read.record, this.isLive));
		// A record put there directly may have a key that is not a string.
		if (typeof key !== 'string') this.keys.set(read.error.id, key);
		return damagedSummary(read.error);
	}

	/**
	 * What the history list shows of every stored record: damaged ones first, then sessions
	 * newest first. Reads the index and only the keys of the sessions; a record without a sound
	 * entry (stored before the index, or put there by something else) is read and checked alone,
	 * and a sound one gets its entry back.
	 */
	async summaries(): Promise<SessionSummary[]> {
		const db = await this.db();
		const tx = db.transaction(['sessions', 'sessionIndex']);
		const [entries, keys] = await Promise.all([
			tx.objectStore('sessionIndex').getAll(),
			tx.objectStore('sessions').getAllKeys()
		]);
		const indexed = new Map<string, SessionSummary>();
		for (const value of entries) {
			const summary = readIndexEntry(value);
			if (summary) indexed.set(summary.id, summary);
		}
		const { unindexed, orphans } = indexGaps(keys, new Set(indexed.keys()));
		this.keys.clear();
		const summaries: SessionSummary[] = [];
		const mended: SessionSummary[] = [];
		for (const key of unindexed) {
			const summary = this.summaryOfRecord(
				await tx.objectStore('sessions').get(key as string),
				key
			);
			summaries.push(summary);
			if (summary.problems.length === 0 && key === summary.id) mended.push(summary);
		}
		await tx.done;
		for (const id of orphans) indexed.delete(id);
		for (const summary of indexed.values()) summaries.push(this.asFoundSummary(summary));
		if (mended.length > 0 || orphans.length > 0) void this.mend(mended, orphans);
		// Equal times keep the store's order (greater id first), as the `byUpdated` index had it;
		// two damaged ones (Infinity − Infinity is NaN) count as equal.
		return summaries.sort(
			(a, b) => b.updatedAt - a.updatedAt || 0 || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
		);
	}

	/** Writes the entries found missing and drops those of sessions gone; best effort. */
	private async mend(
		entries: readonly SessionSummary[],
		orphans: readonly string[]
	): Promise<void> {
		try {
			const tx = (await this.db()).transaction('sessionIndex', 'readwrite');
			await Promise.all([
				...entries.map((summary) => tx.store.put(indexEntry(summary))),
				...orphans.map((id) => tx.store.delete(id)),
				tx.done
			]);
		} catch {
			// Read again from the records at the next start.
		}
	}

	/**
	 * What the history shows of one stored record (its index entry, or the record read whole
	 * when it has none), or undefined when it is not stored.
	 */
	async summary(id: string): Promise<SessionSummary | undefined> {
		const tx = (await this.db()).transaction(['sessions', 'sessionIndex']);
		const key = this.keyOf(id);
		const entry = readIndexEntry(await tx.objectStore('sessionIndex').get(key));
		if (entry) return this.asFoundSummary(entry);
		const value: unknown = await tx.objectStore('sessions').get(key);
		return value === undefined ? undefined : this.summaryOfRecord(value, key);
	}

	/** How many records the sessions store holds, damaged ones included. */
	async count(): Promise<number> {
		return (await this.db()).count('sessions');
	}

	/**
	 * One batch of a search through whole records (outputs included): the ids among the next
	 * `limit` records after key `after` whose text has every word of `query`, how many were
	 * looked at, and the key to go on from (null once every record was looked at).
	 */
	async searchBatch(
		query: string,
		after: IDBValidKey | null,
		limit: number
	): Promise<{ matches: string[]; scanned: number; next: IDBValidKey | null }> {
		const tx = (await this.db()).transaction('sessions');
		const range = after === null ? undefined : IDBKeyRange.lowerBound(after, true);
		const [values, keys] = await Promise.all([
			tx.store.getAll(range, limit),
			tx.store.getAllKeys(range, limit)
		]);
		await tx.done;
		const matches: string[] = [];
		values.forEach((value, i) => {
			if (matchesText(fullSearchText(value), query)) matches.push(String(keys[i]));
		});
		const next = keys.length < limit ? null : keys[keys.length - 1];
		return { matches, scanned: keys.length, next };
	}

	/** Keys that are not strings, by the id the history shows for them. */
	private readonly keys = new Map<string, IDBValidKey>();

	/** The store's key for the id the history shows: the schema says string, a stray record may not. */
	private keyOf(id: string): string {
		return (this.keys.get(id) ?? id) as string;
	}

	/** Sessions whose name, prompt or outputs contain every word of `query` (any case). */
	async search(query: string): Promise<SessionRecord[]> {
		return (await this.list()).filter((r) => matchesText(fullSearchText(r), query));
	}

	/** Renames a stored session; the name is trimmed and must not be empty. */
	async rename(id: string, name: string): Promise<SessionRecord> {
		const trimmed = name.trim();
		if (!trimmed) throw new Error('A session needs a name.');
		const tx = (await this.db()).transaction(['sessions', 'sessionIndex'], 'readwrite');
		const value = await tx.objectStore('sessions').get(id);
		if (!value) throw new Error('This session is no longer stored.');
		const read = readStored(value, id);
		if (!read.ok) throw read.error;
		const record = read.record;
		const renamed = { ...record, name: trimmed };
		await Promise.all([
			tx.objectStore('sessions').put(renamed),
			tx.objectStore('sessionIndex').put(indexEntry(summarize(renamed))),
			tx.done
		]);
		return asFound(renamed, this.isLive);
	}

	/**
	 * Stores a compare's judgement (null takes it away), leaving its other fields and its time as
	 * they are. Refused for a session that is not a compare or a ranking naming another lane.
	 */
	async setJudgement(id: string, judgement: Judgement | null): Promise<SessionRecord> {
		const tx = (await this.db()).transaction('sessions', 'readwrite');
		const value = await tx.store.get(this.keyOf(id));
		if (!value) throw new Error('This session is no longer stored.');
		const read = readStored(value, id);
		if (!read.ok) throw read.error;
		const judged: SessionRecord = { ...read.record };
		delete judged.judgement;
		if (judgement) judged.judgement = { ranking: [...judgement.ranking] };
		const check = readSession(judged);
		if (!check.ok) throw new Error(`The judgement cannot be stored: ${check.problems.join('; ')}`);
		await Promise.all([tx.store.put(judged), tx.done]);
		return asFound(judged, this.isLive);
	}

	async delete(id: string): Promise<void> {
		const db = await this.db();
		const tx = db.transaction(['sessions', 'sessionIndex', 'settings', 'runTokens'], 'readwrite');
		await tx.objectStore('sessions').delete(this.keyOf(id));
		await tx.objectStore('sessionIndex').delete(id);
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
		const tx = (await this.db()).transaction(
			['sessions', 'runTokens', 'sessionIndex'],
			'readwrite'
		);
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
			await tx.objectStore('sessionIndex').put(indexEntry(summarize(stored)));
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
