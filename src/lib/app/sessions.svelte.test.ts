import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { MAX_IMPORT_BYTES } from './sessions.svelte';
import { createTestApp, MODELS_URL } from './testing/test-app';

async function startedApp() {
	const test = createTestApp();
	await test.app.start(MODELS_URL, { reopen: false });
	return test;
}

describe('History and SessionOpener', () => {
	it('records each run and compare, newest first', async () => {
		const { app } = await startedApp();
		await app.single.run();
		app.compare.useSeeds(2);
		await app.compare.run();
		await app.history.settled();
		expect(app.history.items.map((item) => item.kind)).toEqual(['compare', 'single']);
		expect(app.history.isRecording(app.history.items[0].id)).toBe(false);
	});

	it('reopens a single run: prompt, settings and output as stored', async () => {
		const { app } = await startedApp();
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
		const { app } = await startedApp();
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
		const { app, client } = await startedApp();
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
		const { app } = await startedApp();
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
		const { app } = await startedApp();
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
		const { app } = await startedApp();
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
		const { app } = await startedApp();
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
});
