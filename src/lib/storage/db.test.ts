import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { DB_VERSION, MIGRATIONS, openPlaygroundDb, type ModelFileRecord } from './db';
import { indexEntry, summarize } from './session-index';
import { experiment, runRecord, session } from '#lib/formats/testing/sessions';

/** A connection of another tab at `version`, opened with the browser's own API. */
function openRaw(name: string, version: number): Promise<IDBDatabase> {
	return new Promise((resolve, reject) => {
		const request = indexedDB.open(name, version);
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error);
	});
}

let counter = 0;
const freshName = () => `db-test-${++counter}`;

const file: ModelFileRecord = {
	url: 'http://localhost/models/a.gguf',
	name: 'a.gguf',
	sizeBytes: 3,
	sha256: 'ab',
	chunkCount: 1,
	chunkBytes: 3,
	storedAt: 1,
	lastUsedAt: 1
};

describe('playground database', () => {
	it('creates every store of the latest version on a first visit', async () => {
		const db = await openPlaygroundDb({ name: freshName() });
		expect(db.version).toBe(DB_VERSION);
		expect([...db.objectStoreNames].sort()).toEqual([
			'modelChunks',
			'modelFiles',
			'runTokens',
			'sessionIndex',
			'sessions',
			'settings',
			'skills'
		]);
		expect([...db.transaction('runTokens').store.indexNames]).toEqual(['bySession']);
		expect([...db.transaction('sessions').store.indexNames]).toEqual(['byUpdated']);
		expect([...db.transaction('sessionIndex').store.indexNames]).toEqual(['byUpdated']);
		expect([...db.transaction('modelChunks').store.indexNames]).toEqual(['byUrl']);
		db.close();
	});

	it.each(Array.from({ length: MIGRATIONS.length - 1 }, (_, i) => i + 1))(
		'upgrades a version-%i database to the latest and keeps its records',
		async (oldVersion) => {
			const name = freshName();
			const old = await openPlaygroundDb({ name, version: oldVersion });
			await old.put('modelFiles', file);
			await old.put('modelChunks', {
				url: file.url,
				index: 0,
				bytes: new Uint8Array([1, 2, 3]).buffer
			});
			old.close();

			const db = await openPlaygroundDb({ name });
			expect(db.version).toBe(DB_VERSION);
			expect(await db.get('modelFiles', file.url)).toEqual(file);
			const chunk = await db.get('modelChunks', [file.url, 0]);
			expect(new Uint8Array(chunk!.bytes)).toEqual(new Uint8Array([1, 2, 3]));
			await db.put('settings', { key: 'k', value: 1 });
			expect(await db.count('sessions')).toBe(0);
			db.close();
		}
	);

	it('builds the sessions index from the sessions of a version-3 database, losing nothing', async () => {
		const name = freshName();
		const old = await openPlaygroundDb({ name, version: 3 });
		const single = session({ id: 'a', updatedAt: 1_700_000_002_000 });
		const compare = session({
			id: 'b',
			kind: 'compare',
			experiment: experiment({ sweep: [{ param: 'seed', text: '1, 2' }] }),
			runs: [
				runRecord({ id: 'l1', label: 'seed 1' }),
				runRecord({ id: 'l2', label: 'seed 2', status: 'failed', error: 'Out of memory' })
			],
			prefill: { evaluations: 1, ms: 4.5 }
		});
		const damaged = { ...session({ id: 'bad' }), updatedAt: 1e308 };
		await old.put('sessions', single);
		await old.put('sessions', compare);
		await old.put('sessions', damaged as typeof single);
		await old.put('settings', { key: 'currentSession', value: 'a' });
		old.close();

		const db = await openPlaygroundDb({ name });
		expect(db.version).toBe(DB_VERSION);
		expect(await db.getAll('sessions')).toEqual([single, compare, damaged]);
		expect(await db.get('settings', 'currentSession')).toEqual({
			key: 'currentSession',
			value: 'a'
		});
		// A damaged record gets no entry: the history finds it by its key and lists it as damaged.
		expect(await db.getAll('sessionIndex')).toEqual([
			indexEntry(summarize(single)),
			indexEntry(summarize(compare))
		]);
		expect((await db.get('sessionIndex', 'b'))?.status).toBe('failed');
		expect((await db.get('sessionIndex', 'b'))?.runCount).toBe(2);
		db.close();
	});

	it('reports an upgrade blocked by an older connection, and opens once it closes', async () => {
		const name = freshName();
		// An older tab that ignores `versionchange`.
		const older = await openRaw(name, 1);
		const events: string[] = [];
		const opening = openPlaygroundDb({
			name,
			onBlocked: () => events.push('blocked'),
			onUnblocked: () => events.push('unblocked')
		});
		await vi.waitFor(() => expect(events).toEqual(['blocked']));
		older.close();
		const db = await opening;
		expect(events).toEqual(['blocked', 'unblocked']);
		expect(db.version).toBe(DB_VERSION);
		db.close();
	});

	it('says nothing when no other connection is in the way', async () => {
		const events: string[] = [];
		const db = await openPlaygroundDb({
			name: freshName(),
			onBlocked: () => events.push('blocked'),
			onUnblocked: () => events.push('unblocked')
		});
		expect(events).toEqual([]);
		db.close();
	});

	it('closes its connection for a newer version opening elsewhere, and says so', async () => {
		const name = freshName();
		const events: string[] = [];
		const db = await openPlaygroundDb({
			name,
			onClose: () => events.push('closed'),
			onVersionChange: () => events.push('version change')
		});
		const newer = await openRaw(name, DB_VERSION + 1);
		expect(newer.version).toBe(DB_VERSION + 1);
		expect(events).toEqual(['closed', 'version change']);
		await expect(db.get('settings', 'k')).rejects.toThrow();
		newer.close();
	});

	it('never uses a database name of WebLLM', async () => {
		const { DB_NAME } = await import('./db');
		expect(DB_NAME.startsWith('webllm')).toBe(false);
	});
});
