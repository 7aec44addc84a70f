import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import type { PlaygroundDb } from '#lib/storage/db';
import { exportFileName, exportSessions, parseSessionsFile } from '#lib/formats/session-format';
import type { Experiment } from '#lib/core/experiment';
import type { RunRecord, SessionRecord } from '#lib/core/session';
import {
	DamagedSessionError,
	matchesQuery,
	SessionStore,
	summarize,
	type SessionSummary
} from '#lib/storage/sessions';
import type { SessionChange, SessionChannel } from '#lib/storage/session-changes';
import {
	newSession,
	SessionRecording,
	type SessionRecorder
} from '#lib/storage/sessions-recording';
import { plural } from '#lib/core/plural';
import { describeError } from './errors';
import type { Notices } from './notices.svelte';
import { OutputSearch } from './output-search.svelte';
import { readTextWithProgress } from './read-text';

/** A session just deleted, as stored (a damaged record too), until it is restored. */
export interface DeletedSession {
	id: string;
	name: string;
	value: unknown;
}

/**
 * Largest file the history imports. A file is read with progress, but checked whole in one go,
 * during which the page cannot answer: the limit keeps that pause short. A full history export
 * stays far below this.
 */
export const MAX_IMPORT_BYTES = 32_000_000;

const megabytes = (bytes: number, digits = 1): string => `${(bytes / 1e6).toFixed(digits)} MB`;

/** An import under way: reading the file, checking its sessions, then storing them. */
export interface ImportProgress {
	fileName: string;
	phase: 'reading' | 'checking' | 'storing';
	loadedBytes: number;
	totalBytes: number;
	/** How many sessions are being stored. */
	sessions: number | null;
}

/** A file to download: its name and JSON text. */
export interface ExportedFile {
	fileName: string;
	text: string;
}

/** Above this many sessions changed at once in another tab, the whole list is read again. */
const FOLLOW_ONE_BY_ONE = 50;

/**
 * The history: every run and compare, saved as it streams, listed newest first. It records the
 * page's runs (the single run and compare get it as their {@link SessionRecorder}), renames,
 * deletes, exports and imports sessions, and follows the changes other tabs make (through a
 * {@link SessionChannel}). Calls the session store and the notices; the history sidebar, the
 * replay panel and the {@link SessionOpener} use it.
 */
export class History implements SessionRecorder {
	/**
	 * Every stored session, most recently updated first. Raw: thousands of summaries are replaced
	 * whole, never watched field by field.
	 */
	items = $state.raw<SessionSummary[]>([]);
	#query = $state('');
	/** The session whose outputs the page shows (the last run, or one reopened). */
	openId = $state<string | null>(null);
	/** The last session deleted, until it is restored or another is deleted. */
	deleted = $state.raw<DeletedSession | null>(null);
	/** What the last import did, in one sentence. */
	importMessage = $state('');
	/** Every problem of the last file that could not be imported. */
	importProblems = $state<string[]>([]);
	/** Why the history cannot be read or changed right now, if it cannot. */
	error = $state('');
	/** The import under way, for its progress line and Cancel; null when none is. */
	importing = $state<ImportProgress | null>(null);
	#importAbort: AbortController | null = null;

	private readonly recordings = new SvelteMap<string, SessionRecording>();
	/** Sessions another tab is recording, as it last said. */
	private readonly elsewhere = new SvelteSet<string>();
	/** The other tabs' changes, applied one after another in the order they came. */
	private following: Promise<void> = Promise.resolve();
	private readonly unlisten: () => void;
	readonly store: SessionStore;
	/** The search through whole sessions (outputs), in the background. */
	readonly outputSearch: OutputSearch;

	/**
	 * `db` is the database the sessions live in: the page's own by default. `channel` links the
	 * tabs of this origin; without one the history only shows this tab's changes after a reload.
	 */
	constructor(
		private readonly notices: Notices,
		db?: () => Promise<PlaygroundDb>,
		private readonly channel: SessionChannel | null = null
	) {
		this.store = new SessionStore(db, (id) => this.recordings.has(id) || this.elsewhere.has(id));
		this.outputSearch = new OutputSearch(this.store);
		this.unlisten = channel?.listen((change) => void this.follow(change)) ?? (() => undefined);
	}

	/** Stops following the other tabs. */
	dispose(): void {
		this.unlisten();
	}

	/** The search box: names, models and prompts match at once, outputs as they are read. */
	get query(): string {
		return this.#query;
	}

	set query(query: string) {
		if (query === this.#query) return;
		this.#query = query;
		void this.outputSearch.start(query);
	}

	/** Sessions matching the search box (all of them for an empty one). */
	readonly visible = $derived.by((): SessionSummary[] => {
		const query = this.#query;
		if (!query.trim()) return this.items;
		const outputs = this.outputSearch.matches;
		return this.items.filter((item) => matchesQuery(item, query) || outputs.has(item.id));
	});

	isRecording(id: string): boolean {
		return this.recordings.has(id);
	}

	/** Waits for the history writes already asked for (a run that just ended included). */
	async settled(): Promise<void> {
		await Promise.all([...this.recordings.values()].map((r) => r.idle()));
	}

	async refresh(): Promise<void> {
		try {
			this.items = await this.store.summaries();
			this.error = '';
		} catch (error) {
			this.error = `The history could not be read: ${describeError(error)}`;
		}
	}

	begin(kind: SessionRecord['kind'], experiment: Experiment, runs: RunRecord[]): SessionRecording {
		const record = newSession(kind, experiment, runs, crypto.randomUUID(), Date.now());
		// The notice of this run's failed write, withdrawn when a later write works: a run is
		// reported unsaved only while its last write failed.
		let unsavedNotice = '';
		let failure = '';
		const showUnsaved = (text: string): void => {
			this.notices.notice = unsavedNotice = text;
		};
		const recording = new SessionRecording(record, {
			save: (write) => this.store.append(write),
			onSaved: (r) => {
				this.upsert(summarize(r));
				this.announce([r.id]);
			},
			onError: (error) => {
				failure = describeError(error);
				showUnsaved(
					`This run could not be saved to the history (${failure}). It goes on and saving is tried again; until a save works, it would not be there after a reload.`
				);
			},
			onRecovered: () => {
				if (this.notices.notice === unsavedNotice) this.notices.notice = '';
				unsavedNotice = '';
			},
			onEnd: () => {
				this.recordings.delete(record.id);
				this.upsert(summarize(record));
				this.announce([record.id]);
				if (recording.unsaved) {
					showUnsaved(
						`This run could not be saved to the history (${failure}); it will not be there after a reload. Copy its output to keep it.`
					);
				}
			}
		});
		this.recordings.set(record.id, recording);
		this.openId = record.id;
		this.upsert(summarize(record));
		void recording.flush();
		void this.store.setCurrent(record.id).catch(() => undefined);
		return recording;
	}

	/** Writes every run in progress now (the page is being left). */
	flushAll(): void {
		for (const recording of this.recordings.values()) void recording.flush();
	}

	/** Renames a session; an empty name is refused. Returns whether it was renamed. */
	async rename(id: string, name: string): Promise<boolean> {
		const trimmed = name.trim();
		if (!trimmed) {
			this.error = 'A session needs a name; the old one was kept.';
			return false;
		}
		try {
			const record = await this.store.rename(id, trimmed);
			this.recordings.get(id)?.rename(trimmed);
			this.upsert(summarize(record));
			this.announce([id]);
			this.error = '';
			return true;
		} catch (error) {
			this.error = `The session could not be renamed: ${describeError(error)}`;
			return false;
		}
	}

	/** Deletes a session; {@link undoDelete} puts it back. A session still running is kept. */
	async remove(id: string): Promise<void> {
		if (this.recordings.has(id)) {
			this.error = 'This session is still running; stop it before deleting it.';
			return;
		}
		try {
			const value = await this.store.raw(id);
			const name = this.items.find((item) => item.id === id)?.name ?? id;
			await this.store.delete(id);
			this.deleted = value === undefined ? null : { id, name, value };
			this.items = this.items.filter((item) => item.id !== id);
			if (this.openId === id) this.openId = null;
			this.announce([id]);
			this.error = '';
		} catch (error) {
			this.error = `The session could not be deleted: ${describeError(error)}`;
		}
	}

	async undoDelete(): Promise<void> {
		const deleted = this.deleted;
		if (!deleted) return;
		try {
			const summary = await this.store.putRaw(deleted.value);
			this.deleted = null;
			this.upsert(summary);
			this.announce([deleted.id]);
		} catch (error) {
			this.error = `The session could not be restored: ${describeError(error)}`;
		}
	}

	/** One session (by id) or all of them, as an export file. */
	async exportFile(id?: string): Promise<ExportedFile | null> {
		try {
			await this.settled();
			if (id === undefined) {
				const sessions = await this.store.list();
				const damaged = this.items.filter((item) => item.problems.length > 0).length;
				if (damaged > 0) {
					this.notices.notice = `Export all left out ${plural(damaged, 'damaged session')}; export ${damaged === 1 ? 'it' : 'each'} alone from the history.`;
				}
				return { fileName: exportFileName(null), text: exportSessions(sessions) };
			}
			const record = await this.store.get(id).catch((error: unknown) => {
				if (!(error instanceof DamagedSessionError)) throw error;
				return null;
			});
			if (record === null) return this.exportDamaged(id);
			if (!record) throw new Error('it is no longer in the history');
			return { fileName: exportFileName(record), text: exportSessions([record]) };
		} catch (error) {
			this.error = `Export failed: ${describeError(error)}`;
			return null;
		}
	}

	/**
	 * A damaged record as it is stored, in an export file that names the format, so it can be
	 * mended and imported again (the import then lists what is still wrong).
	 */
	private async exportDamaged(id: string): Promise<ExportedFile> {
		const value = await this.store.raw(id);
		if (value === undefined) throw new Error('it is no longer in the history');
		const slug = id.replace(/[^A-Za-z0-9-]+/g, '-').slice(0, 40);
		return {
			fileName: `damaged-session-${slug || 'untitled'}.json`,
			text: exportSessions([value as SessionRecord])
		};
	}

	/**
	 * Imports an export file the user chose: one above {@link MAX_IMPORT_BYTES} is refused
	 * before it is read; otherwise it is read with progress ({@link importing}), then its text is
	 * imported. {@link cancelImport} stops it before anything is written.
	 */
	async importFile(file: Blob & { name: string }): Promise<void> {
		this.importProblems = [];
		if (file.size > MAX_IMPORT_BYTES) {
			this.importMessage = `Nothing was imported from “${file.name}”: it is ${megabytes(file.size)}; the history imports files of up to ${megabytes(MAX_IMPORT_BYTES, 0)}.`;
			return;
		}
		this.#importAbort?.abort();
		const abort = new AbortController();
		this.#importAbort = abort;
		this.importMessage = '';
		const progress = (phase: ImportProgress['phase'], loadedBytes: number) =>
			(this.importing = {
				fileName: file.name,
				phase,
				loadedBytes,
				totalBytes: file.size,
				sessions: null
			});
		progress('reading', 0);
		try {
			let text: string | null;
			try {
				text = await readTextWithProgress(
					file,
					(loaded) => progress('reading', loaded),
					abort.signal
				);
			} catch (error) {
				this.importMessage = `Nothing was imported from “${file.name}”: it could not be read (${describeError(error)}).`;
				return;
			}
			if (text !== null) {
				progress('checking', file.size);
				await this.importText(text, file.name, abort.signal);
			}
			if (abort.signal.aborted) {
				this.importMessage = `Import of “${file.name}” cancelled: nothing was imported.`;
			}
		} finally {
			if (this.#importAbort === abort) {
				this.#importAbort = null;
				this.importing = null;
			}
		}
	}

	/** The progress line of the import under way. */
	get importProgressText(): string {
		const p = this.importing;
		if (!p) return '';
		if (p.phase === 'reading') {
			return `Reading “${p.fileName}”: ${megabytes(p.loadedBytes)} of ${megabytes(p.totalBytes)}…`;
		}
		if (p.phase === 'checking') return `Checking the sessions in “${p.fileName}”…`;
		return `Storing ${plural(p.sessions ?? 0, 'session')} from “${p.fileName}”…`;
	}

	/** Stops the import under way; nothing of it is written. Too late once it is storing. */
	cancelImport(): void {
		if (this.importing?.phase !== 'storing') this.#importAbort?.abort();
	}

	/**
	 * Imports an export file's text. The whole file is checked first; with any problem nothing is
	 * written and every problem is listed. Stored sessions are never overwritten. Nothing is
	 * written once `signal` aborts.
	 */
	async importText(text: string, fileName: string, signal?: AbortSignal): Promise<void> {
		this.importProblems = [];
		// Lets the page show "checking" (and hear a Cancel) before the check holds the thread.
		if (signal) await new Promise((resolve) => setTimeout(resolve, 0));
		if (signal?.aborted) return;
		const parsed = parseSessionsFile(text);
		if (signal?.aborted) return;
		if (!parsed.ok) {
			const n = parsed.problems.length;
			this.importMessage = `Nothing was imported from “${fileName}”: ${plural(n, 'problem')} found.`;
			this.importProblems = parsed.problems;
			return;
		}
		if (this.importing) {
			this.importing = { ...this.importing, phase: 'storing', sessions: parsed.sessions.length };
		}
		try {
			const report = await this.store.importSessions(parsed.sessions);
			const parts = [`Imported ${plural(report.imported, 'session')}`];
			if (report.renamed > 0) {
				parts.push(`${report.renamed} under a new id, as a different session had the same id`);
			}
			if (report.skipped > 0) parts.push(`skipped ${report.skipped} already in the history`);
			this.importMessage = `${parts.join('; ')} from “${fileName}”.`;
			this.announce(report.ids);
			await this.refresh();
		} catch (error) {
			this.importMessage = `Nothing was imported from “${fileName}”: the browser's storage refused it (${describeError(error)}).`;
		}
	}

	/** Marks session `id` as the one the page shows (and the one to reopen after a reload). */
	markOpen(id: string): void {
		this.openId = id;
		void this.store.setCurrent(id).catch(() => undefined);
	}

	/** Re-reads the sessions another tab changed. Resolves once this change is shown. */
	follow(change: SessionChange): Promise<void> {
		this.following = this.following.then(() => this.reread(change));
		return this.following;
	}

	private async reread({ ids, recording }: SessionChange): Promise<void> {
		const theirs = ids.filter((id) => !this.recordings.has(id));
		for (const id of theirs) {
			if (recording.includes(id)) this.elsewhere.add(id);
			else this.elsewhere.delete(id);
		}
		if (theirs.length > FOLLOW_ONE_BY_ONE) return this.refresh();
		try {
			for (const id of theirs) {
				const summary = await this.store.summary(id);
				if (summary) this.upsert(summary);
				else this.items = this.items.filter((item) => item.id !== id);
			}
		} catch (error) {
			this.error = `The history could not be read: ${describeError(error)}`;
		}
	}

	/** Tells the other tabs that sessions `ids` changed. */
	private announce(ids: string[]): void {
		if (ids.length === 0) return;
		this.channel?.post({ ids, recording: ids.filter((id) => this.recordings.has(id)) });
	}

	/**
	 * Puts a session's summary in the list, keeping it newest first. Called at every save of a
	 * run, so it looks only as far as it must: the session saved is near the top (only damaged
	 * items come before it), and so is its place; the rest is one copy of the array.
	 */
	private upsert(summary: SessionSummary): void {
		const items = this.items.slice();
		const from = items.findIndex((item) => item.id === summary.id);
		if (from >= 0) items.splice(from, 1);
		const at = items.findIndex((item) => item.updatedAt < summary.updatedAt);
		items.splice(at < 0 ? items.length : at, 0, summary);
		this.items = items;
	}
}
