import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openPlaygroundDb } from './db';
import { DamagedSessionError, SessionStore, sameValue, sessionStatus } from './sessions';
import { exportSessions, parseSessionsFile } from '#lib/formats/session-format';
import { runRecord, session } from '#lib/formats/testing/sessions';

let counter = 0;

function freshStore(options: { live?: string[] } = {}) {
	const db = openPlaygroundDb({ name: `sessions-test-${++counter}` });
	let ids = 0;
	return new SessionStore(
		() => db,
		(id) => options.live?.includes(id) ?? false,
		() => `new-${++ids}`
	);
}

describe('session store', () => {
	it('saves and reads back a session exactly', async () => {
		const store = freshStore();
		const record = session({
			runs: [runRecord({ stats: { ...runRecord().stats!, perplexity: Infinity } })]
		});
		await store.put(record);
		expect(await store.get(record.id)).toEqual(record);
		expect(await store.get('nope')).toBeUndefined();
	});

	it('lists the most recently updated first', async () => {
		const store = freshStore();
		await store.put(session({ id: 'old', createdAt: 1, updatedAt: 1 }));
		await store.put(session({ id: 'new', createdAt: 1, updatedAt: 3 }));
		await store.put(session({ id: 'mid', createdAt: 1, updatedAt: 2 }));
		expect((await store.list()).map((s) => s.id)).toEqual(['new', 'mid', 'old']);
		const summaries = await store.summaries();
		expect(summaries.map((s) => s.id)).toEqual(['new', 'mid', 'old']);
		expect(summaries[0]).toMatchObject({
			name: 'Once upon a time · 10:00',
			kind: 'single',
			modelName: 'TinyStories 260K',
			status: 'done',
			runCount: 1
		});
	});

	it('searches names, prompts and outputs in any case, every word', async () => {
		const store = freshStore();
		await store.put(session({ id: 'a', name: 'Dragons' }));
		await store.put(
			session({
				id: 'b',
				experiment: { ...session().experiment, input: { mode: 'completion', prompt: 'The CASTLE' } }
			})
		);
		await store.put(session({ id: 'c', runs: [runRecord({ text: 'a Princess slept' })] }));
		await store.put(
			session({
				id: 'd',
				experiment: {
					...session().experiment,
					input: {
						mode: 'chat',
						systemPrompt: 'Be brief',
						messages: [{ role: 'user', content: 'Hi there' }]
					}
				}
			})
		);
		const ids = async (q: string) => (await store.search(q)).map((s) => s.id).sort();
		expect(await ids('dragon')).toEqual(['a']);
		expect(await ids('castle')).toEqual(['b']);
		expect(await ids('princess SLEPT')).toEqual(['c']);
		expect(await ids('brief')).toEqual(['d']);
		expect(await ids('princess castle')).toEqual([]);
		expect(await ids('  ')).toEqual(['a', 'b', 'c', 'd']);
	});

	it('renames a session, refusing an empty name', async () => {
		const store = freshStore();
		await store.put(session());
		expect((await store.rename('session-1', '  My run  ')).name).toBe('My run');
		expect((await store.get('session-1'))?.name).toBe('My run');
		await expect(store.rename('session-1', '   ')).rejects.toThrow('needs a name');
		await expect(store.rename('missing', 'x')).rejects.toThrow('no longer stored');
		expect((await store.get('session-1'))?.name).toBe('My run');
	});

	it('deletes a session and forgets it as the current one', async () => {
		const store = freshStore();
		await store.put(session({ id: 'a' }));
		await store.put(session({ id: 'b' }));
		await store.setCurrent('a');
		expect(await store.current()).toBe('a');
		await store.delete('a');
		expect(await store.get('a')).toBeUndefined();
		expect(await store.current()).toBeNull();
		await store.setCurrent('b');
		await store.delete('a');
		expect(await store.current()).toBe('b');
		await store.setCurrent(null);
		expect(await store.current()).toBeNull();
	});

	it('reads every record as an imported session, keeping the damaged ones apart', async () => {
		const store = freshStore();
		await store.put(session({ id: 'good' }));
		// Not in the `byUpdated` index: its updatedAt is no valid key.
		await store.putRaw({ id: 'no-date', updatedAt: null });
		await store.putRaw({ ...session({ id: 'future' }), updatedAt: 1e308 });
		const summaries = await store.summaries();
		expect(summaries.map((s) => [s.id, s.problems.length > 0])).toEqual([
			['no-date', true],
			['future', true],
			['good', false]
		]);
		expect(summaries[1].problems).toEqual([
			'updatedAt: must be an integer in [0, 8640000000000000], got 1e+308'
		]);
		const damaged = await store.get('future').catch((error: unknown) => error);
		expect(damaged).toBeInstanceOf(DamagedSessionError);
		expect((damaged as DamagedSessionError).problems).toEqual(summaries[1].problems);
		expect((await store.list()).map((s) => s.id)).toEqual(['good']);
		expect(await store.raw('no-date')).toEqual({ id: 'no-date', updatedAt: null });
		await expect(store.rename('future', 'x')).rejects.toThrow('session future is damaged');
	});

	it('reads a run left running by a closed tab as interrupted, unless this tab records it', async () => {
		const running = session({
			id: 'cut',
			runs: [runRecord({ status: 'running', finishReason: null, stats: null })]
		});
		const closed = freshStore();
		await closed.put(running);
		expect((await closed.get('cut'))?.runs[0].status).toBe('interrupted');
		expect((await closed.list())[0].runs[0].status).toBe('interrupted');

		const recording = freshStore({ live: ['cut'] });
		await recording.put(running);
		expect((await recording.get('cut'))?.runs[0].status).toBe('running');
	});

	it('imports new sessions, skips identical ones and never overwrites a different one', async () => {
		const store = freshStore();
		const kept = session({ id: 'same' });
		const mine = session({ id: 'taken', name: 'Mine' });
		await store.put(kept);
		await store.put(mine);
		const report = await store.importSessions([
			session({ id: 'same' }),
			session({ id: 'taken', name: 'Theirs' }),
			session({ id: 'fresh' })
		]);
		expect(report).toEqual({ imported: 2, skipped: 1, renamed: 1, ids: ['new-1', 'fresh'] });
		expect(await store.get('taken')).toEqual(mine);
		expect((await store.get('new-1'))?.name).toBe('Theirs');
		expect(await store.get('fresh')).toEqual(session({ id: 'fresh' }));
		expect((await store.list()).length).toBe(4);
	});

	it('changes nothing in the history when a file has any problem', async () => {
		const store = new SessionStore(() => openPlaygroundDb({ name: 'format-import-test' }));
		await store.put(session({ id: 'mine' }));
		const before = await store.list();
		const file = JSON.parse(exportSessions([session(), session({ id: 'two' })]));
		file.sessions[1].updatedAt = -5;
		const parsed = parseSessionsFile(JSON.stringify(file));
		expect(parsed.ok).toBe(false);
		if (parsed.ok) await store.importSessions(parsed.sessions);
		expect(await store.list()).toEqual(before);
	});
});

describe('session helpers', () => {
	it('gives a session the most telling status of its runs', () => {
		expect(sessionStatus([runRecord(), runRecord({ status: 'failed' })])).toBe('failed');
		expect(sessionStatus([runRecord({ status: 'stopped' }), runRecord()])).toBe('stopped');
		expect(
			sessionStatus([runRecord({ status: 'interrupted' }), runRecord({ status: 'failed' })])
		).toBe('interrupted');
		expect(sessionStatus([runRecord()])).toBe('done');
	});

	it('compares stored values deeply, a field holding undefined counting as absent', () => {
		expect(sameValue({ a: [1, { b: Infinity }] }, { a: [1, { b: Infinity }] })).toBe(true);
		expect(sameValue({ a: 1, t: undefined }, { a: 1 })).toBe(true);
		expect(sameValue({ a: 1 }, { a: 2 })).toBe(false);
		expect(sameValue([1, 2], { 0: 1, 1: 2 })).toBe(false);
		expect(sameValue({ a: null }, { a: undefined })).toBe(false);
	});
});
