import {
	openDB,
	type DBSchema,
	type IDBPDatabase,
	type IDBPTransaction,
	type StoreNames
} from 'idb';
import type { SessionRecord } from '#lib/core/session';
import type { UserSkillRecord } from '#lib/core/skill';
import { readSession } from '#lib/formats/session-format';
import { indexEntry, summarize, type IndexEntry } from './session-index';

/**
 * The playground's one IndexedDB database. WebLLM keeps its own weights in databases named
 * `webllm/*`; this name never clashes with those.
 */
export const DB_NAME = 'sampling-playground';

/** A model file the CPU engine downloaded, stored in chunks beside it. */
export interface ModelFileRecord {
	/** Where the file was downloaded from; the key. */
	url: string;
	name: string;
	sizeBytes: number;
	/** Hex sha256 of the whole file, computed while it downloaded. */
	sha256: string;
	chunkCount: number;
	/** Size of every chunk but the last. */
	chunkBytes: number;
	/** When the download was stored (ms since the epoch). */
	storedAt: number;
	/** When a load last read it (ms since the epoch). */
	lastUsedAt: number;
}

export interface ModelChunkRecord {
	url: string;
	index: number;
	bytes: ArrayBuffer;
}

/**
 * A run's tokens written by one save of a session: tokens `[start, start + count)` of run
 * `runId`, encoded by formats/token-codec.ts (see storage/run-tokens.ts).
 */
export interface RunTokensRecord {
	sessionId: string;
	runId: string;
	/** 0, 1, 2…: the chunks of a run in order. */
	seq: number;
	/** Index in the run of the chunk's first token. */
	start: number;
	count: number;
	bytes: ArrayBuffer;
}

export interface SettingRecord {
	key: string;
	value: unknown;
}

export interface PlaygroundSchema extends DBSchema {
	modelFiles: { key: string; value: ModelFileRecord };
	modelChunks: {
		key: [string, number];
		value: ModelChunkRecord;
		indexes: { byUrl: string };
	};
	sessions: {
		key: string;
		value: SessionRecord;
		indexes: { byUpdated: number };
	};
	settings: { key: string; value: SettingRecord };
	runTokens: {
		key: [string, string, number];
		value: RunTokensRecord;
		indexes: { bySession: string };
	};
	/** One small summary per sound session (see session-index.ts), newest through `byUpdated`. */
	sessionIndex: {
		key: string;
		value: IndexEntry;
		indexes: { byUpdated: number };
	};
	/** The user's own skills (named system prompts), by id; see skills.ts. */
	skills: { key: string; value: UserSkillRecord };
}

export type PlaygroundDb = IDBPDatabase<PlaygroundSchema>;

type UpgradeTransaction = IDBPTransaction<
	PlaygroundSchema,
	StoreNames<PlaygroundSchema>[],
	'versionchange'
>;

/**
 * Upgrade steps: entry `n` turns a version-`n` database into version `n + 1`. Steps are only
 * ever appended; a released step never changes, so every older database upgrades the same way.
 */
export const MIGRATIONS: readonly ((db: PlaygroundDb, tx: UpgradeTransaction) => void)[] = [
	// 0 → 1: model files, chunked so no single value holds a whole multi-gigabyte file.
	(db) => {
		db.createObjectStore('modelFiles', { keyPath: 'url' });
		const chunks = db.createObjectStore('modelChunks', { keyPath: ['url', 'index'] });
		chunks.createIndex('byUrl', 'url');
	},
	// 1 → 2: sessions (single runs and compares), newest first through `byUpdated`.
	(db) => {
		const sessions = db.createObjectStore('sessions', { keyPath: 'id' });
		sessions.createIndex('byUpdated', 'updatedAt');
	},
	// 2 → 3: settings, one record per key.
	(db) => {
		db.createObjectStore('settings', { keyPath: 'key' });
	},
	// 3 → 4: runs' tokens and traces in compact chunks, appended as a run streams. Sessions
	// stored before keep their tokens inline; both read the same.
	(db) => {
		const runTokens = db.createObjectStore('runTokens', { keyPath: ['sessionId', 'runId', 'seq'] });
		runTokens.createIndex('bySession', 'sessionId');
	},
	// 4 → 5: the sessions index, with an entry for every sound session already stored (damaged
	// records get none: the history finds them by their key and lists them as damaged).
	(db, tx) => {
		const index = db.createObjectStore('sessionIndex', { keyPath: 'id' });
		index.createIndex('byUpdated', 'updatedAt');
		// Only IndexedDB requests are awaited, so the upgrade transaction stays open throughout;
		// a failure aborts it, and the open reports that.
		void (async () => {
			let cursor = await tx.objectStore('sessions').openCursor();
			while (cursor) {
				const read = readSession(cursor.value);
				if (read.ok && read.record.id === cursor.primaryKey) {
					await index.put(indexEntry(summarize(read.record)));
				}
				cursor = await cursor.continue();
			}
		})().catch(() => undefined);
	},
	// 5 → 6: the user's own skills.
	(db) => {
		db.createObjectStore('skills', { keyPath: 'id' });
	}
];

export const DB_VERSION = MIGRATIONS.length;

/**
 * What a connection tells its opener about other connections (other tabs, the worker). Storage
 * only reports these; the page decides what to say.
 */
export interface PlaygroundDbEvents {
	/**
	 * Another connection at an older version (a tab of an older release) keeps this one from
	 * upgrading. The open goes on by itself once that connection closes.
	 */
	onBlocked?: () => void;
	/** An open that was blocked went through. */
	onUnblocked?: () => void;
	/**
	 * A newer version wants to open (or delete) the database in another tab: this connection was
	 * closed so that one can, and this code can no longer open it.
	 */
	onVersionChange?: () => void;
}

/**
 * Opens (creating or upgrading as needed) the playground's database. `version` is for tests
 * that build an older database; the app always opens the latest.
 */
export function openPlaygroundDb(
	options: { name?: string; version?: number; onClose?: () => void } & PlaygroundDbEvents = {}
): Promise<PlaygroundDb> {
	const version = options.version ?? DB_VERSION;
	let blocked = false;
	return openDB<PlaygroundSchema>(options.name ?? DB_NAME, version, {
		upgrade(db, oldVersion, _newVersion, tx) {
			for (let step = oldVersion; step < version; step++) MIGRATIONS[step](db, tx);
		},
		blocked() {
			blocked = true;
			options.onBlocked?.();
		},
		blocking(_currentVersion, _blockedVersion, event) {
			// A newer tab wants to upgrade: let it, or it would hang until this tab closes.
			(event.target as IDBDatabase).close();
			options.onClose?.();
			options.onVersionChange?.();
		},
		terminated() {
			options.onClose?.();
		}
	}).then((db) => {
		if (blocked) options.onUnblocked?.();
		return db;
	});
}

let shared: Promise<PlaygroundDb> | null = null;
let sharedEvents: PlaygroundDbEvents = {};

/** Who hears about the shared connection's other tabs (see {@link playgroundDb}); the page sets it. */
export function watchPlaygroundDb(events: PlaygroundDbEvents): void {
	sharedEvents = events;
}

/** The one connection this thread shares, opened on first use and again after it closed. */
export function playgroundDb(): Promise<PlaygroundDb> {
	shared ??= openPlaygroundDb({
		onClose: () => (shared = null),
		onBlocked: () => sharedEvents.onBlocked?.(),
		onUnblocked: () => sharedEvents.onUnblocked?.(),
		onVersionChange: () => sharedEvents.onVersionChange?.()
	}).catch((error: unknown) => {
		shared = null;
		throw error;
	});
	return shared;
}
