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

/**
 * Most tokens a chunk of a recording holds. Encoding is main-thread work (about 0.15 ms per
 * traced token), so what streamed since the last save is cut into chunks of at most this many,
 * encoded one task after another ({@link encodeChunks}): no save holds the page for long, however
 * fast the tokens came.
 */
export const MAX_CHUNK_TOKENS = 32;

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

/**
 * Run `runId`'s tokens from `start` on as chunks of at most {@link MAX_CHUNK_TOKENS}, numbered
 * from `seq`.
 */
export function splitChunks(
	runId: string,
	seq: number,
	start: number,
	tokens: readonly TokenRecord[]
): TokenChunk[] {
	const chunks: TokenChunk[] = [];
	for (let at = 0; at < tokens.length; at += MAX_CHUNK_TOKENS) {
		chunks.push({
			runId,
			seq: seq + chunks.length,
			start: start + at,
			tokens: tokens.slice(at, at + MAX_CHUNK_TOKENS)
		});
	}
	return chunks;
}

function chunkRecord(sessionId: string, chunk: TokenChunk): RunTokensRecord {
	const bytes = encodeTokens(chunk.tokens, { precision: 'float32' });
	return {
		sessionId,
		runId: chunk.runId,
		seq: chunk.seq,
		start: chunk.start,
		count: chunk.tokens.length,
		bytes: bytes.buffer
	};
}

/** Lets the page draw and answer between two pieces of work (a new task). */
export const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Encodes chunks before their transaction opens (one that waits for a timer would commit), one
 * chunk per task: `pause` runs between two chunks.
 */
export async function encodeChunks(
	sessionId: string,
	chunks: readonly TokenChunk[],
	pause: () => Promise<void> = nextTask
): Promise<RunTokensRecord[]> {
	const records: RunTokensRecord[] = [];
	for (const chunk of chunks) {
		if (chunk.tokens.length === 0) continue;
		if (records.length > 0) await pause();
		records.push(chunkRecord(sessionId, chunk));
	}
	return records;
}

export async function putChunks(
	store: Store<'readwrite'>,
	records: readonly RunTokensRecord[]
): Promise<void> {
	for (const record of records) await store.put(record);
}

export async function writeChunks(
	store: Store<'readwrite'>,
	sessionId: string,
	chunks: readonly TokenChunk[]
): Promise<void> {
	for (const chunk of chunks) {
		if (chunk.tokens.length > 0) await store.put(chunkRecord(sessionId, chunk));
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
