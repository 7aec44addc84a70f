import type { PromptInput } from '#lib/core/prompt';
import { playgroundDb, type PlaygroundDb } from './db';
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
		searchText
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

/** The sessions in IndexedDB: the history. */
export class SessionStore {
	constructor(
		private readonly db: () => Promise<PlaygroundDb> = playgroundDb,
		/** Sessions this tab is recording now (their `running` runs are really running). */
		private readonly isLive: (id: string) => boolean = () => false,
		private readonly newId: () => string = () => crypto.randomUUID()
	) {}

	async put(record: SessionRecord): Promise<void> {
		await (await this.db()).put('sessions', record);
	}

	async get(id: string): Promise<SessionRecord | undefined> {
		const record = await (await this.db()).get('sessions', id);
		return record && asFound(record, this.isLive);
	}

	/** Every session, the most recently updated first. */
	async list(): Promise<SessionRecord[]> {
		const records = await (await this.db()).getAllFromIndex('sessions', 'byUpdated');
		return records.reverse().map((r) => asFound(r, this.isLive));
	}

	/** What the history list shows of every session, newest first, read one at a time. */
	async summaries(): Promise<SessionSummary[]> {
		const tx = (await this.db()).transaction('sessions');
		const summaries: SessionSummary[] = [];
		for await (const cursor of tx.store.index('byUpdated').iterate(null, 'prev')) {
			summaries.push(summarize(asFound(cursor.value, this.isLive)));
		}
		return summaries;
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
		const record = await tx.store.get(id);
		if (!record) throw new Error('This session is no longer stored.');
		const renamed = { ...record, name: trimmed };
		await tx.store.put(renamed);
		await tx.done;
		return asFound(renamed, this.isLive);
	}

	async delete(id: string): Promise<void> {
		const db = await this.db();
		const tx = db.transaction(['sessions', 'settings'], 'readwrite');
		await tx.objectStore('sessions').delete(id);
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
		const tx = (await this.db()).transaction('sessions', 'readwrite');
		for (const session of sessions) {
			const existing = await tx.store.get(session.id);
			if (existing && sameValue(asFound(existing, this.isLive), session)) {
				report.skipped++;
				continue;
			}
			if (existing) report.renamed++;
			report.imported++;
			const stored = existing ? { ...session, id: this.newId() } : session;
			report.ids.push(stored.id);
			await tx.store.put(stored);
		}
		await tx.done;
		return report;
	}
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
