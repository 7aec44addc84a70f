import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { DB_VERSION, openPlaygroundDb, type PlaygroundDbEvents } from '#lib/storage/db';
import { Notices } from './notices.svelte';
import { BLOCKED_MESSAGE, otherTabsEvents, VERSION_CHANGE_MESSAGE } from './other-tabs';
import { createTestApp } from './testing/test-app';

let counter = 0;

function openRaw(name: string, version: number): Promise<IDBDatabase> {
	return new Promise((resolve, reject) => {
		const request = indexedDB.open(name, version);
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error);
	});
}

describe('other tabs holding the database', () => {
	it('says to close the other tabs while an older one blocks the upgrade, then goes on', async () => {
		const name = `other-tabs-${++counter}`;
		const older = await openRaw(name, 1);
		const notices = new Notices();
		const opening = openPlaygroundDb({ name, ...otherTabsEvents(notices) });
		await vi.waitFor(() => expect(notices.notice).toBe(BLOCKED_MESSAGE));
		expect(notices.notice).toContain('close the other Sampling Playground tabs');
		older.close();
		const db = await opening;
		expect(db.version).toBe(DB_VERSION);
		expect(notices.notice).toBe('');
		db.close();
	});

	it('keeps a notice given meanwhile when the upgrade goes on', () => {
		const notices = new Notices();
		const events = otherTabsEvents(notices);
		events.onBlocked();
		notices.notice = 'Something else';
		events.onUnblocked();
		expect(notices.notice).toBe('Something else');
	});

	it('asks for a reload once a newer version took the database', async () => {
		const name = `other-tabs-${++counter}`;
		const notices = new Notices();
		const db = await openPlaygroundDb({ name, ...otherTabsEvents(notices) });
		const newer = await openRaw(name, DB_VERSION + 1);
		expect(notices.error).toBe(VERSION_CHANGE_MESSAGE);
		expect(notices.offerReload).toBe(true);
		newer.close();
		void db;
	});

	it('is wired by the app to the database it is given', () => {
		let events: PlaygroundDbEvents = {};
		const { app } = createTestApp({ watchDb: (given) => (events = given) });
		events.onBlocked?.();
		expect(app.notices.notice).toBe(BLOCKED_MESSAGE);
		events.onVersionChange?.();
		expect(app.notices.error).toBe(VERSION_CHANGE_MESSAGE);
		expect(app.notices.offerReload).toBe(true);
	});
});
