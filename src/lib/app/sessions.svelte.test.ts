import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import type { SessionRecord } from '#lib/core/session';
import { parseSessionsFile } from '#lib/formats/session-format';
import { runRecord, session } from '#lib/formats/testing/sessions';
import { openPlaygroundDb } from '#lib/storage/db';
import { Notices } from './notices.svelte';
import { History, MAX_IMPORT_BYTES } from './sessions.svelte';
import { MemorySessionChannels } from './testing/memory-channel';
import { createTestApp, MODELS_URL, startedTestApp } from './testing/test-app';

describe('History and SessionOpener', () => {
	it('records each run and compare, newest first', async () => {
		const { app } = await startedTestApp();
		await app.single.run();
		app.compare.useSeeds(2);
		await app.compare.run();
		await app.history.settled();
		expect(app.history.items.map((item) => item.kind)).toEqual(['compare', 'single']);
		expect(app.history.isRecording(app.history.items[0].id)).toBe(false);
	});

	it('reopens a single run: prompt, settings and output as stored', async () => {
		const { app } = await startedTestApp();
		app.prompt.prompt = 'A dragon';
		app.settings.params.temperature = 0.3;
		await app.single.run();
		await app.history.settled();
		const id = app.history.items[0].id;
		app.prompt.prompt = 'Something else';
		app.settings.params.temperature = 1.7;
		app.single.output = '';
		expect(await app.opener.open(id)).toBe('single');
		expect(app.prompt.prompt).toBe('A dragon');
		expect(app.settings.params.temperature).toBe(0.3);
		expect(app.single.output).toBe('<10><11><12>');
		expect(app.single.storedRun?.status).toBe('done');
		expect(app.history.openId).toBe(id);
	});

	it('reopens a compare with its sweep and lanes', async () => {
		const { app } = await startedTestApp();
		app.compare.useSeeds(2);
		await app.compare.run();
		await app.history.settled();
		app.compare.axisText = '5';
		app.compare.lanes = [];
		expect(await app.opener.open(app.history.items[0].id)).toBe('compare');
		expect(app.compare.axisText).toBe('1, 2');
		expect(app.compare.lanes.map((l) => l.status)).toEqual(['done', 'done']);
	});

	it('will not reopen a session while a run streams', async () => {
		const { app, client } = await startedTestApp();
		await app.single.run();
		await app.history.settled();
		const id = app.history.items[0].id;
		client.holdGenerations = true;
		const running = app.single.run();
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(app.opener.busy).toBe(true);
		expect(await app.opener.open(id)).toBeNull();
		expect(app.notices.notice).toBe('Stop the run before opening another session.');
		client.finishGeneration();
		await running;
	});

	it('puts back the session open before a reload', async () => {
		const { app } = await startedTestApp();
		await app.single.run();
		await app.history.settled();
		const id = app.history.items[0].id;
		app.history.openId = null;
		app.single.output = '';
		await app.opener.start(Promise.resolve(), { reopen: true });
		expect(app.history.openId).toBe(id);
		expect(app.single.output).toBe('<10><11><12>');
	});

	it('renames, deletes and restores a session', async () => {
		const { app } = await startedTestApp();
		await app.single.run();
		await app.history.settled();
		const id = app.history.items[0].id;
		expect(await app.history.rename(id, '  ')).toBe(false);
		expect(await app.history.rename(id, 'Dragons')).toBe(true);
		expect(app.history.items[0].name).toBe('Dragons');
		await app.history.remove(id);
		expect(app.history.items).toHaveLength(0);
		expect(app.history.openId).toBeNull();
		await app.history.undoDelete();
		expect(app.history.items.map((item) => item.name)).toEqual(['Dragons']);
	});

	it('exports sessions and imports them into another history', async () => {
		const { app } = await startedTestApp();
		await app.single.run();
		const file = await app.history.exportFile();
		expect(file?.fileName).toMatch(/\.json$/);
		const other = createTestApp().app;
		await other.history.importText(file?.text ?? '', 'sessions.json');
		expect(other.history.importProblems).toEqual([]);
		expect(other.history.importMessage).toMatch(/^Imported 1 session/);
		expect(other.history.items).toHaveLength(1);
		await other.history.importText('{"format":"nope"}', 'bad.json');
		expect(other.history.importMessage).toMatch(/^Nothing was imported/);
		expect(other.history.importProblems.length).toBeGreaterThan(0);
	});

	it('refuses a file above the import limit before reading it, naming both sizes', async () => {
		const { app } = await startedTestApp();
		await app.single.run();
		let read = false;
		for (const size of [MAX_IMPORT_BYTES + 1, MAX_IMPORT_BYTES + 1_000_000]) {
			const big = new File([new Uint8Array(size)], 'big.json');
			Object.defineProperty(big, 'text', { value: () => ((read = true), Promise.resolve('')) });
			await app.history.importFile(big);
		}
		expect(read).toBe(false);
		expect(app.history.importMessage).toBe(
			'Nothing was imported from “big.json”: it is 33.0 MB; the history imports files of up to 32 MB.'
		);
		expect(app.history.items).toHaveLength(1);

		const file = await app.history.exportFile();
		const other = createTestApp().app;
		await other.history.importFile(new File([file?.text ?? ''], 'sessions.json'));
		expect(other.history.importMessage).toMatch(/^Imported 1 session from “sessions\.json”/);
	});

	it('a run whose first write fails but later ones work is not reported unsaved', async () => {
		const { app } = await startedTestApp();
		const append = app.history.store.append.bind(app.history.store);
		let writes = 0;
		app.history.store.append = async (write) => {
			if (writes++ === 0)
				throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
			return append(write);
		};
		await app.single.run();
		await app.history.settled();
		expect(app.notices.notice).toBe('');
		expect(await app.history.store.get(app.history.items[0].id)).toMatchObject({
			runs: [{ status: 'done', text: '<10><11><12>' }]
		});
		const stored = await app.history.store.get(app.history.items[0].id);
		expect(stored?.runs[0].tokens.map((t) => t.id)).toEqual([10, 11, 12]);
	});

	it('a run whose writes all fail is reported unsaved, with the reason', async () => {
		const { app } = await startedTestApp();
		app.history.store.append = async () => {
			throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
		};
		await app.single.run();
		await app.history.settled();
		expect(app.notices.notice).toBe(
			'This run could not be saved to the history (The quota has been exceeded.); it will not be there after a reload. Copy its output to keep it.'
		);
	});
});

let damagedDbs = 0;

/** A history over a database holding `records` as they are, sound or not. */
async function historyOver(records: unknown[]) {
	const db = openPlaygroundDb({ name: `damaged-history-${++damagedDbs}` });
	for (const record of records) await (await db).put('sessions', record as SessionRecord);
	const notices = new Notices();
	const history = new History(notices, () => db);
	await history.refresh();
	return { history, notices };
}

describe('History with damaged records', () => {
	const good = session({ id: 'good' });
	const pastDates = {
		...session({ id: 'bad-date' }),
		createdAt: 8_640_000_000_000_001,
		updatedAt: 8_640_000_000_000_001
	};
	const stray = { id: 'stray', hello: 1 };

	it('lists each damaged record as one item with its id and problems, the sessions beside it', async () => {
		const { history } = await historyOver([good, pastDates, stray, { id: 42, updatedAt: 'x' }]);
		expect(history.error).toBe('');
		expect(history.items.map((item) => [item.id, item.problems.length > 0])).toEqual([
			['stray', true],
			['bad-date', true],
			['42', true],
			['good', false]
		]);
		expect(history.items[1].problems).toEqual([
			'createdAt: must be an integer in [0, 8640000000000000], got 8640000000000001',
			'updatedAt: must be an integer in [0, 8640000000000000], got 8640000000000001'
		]);
		expect(history.items[0].problems).toContain('hello: is not a known field (remove it)');
		expect(history.items[0].problems).toContain('runs: is missing');
	});

	it('exports a damaged record alone, as a file whose import names what is wrong', async () => {
		const { history } = await historyOver([good, pastDates]);
		const file = await history.exportFile('bad-date');
		expect(file?.fileName).toBe('damaged-session-bad-date.json');
		expect(parseSessionsFile(file?.text ?? '')).toEqual({
			ok: false,
			problems: [
				'sessions[0].createdAt: must be an integer in [0, 8640000000000000], got 8640000000000001',
				'sessions[0].updatedAt: must be an integer in [0, 8640000000000000], got 8640000000000001'
			]
		});
		expect(history.error).toBe('');
	});

	it('leaves damaged records out of Export all, and says so', async () => {
		const { history, notices } = await historyOver([good, pastDates]);
		const file = await history.exportFile();
		expect(parseSessionsFile(file?.text ?? '')).toEqual({ ok: true, sessions: [good] });
		expect(notices.notice).toBe(
			'Export all left out 1 damaged session; export it alone from the history.'
		);
	});

	it('deletes a damaged record alone, whatever its key, and can put it back', async () => {
		const { history } = await historyOver([good, pastDates, stray, { id: 42 }]);
		await history.remove('stray');
		await history.remove('42');
		expect(history.error).toBe('');
		expect(history.items.map((item) => item.id)).toEqual(['bad-date', 'good']);
		await history.refresh();
		expect(history.items.map((item) => item.id)).toEqual(['bad-date', 'good']);
		await history.remove('bad-date');
		expect(history.deleted?.name).toBe('Damaged session bad-date');
		await history.undoDelete();
		expect(history.items.map((item) => item.id)).toEqual(['bad-date', 'good']);
	});

	it('refuses to open or rename a damaged record, saying why', async () => {
		const { app } = createTestApp();
		await app.history.store.putRaw(pastDates);
		await app.history.store.setCurrent('bad-date');
		await app.start(MODELS_URL, { reopen: true });
		// Reopening it after a reload is skipped quietly: its item says what is wrong.
		expect(app.history.error).toBe('');
		expect(app.history.openId).toBeNull();
		expect(await app.opener.open('bad-date')).toBeNull();
		expect(app.history.error).toMatch(
			/^The session could not be read: session bad-date is damaged: createdAt/
		);
		expect(await app.history.rename('bad-date', 'Mended')).toBe(false);
		expect(app.history.error).toMatch(/session bad-date is damaged/);
	});

	it('imports a session whose id a damaged record holds under a new id, keeping both', async () => {
		const { history } = await historyOver([{ ...stray, id: 'good' }]);
		await history.importText(
			JSON.stringify(
				JSON.parse((await (await historyOver([good])).history.exportFile('good'))?.text ?? '')
			),
			'good.json'
		);
		expect(history.importMessage).toMatch(/^Imported 1 session; 1 under a new id/);
		expect(history.items).toHaveLength(2);
	});
});

describe('History across tabs', () => {
	let tabs = 0;

	/** Two apps on one database and one channel, as two tabs of a browser. */
	async function twoTabs() {
		const database = `history-tabs-${++tabs}`;
		const channels = new MemorySessionChannels();
		const first = createTestApp({ database, sessionChannel: channels.open() });
		const second = createTestApp({ database, sessionChannel: channels.open() });
		await first.app.start(MODELS_URL, { reopen: false });
		await second.app.start(MODELS_URL, { reopen: false });
		return { first, second, channels };
	}

	it('shows a run of another tab while it streams and once it ended', async () => {
		const { first, second } = await twoTabs();
		first.client.holdGenerations = true;
		const running = first.app.single.run();
		await vi.waitFor(() => expect(second.app.history.items).toHaveLength(1));
		// Running there, not cut off: the other tab records it.
		expect(second.app.history.items[0].status).toBe('running');
		first.client.finishGeneration();
		await running;
		await first.app.history.settled();
		await vi.waitFor(() => expect(second.app.history.items[0]?.status).toBe('done'));
		expect(second.app.history.items).toEqual(first.app.history.items);
	});

	it('follows renames, deletes, restores and imports made in another tab', async () => {
		const { first, second } = await twoTabs();
		await first.app.single.run();
		await first.app.history.settled();
		const id = first.app.history.items[0].id;
		await vi.waitFor(() => expect(second.app.history.items.map((i) => i.id)).toEqual([id]));

		await first.app.history.rename(id, 'Dragons');
		await vi.waitFor(() => expect(second.app.history.items[0]?.name).toBe('Dragons'));
		await first.app.history.remove(id);
		await vi.waitFor(() => expect(second.app.history.items).toHaveLength(0));
		await first.app.history.undoDelete();
		await vi.waitFor(() => expect(second.app.history.items).toHaveLength(1));

		const file = await first.app.history.exportFile();
		await second.app.history.remove(id);
		await vi.waitFor(() => expect(first.app.history.items).toHaveLength(0));
		await second.app.history.importText(file?.text ?? '', 'sessions.json');
		await vi.waitFor(() => expect(first.app.history.items.map((i) => i.name)).toEqual(['Dragons']));
	});

	it('tells the other tabs which sessions changed, and which it is recording', async () => {
		const { first, channels } = await twoTabs();
		await first.app.single.run();
		await first.app.history.settled();
		const id = first.app.history.items[0].id;
		expect(channels.posted[0]).toEqual({ ids: [id], recording: [id] });
		expect(channels.posted.at(-1)).toEqual({ ids: [id], recording: [] });
	});
});

/** A file whose bytes arrive one chunk each time the test calls `next`. */
function slowFile(text: string, name: string, chunkBytes: number) {
	const bytes = new TextEncoder().encode(text);
	const gates: (() => void)[] = [];
	let cancelled = false;
	let offset = 0;
	const file = new File([bytes], name);
	Object.defineProperty(file, 'stream', {
		value: () =>
			new ReadableStream<Uint8Array>(
				{
					pull: async (controller) => {
						await new Promise<void>((resolve) => gates.push(resolve));
						if (offset >= bytes.length) return controller.close();
						controller.enqueue(bytes.slice(offset, offset + chunkBytes));
						offset += chunkBytes;
					},
					cancel: () => void (cancelled = true)
				},
				{ highWaterMark: 0 }
			)
	});
	const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
	return {
		file,
		cancelled: () => cancelled,
		/** Lets one more chunk through and waits for the import to take it. */
		async next() {
			for (let i = 0; i < 50 && gates.length === 0; i++) await settle();
			gates.shift()?.();
			await settle();
		}
	};
}

describe('History imports with progress', () => {
	async function exported() {
		const { app } = await startedTestApp();
		await app.single.run();
		await app.single.run();
		await app.history.settled();
		return (await app.history.exportFile())?.text ?? '';
	}

	it('reports the bytes read, then checking and storing, then what it imported', async () => {
		const text = await exported();
		const chunk = Math.ceil(text.length / 4);
		const slow = slowFile(text, 'sessions.json', chunk);
		const { history } = createTestApp().app;
		const done = history.importFile(slow.file);
		const seen: string[] = [];
		for (let i = 0; i < 6 && history.importing; i++) {
			seen.push(history.importProgressText);
			if (history.importing.phase === 'reading') {
				expect(history.importing.loadedBytes).toBe(Math.min(i * chunk, slow.file.size));
				expect(history.importing.totalBytes).toBe(slow.file.size);
			}
			await slow.next();
		}
		await done;
		const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
		expect(seen.slice(0, 2)).toEqual([
			`Reading “sessions.json”: 0.0 MB of ${mb(slow.file.size)}…`,
			`Reading “sessions.json”: ${mb(chunk)} of ${mb(slow.file.size)}…`
		]);
		expect(history.importing).toBeNull();
		expect(history.importMessage).toBe('Imported 2 sessions from “sessions.json”.');
		expect(history.items).toHaveLength(2);
	});

	it('shows checking, then storing with the number of sessions', async () => {
		const text = await exported();
		const { history } = createTestApp().app;
		const phases: string[] = [];
		const stop = $effect.root(() => {
			$effect(() => {
				if (history.importing) phases.push(history.importProgressText);
			});
		});
		const slow = slowFile(text, 'two.json', text.length + 1);
		const done = history.importFile(slow.file);
		for (let i = 0; i < 10 && history.importing?.phase === 'reading'; i++) await slow.next();
		await done;
		stop();
		expect(phases).toContain('Checking the sessions in “two.json”…');
		expect(phases).toContain('Storing 2 sessions from “two.json”…');
	});

	it('Cancel while reading stops the file and writes nothing, and says so', async () => {
		const text = await exported();
		const slow = slowFile(text, 'sessions.json', 64);
		const { history } = createTestApp().app;
		const put = vi.spyOn(history.store, 'importSessions');
		const done = history.importFile(slow.file);
		await slow.next();
		await slow.next();
		expect(history.importing?.loadedBytes).toBe(128);
		history.cancelImport();
		await done;
		expect(slow.cancelled()).toBe(true);
		expect(put).not.toHaveBeenCalled();
		expect(history.importing).toBeNull();
		expect(history.importMessage).toBe(
			'Import of “sessions.json” cancelled: nothing was imported.'
		);
		await history.refresh();
		expect(history.items).toHaveLength(0);
	});

	it('Cancel while checking writes nothing either', async () => {
		const text = await exported();
		const { history } = createTestApp().app;
		const put = vi.spyOn(history.store, 'importSessions');
		const done = history.importFile(new File([text], 'sessions.json'));
		for (let i = 0; i < 50 && history.importing?.phase !== 'checking'; i++) {
			await new Promise((resolve) => setTimeout(resolve, 0));
		}
		expect(history.importing?.phase).toBe('checking');
		history.cancelImport();
		await done;
		expect(put).not.toHaveBeenCalled();
		expect(history.importMessage).toBe(
			'Import of “sessions.json” cancelled: nothing was imported.'
		);
	});
});

describe('History at scale', () => {
	const many = (n: number) =>
		Array.from({ length: n }, (_, i) =>
			session({
				id: `s${String(i).padStart(4, '0')}`,
				name: i === 17 ? 'Dragons' : `Run ${i}`,
				updatedAt: 1_700_000_000_000 + i,
				runs: [runRecord({ text: i === 42 ? 'a wise owl' : 'a cat' })]
			})
		);

	it('saves a run without reading the whole history again, and undoes a delete likewise', async () => {
		const { app } = await startedTestApp();
		await app.history.store.importSessions(many(300));
		await app.history.refresh();
		const store = app.history.store;
		const summaries = vi.spyOn(store, 'summaries');
		const list = vi.spyOn(store, 'list');
		const get = vi.spyOn(store, 'get');
		await app.single.run();
		await app.history.settled();
		expect(app.history.items).toHaveLength(301);
		expect(app.history.items[0].status).toBe('done');
		const id = app.history.items[0].id;
		await app.history.remove('s0299');
		await app.history.undoDelete();
		expect(app.history.items.map((item) => item.id).slice(0, 2)).toEqual([id, 's0299']);
		expect(summaries).not.toHaveBeenCalled();
		expect(list).not.toHaveBeenCalled();
		expect(get).not.toHaveBeenCalled();
	});

	it('follows another tab from the index entries, not the whole records', async () => {
		const channels = new MemorySessionChannels();
		const db = openPlaygroundDb({ name: `scale-tabs-${++damagedDbs}` });
		const mine = new History(new Notices(), () => db, channels.open());
		const theirs = new History(new Notices(), () => db, channels.open());
		await theirs.store.importSessions(many(3));
		await mine.refresh();
		const get = vi.spyOn(mine.store, 'get');
		await theirs.refresh();
		await theirs.rename('s0001', 'Renamed');
		await vi.waitFor(() => expect(mine.items.find((i) => i.id === 's0001')?.name).toBe('Renamed'));
		expect(get).not.toHaveBeenCalled();
	});

	it('searches names at once and outputs in the background, showing how far it got', async () => {
		const { history } = await historyOver(many(450));
		history.query = 'dragons';
		expect(history.visible.map((item) => item.id)).toEqual(['s0017']);
		history.query = 'owl';
		expect(history.visible).toEqual([]);
		// Polled to its end, not caught mid-way: on a fast machine the scan may end between polls.
		await vi.waitFor(
			() => {
				expect(history.outputSearch.scanned).toBe(450);
				expect(history.outputSearch.running).toBe(false);
			},
			{ timeout: 10_000 }
		);
		expect(history.outputSearch.total).toBe(450);
		expect(history.visible.map((item) => item.id)).toEqual(['s0042']);
		history.query = '';
		expect(history.visible).toHaveLength(450);
	});
});
