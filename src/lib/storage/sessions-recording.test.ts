import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GenerationResult, StepTrace } from '#lib/core/run';
import type { SessionRecord } from '#lib/core/session';
import {
	defaultSessionName,
	MAX_TRACED_TOKENS,
	newRun,
	newSession,
	SAVE_INTERVAL_MS,
	SessionRecording,
	storedResult
} from './sessions-recording';
import { experiment, params, runRecord } from '#lib/formats/testing/sessions';

/** A recording whose writes keep a copy of what each write saw. */
function recording(save?: (record: SessionRecord) => Promise<void>) {
	const writes: SessionRecord[] = [];
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
			(async (r) => {
				writes.push(structuredClone(r));
			}),
		onError: (error) => errors.push(error),
		onRecovered: () => errors.push('recovered')
	});
	return { rec, writes, errors };
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
		const { rec } = recording(async (r) => {
			const text = r.runs[0].text;
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

	it('keeps traces only when the run recorded them, for its first tokens', () => {
		const { rec } = recording();
		rec.token('run', { id: 1, piece: 'a', trace: undefined }, 'a');
		expect(Object.keys(rec.record.runs[0].tokens[0])).toEqual(['id', 'piece']);
		const trace = {} as StepTrace;
		for (let i = 1; i <= MAX_TRACED_TOKENS; i++)
			rec.token('run', { id: i, piece: 'b', trace }, 'b');
		const tokens = rec.record.runs[0].tokens;
		expect(tokens[1].trace).toBe(trace);
		expect(tokens[MAX_TRACED_TOKENS - 1].trace).toBe(trace);
		expect(tokens[MAX_TRACED_TOKENS]).toEqual({ id: MAX_TRACED_TOKENS, piece: 'b' });
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
