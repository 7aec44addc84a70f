import {
	openDB,
	type DBSchema,
	type IDBPDatabase,
	type IDBPTransaction,
	type StoreNames
} from 'idb';
import type { SessionRecord } from '#lib/core/session';

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
	}
];

export const DB_VERSION = MIGRATIONS.length;

/**
 * Opens (creating or upgrading as needed) the playground's database. `version` is for tests
 * that build an older database; the app always opens the latest.
 */
export function openPlaygroundDb(
	options: { name?: string; version?: number; onClose?: () => void } = {}
): Promise<PlaygroundDb> {
	const version = options.version ?? DB_VERSION;
	return openDB<PlaygroundSchema>(options.name ?? DB_NAME, version, {
		upgrade(db, oldVersion, _newVersion, tx) {
			for (let step = oldVersion; step < version; step++) MIGRATIONS[step](db, tx);
		},
		blocking(_currentVersion, _blockedVersion, event) {
			// A newer tab wants to upgrade: let it. `playgroundDb()` opens a new connection next time.
			(event.target as IDBDatabase).close();
			options.onClose?.();
		},
		terminated() {
			options.onClose?.();
		}
	});
}

let shared: Promise<PlaygroundDb> | null = null;

/** The one connection this thread shares, opened on first use and again after it closed. */
export function playgroundDb(): Promise<PlaygroundDb> {
	shared ??= openPlaygroundDb({ onClose: () => (shared = null) }).catch((error: unknown) => {
		shared = null;
		throw error;
	});
	return shared;
}
