import type { IDBPObjectStore, StoreNames } from 'idb';
import type { SessionRecord, TokenRecord } from '#lib/core/session';
import { decodeTokens, encodeTokens } from '#lib/formats/token-codec';
import { isPlainObject } from '#lib/formats/check';
import type { PlaygroundSchema, RunTokensRecord } from './db';

/**
 * A session's tokens in the `runTokens` store: each save of a recording appends one chunk per
 * run holding only the tokens since the last save (formats/token-codec.ts), so a save costs what
 * streamed since, not the whole session. The stored session record is then a head whose runs
 * hold no tokens; sessions stored before chunks existed keep theirs inline, and a read joins
 * both. SessionStore (sessions.ts) calls these inside its own transactions.
 */

/** Tokens of one run to append: tokens `[start, start + tokens.length)`. */
export interface TokenChunk {
	runId: string;
	seq: number;
	start: number;
	tokens: readonly TokenRecord[];
}

type Store<Mode extends IDBTransactionMode> = IDBPObjectStore<
	PlaygroundSchema,
	ArrayLike<StoreNames<PlaygroundSchema>>,
	'runTokens',
	Mode
>;

/** Every chunk key of session `id` (keys are `[sessionId, runId, seq]`; arrays sort after strings). */
function sessionRange(id: string): IDBKeyRange {
	return IDBKeyRange.bound([id], [id, []]);
}

/** The session as its head is stored: every run without its tokens. */
export function headOf(record: SessionRecord): SessionRecord {
	return { ...record, runs: record.runs.map((run) => ({ ...run, tokens: [] })) };
}

/** A whole session's tokens as one chunk per run (for a session written at once). */
export function chunksOf(record: SessionRecord): TokenChunk[] {
	return record.runs
		.filter((run) => run.tokens.length > 0)
		.map((run) => ({ runId: run.id, seq: 0, start: 0, tokens: run.tokens }));
}

export async function writeChunks(
	store: Store<'readwrite'>,
	sessionId: string,
	chunks: readonly TokenChunk[]
): Promise<void> {
	for (const chunk of chunks) {
		if (chunk.tokens.length === 0) continue;
		const bytes = encodeTokens(chunk.tokens, { precision: 'float32' });
		const record: RunTokensRecord = {
			sessionId,
			runId: chunk.runId,
			seq: chunk.seq,
			start: chunk.start,
			count: chunk.tokens.length,
			bytes: bytes.buffer
		};
		await store.put(record);
	}
}

export async function deleteRunTokens(store: Store<'readwrite'>, sessionId: string): Promise<void> {
	await store.delete(sessionRange(sessionId));
}

export interface StoredRunTokens {
	/** Each run's chunked tokens, in order. */
	byRun: Map<string, TokenRecord[]>;
	/** What is wrong with chunks that cannot be read (each names its run and chunk). */
	problems: string[];
}

/** Reads and decodes session `sessionId`'s chunks. Never throws for a bad chunk: it is a problem. */
export async function readRunTokens(
	store: Store<IDBTransactionMode>,
	sessionId: string
): Promise<StoredRunTokens> {
	const records = (await store.getAll(sessionRange(sessionId))) as unknown[];
	const byRun = new Map<string, TokenRecord[]>();
	const problems: string[] = [];
	for (const value of records) {
		if (!isChunkRecord(value)) {
			problems.push(`a stored token chunk of this session is not one this app wrote`);
			continue;
		}
		const where = `run ${JSON.stringify(value.runId)}, token chunk ${value.seq}`;
		const tokens = byRun.get(value.runId) ?? [];
		byRun.set(value.runId, tokens);
		if (value.start !== tokens.length) {
			problems.push(
				`${where}: starts at token ${value.start}, after ${tokens.length} tokens (a chunk is missing)`
			);
			continue;
		}
		const decoded = decodeTokens(new Uint8Array(value.bytes));
		if (!decoded.ok) {
			problems.push(`${where}: ${decoded.problem}`);
			continue;
		}
		if (decoded.tokens.length !== value.count) {
			problems.push(`${where}: holds ${decoded.tokens.length} tokens, not ${value.count}`);
			continue;
		}
		for (const token of decoded.tokens) tokens.push(token);
	}
	return { byRun, problems };
}

function isChunkRecord(value: unknown): value is RunTokensRecord {
	return (
		isPlainObject(value) &&
		typeof value.runId === 'string' &&
		Number.isSafeInteger(value.seq) &&
		Number.isSafeInteger(value.start) &&
		Number.isSafeInteger(value.count) &&
		value.bytes instanceof ArrayBuffer
	);
}

/**
 * A stored head with its runs' chunked tokens after their inline ones (kept as they are, for a
 * value that is not a session: a damaged record then shows what could be read of it).
 */
export function withRunTokens(value: unknown, byRun: ReadonlyMap<string, TokenRecord[]>): unknown {
	if (byRun.size === 0 || !isPlainObject(value) || !Array.isArray(value.runs)) return value;
	return {
		...value,
		runs: value.runs.map((run: unknown) => {
			if (!isPlainObject(run) || typeof run.id !== 'string') return run;
			const chunked = byRun.get(run.id);
			if (!chunked || chunked.length === 0) return run;
			const inline = Array.isArray(run.tokens) ? (run.tokens as unknown[]) : [];
			return { ...run, tokens: [...inline, ...chunked] };
		})
	};
}
