import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { openPlaygroundDb } from './db';
import { DamagedSessionError, SessionStore, sameValue, sessionStatus } from './sessions';
import { newRun, newSession, SessionRecording } from './sessions-recording';
import { indexEntry, summarize } from './session-index';
import { exportSessions, parseSessionsFile } from '#lib/formats/session-format';
import { experiment, params, runRecord, session } from '#lib/formats/testing/sessions';
import { tracedTokens } from '#lib/formats/testing/traced-tokens';
import { normalizeTokens } from '#lib/formats/token-codec';
import type { SessionRecord } from '#lib/core/session';

let counter = 0;

function freshStore(options: { live?: string[] } = {}) {
	return freshStoreAndDb(options).store;
}

function freshStoreAndDb(options: { live?: string[] } = {}) {
	const db = openPlaygroundDb({ name: `sessions-test-${++counter}` });
	let ids = 0;
	const store = new SessionStore(
		() => db,
		(id) => options.live?.includes(id) ?? false,
		() => `new-${++ids}`
	);
	return { store, db };
}

const traced = tracedTokens(40);

/** A session whose run has traced tokens, as the store gives them back. */
function tracedSession(id = 'traced'): SessionRecord {
	return session({ id, runs: [runRecord({ tokens: normalizeTokens(traced) })] });
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

	it("stores a compare's judgement with the session, changes and clears it, and refuses a bad one", async () => {
		const store = freshStore();
		const compare = session({
			kind: 'compare',
			experiment: { ...session().experiment, sweep: [{ param: 'seed', text: '1, 2' }] },
			runs: [runRecord({ id: 'a', tokens: normalizeTokens(traced) }), runRecord({ id: 'b' })],
			prefill: { evaluations: 1, ms: 1 }
		});
		await store.put(compare);
		await store.setJudgement(compare.id, { ranking: ['b'] });
		expect(await store.get(compare.id)).toEqual({ ...compare, judgement: { ranking: ['b'] } });
		await store.setJudgement(compare.id, { ranking: ['a', 'b'] });
		expect((await store.get(compare.id))?.judgement).toEqual({ ranking: ['a', 'b'] });
		await store.setJudgement(compare.id, null);
		expect(await store.get(compare.id)).toEqual(compare);
		await expect(store.setJudgement(compare.id, { ranking: ['x'] })).rejects.toThrow(
			'judgement.ranking[0]: must be the id of one of the session\'s runs, got "x"'
		);
		await store.put(session({ id: 'single' }));
		await expect(store.setJudgement('single', { ranking: ['run'] })).rejects.toThrow(
			'only a "compare" session has a judgement'
		);
		await expect(store.setJudgement('missing', null)).rejects.toThrow('no longer stored');
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

	it('stores tokens in chunks beside a head without them, and reads them back whole', async () => {
		const { store, db } = freshStoreAndDb();
		const record = tracedSession();
		await store.put(record);
		expect(await store.get('traced')).toEqual(record);
		const head = await (await db).get('sessions', 'traced');
		expect(head?.runs[0].tokens).toEqual([]);
		const chunks = await (await db).getAll('runTokens');
		expect(chunks.map((c) => [c.sessionId, c.runId, c.seq, c.start, c.count])).toEqual([
			['traced', 'run', 0, 0, 40]
		]);
		const perToken = chunks[0].bytes.byteLength / 40;
		expect(perToken).toBeLessThanOrEqual(1024);
	});

	it('appends a save’s tokens as a new chunk, and joins the chunks in order', async () => {
		const { store, db } = freshStoreAndDb();
		const whole = tracedSession('rec');
		const head = { ...whole, runs: [{ ...whole.runs[0], tokens: [] }] };
		const tokens = whole.runs[0].tokens;
		await store.append({
			head,
			chunks: [{ runId: 'run', seq: 0, start: 0, tokens: tokens.slice(0, 15) }]
		});
		expect((await store.get('rec'))?.runs[0].tokens).toEqual(tokens.slice(0, 15));
		await store.append({
			head,
			chunks: [{ runId: 'run', seq: 1, start: 15, tokens: tokens.slice(15) }]
		});
		expect(await store.get('rec')).toEqual(whole);
		expect(await (await db).count('runTokens')).toBe(2);
		// A head whose chunk is missing or damaged reads as damaged, saying which and why.
		await (await db).delete('runTokens', ['rec', 'run', 0]);
		const missing = await store.get('rec').catch((error: unknown) => error);
		expect((missing as DamagedSessionError).problems).toEqual([
			'run "run", token chunk 1: starts at token 15, after 0 tokens (a chunk is missing)'
		]);
		const chunk = (await (await db).get('runTokens', ['rec', 'run', 1]))!;
		await (await db).put('runTokens', { ...chunk, start: 0, bytes: chunk.bytes.slice(0, 400) });
		const cut = await store.get('rec').catch((error: unknown) => error);
		expect(cut).toBeInstanceOf(DamagedSessionError);
		expect((cut as DamagedSessionError).problems).toEqual([
			expect.stringMatching(
				/^run "run", token chunk 1: byte 217: token 0's candidate count 20 needs at least 220 more bytes, the chunk has 182 left$/
			)
		]);
		expect((await store.summaries()).map((s) => s.id)).toEqual(['rec']);
	});

	it('still reads sessions stored with their tokens inline, before chunks existed', async () => {
		// Written by the version before token chunks (database version 3), then upgraded.
		const name = `sessions-before-chunks-${++counter}`;
		const before = await openPlaygroundDb({ name, version: 3 });
		const old = session({ id: 'old', runs: [runRecord({ tokens: traced })] });
		await before.put('sessions', old);
		before.close();
		const store = new SessionStore(() => openPlaygroundDb({ name }));
		expect(await store.get('old')).toEqual(old);
		expect((await store.list()).map((s) => s.id)).toEqual(['old']);
		await store.rename('old', 'Renamed');
		expect(await store.get('old')).toEqual({ ...old, name: 'Renamed' });
		const file = parseSessionsFile(exportSessions(await store.list()));
		expect(file.ok && file.sessions).toEqual([{ ...old, name: 'Renamed' }]);
	});

	it('a reload mid-run keeps every token of the saves before it, and each save only appends', async () => {
		const name = `sessions-reload-${++counter}`;
		let live = true;
		const store = new SessionStore(
			() => openPlaygroundDb({ name }),
			() => live
		);
		const record = newSession(
			'single',
			experiment(),
			[newRun({ id: 'run', label: '', modelId: 'm', params: params({ seed: 5 }) })],
			'running',
			1_700_000_000_000
		);
		const recording = new SessionRecording(record, {
			save: (write) => store.append(write),
			// Saved only when asked here, as at the page's timer.
			intervalMs: 3_600_000
		});
		recording.started('run', 5);
		const tokens = normalizeTokens(traced);
		const streamed = (from: number, to: number) => {
			for (const token of tokens.slice(from, to)) recording.token('run', token, token.piece);
		};
		streamed(0, 12);
		await recording.flush();
		streamed(12, 30);
		await recording.flush();
		const db = await openPlaygroundDb({ name });
		const chunks = await db.getAll('runTokens');
		// Two saves, two chunks: the second holds only what streamed since the first.
		expect(chunks.map((c) => [c.seq, c.start, c.count])).toEqual([
			[0, 0, 12],
			[1, 12, 18]
		]);
		// The session record itself holds no tokens, so a save never rewrites them.
		expect((await db.get('sessions', 'running'))?.runs[0].tokens).toEqual([]);
		db.close();
		// These never reach a save: the tab is reloaded.
		streamed(30, 40);
		live = false;
		const reloaded = new SessionStore(() => openPlaygroundDb({ name }));
		const found = await reloaded.get('running');
		expect(found?.runs[0].tokens).toEqual(tokens.slice(0, 30));
		expect(found?.runs[0].text).toBe(
			tokens
				.slice(0, 30)
				.map((t) => t.piece)
				.join('')
		);
		expect(found?.runs[0].status).toBe('interrupted');
		expect((await reloaded.summaries()).map((s) => [s.id, s.status])).toEqual([
			['running', 'interrupted']
		]);
	});

	it('deletes a session’s chunks with it, and an undone delete brings them back', async () => {
		const { store, db } = freshStoreAndDb();
		await store.put(tracedSession('a'));
		await store.put(tracedSession('b'));
		const value = await store.raw('a');
		await store.delete('a');
		expect((await (await db).getAll('runTokens')).map((c) => c.sessionId)).toEqual(['b']);
		await store.putRaw(value);
		expect(await store.get('a')).toEqual(tracedSession('a'));
		expect(await (await db).count('runTokens')).toBe(2);
	});

	it('imports traced sessions into chunks, and skips a file imported twice', async () => {
		const { store, db } = freshStoreAndDb();
		const given = session({ id: 'imp', runs: [runRecord({ tokens: traced })] });
		expect(await store.importSessions([given])).toMatchObject({ imported: 1, skipped: 0 });
		expect(await store.importSessions([given])).toMatchObject({ imported: 0, skipped: 1 });
		expect(await store.get('imp')).toEqual(tracedSession('imp'));
		expect(await (await db).count('runTokens')).toBe(1);
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

describe('sessions index', () => {
	async function entries(store: SessionStore) {
		return (await store.summaries()).map((s) => [s.id, s.name, s.problems.length > 0]);
	}

	it('keeps an entry for every session in step with every write', async () => {
		const name = `index-test-${++counter}`;
		const db = openPlaygroundDb({ name });
		const store = new SessionStore(
			() => db,
			undefined,
			() => 'new-1'
		);
		const index = async () => (await (await db).getAllKeys('sessionIndex')).sort();
		await store.put(session({ id: 'a' }));
		await store.put(session({ id: 'b' }));
		expect(await index()).toEqual(['a', 'b']);
		await store.rename('a', 'Dragons');
		expect((await (await db).get('sessionIndex', 'a'))?.name).toBe('Dragons');
		const removed = await store.raw('b');
		await store.delete('b');
		expect(await index()).toEqual(['a']);
		expect(await store.putRaw(removed)).toMatchObject({ id: 'b', problems: [] });
		expect(await index()).toEqual(['a', 'b']);
		await store.importSessions([session({ id: 'c' }), session({ id: 'a', name: 'Other' })]);
		expect(await index()).toEqual(['a', 'b', 'c', 'new-1']);
		// A damaged record put back has no entry; its summary says what is wrong.
		const damaged = await store.putRaw({ id: 'c', hello: 1 });
		expect(damaged.problems).toContain('hello: is not a known field (remove it)');
		expect(await index()).toEqual(['a', 'b', 'new-1']);
	});

	it('lists from the entries alone, without reading the records', async () => {
		const name = `index-test-${++counter}`;
		const db = openPlaygroundDb({ name });
		const store = new SessionStore(() => db);
		await store.put(session({ id: 'a', name: 'Listed' }));
		// The record changed behind the index's back: the list shows the entry, so it read none.
		await (await db).put('sessions', session({ id: 'a', name: 'Not read' }));
		expect(await entries(store)).toEqual([['a', 'Listed', false]]);
	});

	it('lists records without a sound entry from the records, as damaged when they are', async () => {
		const name = `index-test-${++counter}`;
		const db = openPlaygroundDb({ name });
		const store = new SessionStore(() => db);
		await store.put(session({ id: 'indexed', updatedAt: 1_700_000_005_000 }));
		const raw = await db;
		// Put there by something else: no entry, a damaged entry, an entry of a session gone.
		await raw.put('sessions', session({ id: 'plain', name: 'No entry' }));
		await raw.put('sessions', { id: 'stray', hello: 1 } as never);
		await raw.put('sessions', session({ id: 'bad-entry', updatedAt: 1_700_000_003_000 }));
		await raw.put('sessionIndex', { id: 'bad-entry', name: 5 } as never);
		await raw.put('sessionIndex', indexEntry(summarize(session({ id: 'gone' }))));
		expect(await entries(store)).toEqual([
			['stray', 'Damaged session stray', true],
			['indexed', 'Once upon a time · 10:00', false],
			['bad-entry', 'Once upon a time · 10:00', false],
			['plain', 'No entry', false]
		]);
		// The sound ones got their entry back; the stray one still has none; the orphan is gone.
		await vi.waitFor(async () =>
			expect((await raw.getAllKeys('sessionIndex')).sort()).toEqual([
				'bad-entry',
				'indexed',
				'plain'
			])
		);
		expect(await store.summary('plain')).toMatchObject({ name: 'No entry' });
		expect((await store.summary('stray'))?.problems.length).toBeGreaterThan(0);
		expect(await store.summary('gone')).toBeUndefined();
	});

	it('reads a session left running in another tab as interrupted', async () => {
		const store = freshStore();
		await store.put(
			session({
				id: 'cut',
				runs: [runRecord({ status: 'running', finishReason: null, stats: null })]
			})
		);
		expect((await store.summaries())[0].status).toBe('interrupted');
		expect((await store.summary('cut'))?.status).toBe('interrupted');
	});

	it('searches whole records in batches, outputs and damaged records included', async () => {
		const store = freshStore();
		for (let i = 0; i < 7; i++) {
			await store.put(
				session({ id: `s${i}`, runs: [runRecord({ text: i % 3 === 0 ? 'an owl' : 'a cat' })] })
			);
		}
		await store.putRaw({ id: 's9', runs: [{ text: 'The OWL' }] });
		const found: string[] = [];
		let after: IDBValidKey | null = null;
		let batches = 0;
		do {
			const batch = await store.searchBatch('owl', after, 3);
			found.push(...batch.matches);
			after = batch.next;
			batches++;
		} while (after !== null);
		expect(found).toEqual(['s0', 's3', 's6', 's9']);
		expect(batches).toBe(3);
		expect(await store.count()).toBe(8);
	});
});
