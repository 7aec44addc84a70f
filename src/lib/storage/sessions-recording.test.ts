import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GenerationResult, StepTrace } from '#lib/core/run';
import type { SessionRecord } from '#lib/core/session';
import type { SessionWrite } from './sessions';
import { encodeChunks, MAX_CHUNK_TOKENS } from './run-tokens';
import {
	defaultSessionName,
	newRun,
	newSession,
	SAVE_INTERVAL_MS,
	SessionRecording,
	storedResult
} from './sessions-recording';
import { experiment, params, runRecord } from '#lib/formats/testing/sessions';

/**
 * A recording whose writes keep a copy of the session as stored after each write (its head with
 * the tokens of every chunk written so far), and of each write itself.
 */
function recording(save?: (write: SessionWrite) => Promise<void>) {
	const writes: SessionRecord[] = [];
	const raw: SessionWrite[] = [];
	const stored = new Map<string, SessionRecord['runs'][number]['tokens']>();
	const errors: unknown[] = [];
	const record = newSession(
		'single',
		experiment(),
		[newRun({ id: 'run', label: '', modelId: 'm', params: params({ seed: null }) })],
		'id-1',
		Date.now()
	);
	const rec = new SessionRecording(record, {
		save:
			save ??
			(async (write) => {
				raw.push(structuredClone(write));
				for (const chunk of write.chunks) {
					const tokens = stored.get(chunk.runId) ?? [];
					expect(chunk.start).toBe(tokens.length);
					stored.set(chunk.runId, [...tokens, ...chunk.tokens]);
				}
				const head = structuredClone(write.head);
				for (const run of head.runs) {
					expect(run.tokens).toEqual([]);
					run.tokens = [...(stored.get(run.id) ?? [])];
				}
				writes.push(head);
			}),
		onError: (error) => errors.push(error),
		onRecovered: () => errors.push('recovered')
	});
	return { rec, writes, raw, errors };
}

const result: GenerationResult = {
	text: ' there was',
	tokenIds: [10, 11],
	finishReason: 'max-tokens',
	stopSequence: null,
	seed: 5,
	stats: runRecord().stats!
};

describe('recording a session while it streams', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('writes streamed tokens at most once per interval, and at once when it ends', async () => {
		const { rec, writes } = recording();
		rec.started('run', 5);
		for (let i = 0; i < 10; i++) {
			rec.token('run', { id: i, piece: `t${i}` }, `t${i}`);
			await vi.advanceTimersByTimeAsync(SAVE_INTERVAL_MS / 5);
		}
		// 10 tokens over two intervals: two writes, the last at most one interval behind.
		expect(writes.map((w) => w.runs[0].tokens.length)).toEqual([5, 10]);
		rec.token('run', { id: 10, piece: 'x' }, 'x');
		rec.finished('run', result);
		await rec.end();
		expect(writes).toHaveLength(3);
		const last = writes[2].runs[0];
		expect(last).toMatchObject({
			status: 'done',
			seed: 5,
			text: ' there was',
			stats: result.stats
		});
		await vi.advanceTimersByTimeAsync(SAVE_INTERVAL_MS * 2);
		expect(writes).toHaveLength(3);
	});

	it('marks runs that never ended as stopped', async () => {
		const { rec, writes } = recording();
		rec.token('run', { id: 1, piece: 'a' }, 'a');
		await rec.end();
		expect(writes.at(-1)?.runs[0]).toMatchObject({ status: 'stopped', text: 'a' });
	});

	it('writes one copy after another, so the newest lands last', async () => {
		const landed: string[] = [];
		const { rec } = recording(async (w) => {
			const text = w.head.runs[0].text;
			// The first write is slow; the second must still land after it.
			await new Promise((resolve) => setTimeout(resolve, text === 'a' ? 300 : 1));
			landed.push(text);
		});
		rec.token('run', { id: 1, piece: 'a' }, 'a');
		const first = rec.flush();
		await vi.advanceTimersByTimeAsync(1);
		rec.token('run', { id: 2, piece: 'b' }, 'b');
		const second = rec.end();
		await vi.advanceTimersByTimeAsync(400);
		await Promise.all([first, second]);
		expect(landed).toEqual(['a', 'ab']);
	});

	it('reports a failed write once and never throws into the run', async () => {
		const { rec, errors } = recording(async () => {
			throw new Error('QuotaExceededError');
		});
		rec.token('run', { id: 1, piece: 'a' }, 'a');
		await vi.advanceTimersByTimeAsync(SAVE_INTERVAL_MS);
		rec.token('run', { id: 2, piece: 'b' }, 'b');
		await expect(rec.end()).resolves.toBeUndefined();
		expect(errors).toEqual([new Error('QuotaExceededError')]);
	});

	it('a write that works after failed ones is reported as recovered, and is unsaved no more', async () => {
		let fail = true;
		const { rec, errors } = recording(async () => {
			if (fail) throw new Error('QuotaExceededError');
		});
		rec.token('run', { id: 1, piece: 'a' }, 'a');
		await rec.flush();
		await rec.flush();
		expect(rec.unsaved).toBe(true);
		fail = false;
		await rec.flush();
		expect(rec.unsaved).toBe(false);
		expect(errors).toEqual([new Error('QuotaExceededError'), 'recovered']);
		// A failure after the recovery is reported again.
		fail = true;
		await rec.end();
		expect(rec.unsaved).toBe(true);
		expect(errors).toEqual([
			new Error('QuotaExceededError'),
			'recovered',
			new Error('QuotaExceededError')
		]);
	});

	it('keeps traces when the run recorded them, for every token', async () => {
		const { rec, writes } = recording();
		rec.token('run', { id: 1, piece: 'a', trace: undefined }, 'a');
		expect(Object.keys(rec.record.runs[0].tokens[0])).toEqual(['id', 'piece']);
		const trace = {} as StepTrace;
		for (let i = 1; i <= 400; i++) rec.token('run', { id: i, piece: 'b', trace }, 'b');
		const tokens = rec.record.runs[0].tokens;
		expect(tokens[1].trace).toBe(trace);
		expect(tokens[400].trace).toBe(trace);
		await rec.end();
		expect(writes.at(-1)!.runs[0].tokens.filter((t) => t.trace)).toHaveLength(400);
	});

	it('writes only the tokens since the last write, one chunk per run and write', async () => {
		const { rec, raw } = recording();
		for (let i = 0; i < 10; i++) {
			rec.token('run', { id: i, piece: `t${i}` }, `t${i}`);
			await vi.advanceTimersByTimeAsync(SAVE_INTERVAL_MS / 5);
		}
		rec.finished('run', result);
		await rec.end();
		expect(
			raw.map((w) => w.chunks.map(({ runId, seq, start }) => ({ runId, seq, start })))
		).toEqual([[{ runId: 'run', seq: 0, start: 0 }], [{ runId: 'run', seq: 1, start: 5 }], []]);
		expect(raw[1].chunks[0].tokens.map((t) => t.id)).toEqual([5, 6, 7, 8, 9]);
		expect(raw.every((w) => w.head.runs[0].tokens.length === 0)).toBe(true);
	});

	it('cuts a save of many tokens into chunks of at most MAX_CHUNK_TOKENS, numbered on', async () => {
		const { rec, raw, writes } = recording();
		for (let i = 0; i < 2 * MAX_CHUNK_TOKENS + 5; i++) rec.token('run', { id: i, piece: 'x' }, 'x');
		await rec.flush();
		rec.token('run', { id: 999, piece: 'y' }, 'y');
		await rec.flush();
		expect(raw.map((w) => w.chunks.map((c) => [c.seq, c.start, c.tokens.length]))).toEqual([
			[
				[0, 0, MAX_CHUNK_TOKENS],
				[1, MAX_CHUNK_TOKENS, MAX_CHUNK_TOKENS],
				[2, 2 * MAX_CHUNK_TOKENS, 5]
			],
			[[3, 2 * MAX_CHUNK_TOKENS + 5, 1]]
		]);
		expect(writes.at(-1)!.runs[0].tokens.map((t) => t.id)).toEqual([
			...Array.from({ length: 2 * MAX_CHUNK_TOKENS + 5 }, (_, i) => i),
			999
		]);
	});

	it('keeps a failed write’s tokens, so the next write that works stores them', async () => {
		let fail = true;
		const chunks: SessionWrite['chunks'][] = [];
		const { rec } = recording(async (write) => {
			chunks.push(structuredClone(write.chunks));
			if (fail) throw new Error('QuotaExceededError');
		});
		rec.token('run', { id: 1, piece: 'a' }, 'a');
		await rec.flush();
		rec.token('run', { id: 2, piece: 'b' }, 'b');
		fail = false;
		await rec.flush();
		rec.token('run', { id: 3, piece: 'c' }, 'c');
		await rec.end();
		expect(chunks.map((c) => c.map((k) => [k.seq, k.start, k.tokens.map((t) => t.id)]))).toEqual([
			[[0, 0, [1]]],
			[[0, 0, [1, 2]]],
			[[1, 2, [3]]]
		]);
	});
});

describe('stored runs', () => {
	it('give back the result they ended with, or none if they never ended', () => {
		const run = runRecord({ ignoredParams: [{ field: 'topK', reason: 'not supported' }] });
		expect(storedResult(run)).toEqual({
			text: run.text,
			tokenIds: [10, 11, 12, 13],
			finishReason: 'max-tokens',
			stopSequence: null,
			seed: 7,
			stats: run.stats,
			ignoredParams: [{ field: 'topK', reason: 'not supported' }]
		});
		expect(
			storedResult(runRecord({ status: 'interrupted', stats: null, finishReason: null }))
		).toBeNull();
	});

	it('are named after the prompt and the time', () => {
		const at = new Date(2025, 0, 31, 14, 5);
		const clock = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
		expect(defaultSessionName(experiment(), at)).toBe(`Once upon a time · ${clock}`);
		const long = experiment({
			input: { mode: 'completion', prompt: 'one two three four five six seven' }
		});
		expect(defaultSessionName(long, at)).toBe(`one two three four five six… · ${clock}`);
	});
});

describe('encoding a save’s chunks', () => {
	it('encodes one chunk per task, pausing between two, before any transaction opens', async () => {
		const events: string[] = [];
		const tokens = Array.from({ length: 3 }, (_, i) => ({ id: i, piece: `t${i}` }));
		const records = await encodeChunks(
			's',
			[
				{ runId: 'run', seq: 0, start: 0, tokens: tokens.slice(0, 2) },
				{ runId: 'run', seq: 1, start: 2, tokens: [] },
				{ runId: 'run', seq: 2, start: 2, tokens: tokens.slice(2) }
			],
			async () => {
				events.push('pause');
			}
		);
		expect(records.map((r) => [r.sessionId, r.runId, r.seq, r.start, r.count])).toEqual([
			['s', 'run', 0, 0, 2],
			['s', 'run', 2, 2, 1]
		]);
		// An empty chunk is left out, and needs no pause.
		expect(events).toEqual(['pause']);
	});
});
