import type { ModelFileRecord, PlaygroundDb } from './db';
import { Sha256 } from '#lib/core/sha256';

/** Model files are stored in pieces of this size, each written in its own transaction. */
export const CHUNK_BYTES = 16 * 1024 * 1024;

export type ModelStorageErrorCode = 'quota' | 'failed';

/** A model file could not be stored. Whatever was stored before is left as it was. */
export class ModelStorageError extends Error {
	override name = 'ModelStorageError';
	constructor(
		message: string,
		readonly code: ModelStorageErrorCode
	) {
		super(message);
	}
}

/** Every chunk of `url`, whatever its index. */
function chunkRange(url: string): IDBKeyRange {
	return IDBKeyRange.bound([url, 0], [url, Infinity]);
}

function isQuotaError(error: unknown): boolean {
	return (
		(error instanceof DOMException || error instanceof Error) && error.name === 'QuotaExceededError'
	);
}

function isAbort(error: unknown): boolean {
	return (error instanceof DOMException || error instanceof Error) && error.name === 'AbortError';
}

export interface StoreModelFileInput {
	url: string;
	name: string;
	blob: Blob;
	/** Hex sha256 of `blob`, computed by the caller while it downloaded. */
	sha256: string;
}

export interface StoreModelFileOptions {
	chunkBytes?: number;
	/** Called after each chunk with the bytes stored so far. */
	onProgress?: (storedBytes: number) => void;
	signal?: AbortSignal;
	now?: () => number;
}

/**
 * Stores a model file: its chunks first, then its record. A file without a record is never
 * read, so a write cut short (closed tab, full disk) can never be mistaken for a whole file.
 * On failure this URL's chunks are removed and every other stored file stays as it was.
 * Throws {@link ModelStorageError} (or the AbortError when `signal` aborts).
 */
export async function storeModelFile(
	db: PlaygroundDb,
	input: StoreModelFileInput,
	options: StoreModelFileOptions = {}
): Promise<ModelFileRecord> {
	const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
	const { url, blob } = input;
	const chunkCount = Math.ceil(blob.size / chunkBytes);
	try {
		await deleteModelFile(db, url);
		for (let index = 0; index < chunkCount; index++) {
			options.signal?.throwIfAborted();
			const start = index * chunkBytes;
			const end = Math.min(blob.size, start + chunkBytes);
			const bytes = await blob.slice(start, end).arrayBuffer();
			await db.put('modelChunks', { url, index, bytes });
			options.onProgress?.(end);
		}
		options.signal?.throwIfAborted();
		const now = options.now?.() ?? Date.now();
		const record: ModelFileRecord = {
			url,
			name: input.name,
			sizeBytes: blob.size,
			sha256: input.sha256,
			chunkCount,
			chunkBytes,
			storedAt: now,
			lastUsedAt: now
		};
		await db.put('modelFiles', record);
		return record;
	} catch (error) {
		await db.delete('modelChunks', chunkRange(url)).catch(() => {});
		if (isAbort(error)) throw error;
		if (isQuotaError(error)) {
			throw new ModelStorageError(
				`The browser's storage for this site is full, so ${input.name} was not kept for the next visit; it runs from memory this time. Free space by deleting stored models under "Stored models", or by clearing other sites' data in the browser's settings.`,
				'quota'
			);
		}
		const reason = error instanceof Error ? error.message : String(error);
		throw new ModelStorageError(
			`${input.name} could not be kept in the browser's storage (${reason}); it runs from memory this time and will be downloaded again next visit.`,
			'failed'
		);
	}
}

/** What reading a stored file found. */
export type ReadModelFileResult =
	| { status: 'missing' }
	| { status: 'ok'; record: ModelFileRecord; blob: Blob }
	| {
			status: 'damaged';
			record: ModelFileRecord;
			/** What differs: the size, a missing chunk, or the content (sha256). */
			problem: 'size' | 'missing-chunk' | 'sha256';
			/** The difference in words, e.g. "chunk 2 of 3 is missing". */
			detail: string;
	  };

export interface ReadModelFileOptions {
	/** Called after each chunk with the bytes read so far. */
	onProgress?: (readBytes: number, totalBytes: number) => void;
	signal?: AbortSignal;
}

/** Reads a stored file back, checking every chunk's size and the whole file's sha256. */
export async function readModelFile(
	db: PlaygroundDb,
	url: string,
	options: ReadModelFileOptions = {}
): Promise<ReadModelFileResult> {
	const record = await db.get('modelFiles', url);
	if (!record) return { status: 'missing' };
	const damaged = (problem: 'size' | 'missing-chunk' | 'sha256', detail: string) =>
		({ status: 'damaged', record, problem, detail }) as const;
	const expectedCount = Math.ceil(record.sizeBytes / record.chunkBytes);
	if (record.chunkCount !== expectedCount) {
		return damaged(
			'size',
			`${record.chunkCount} chunks are recorded for ${record.sizeBytes} bytes instead of ${expectedCount}`
		);
	}
	const hash = new Sha256();
	const parts: ArrayBuffer[] = [];
	let readBytes = 0;
	for (let index = 0; index < record.chunkCount; index++) {
		options.signal?.throwIfAborted();
		const chunk = await db.get('modelChunks', [url, index]);
		if (!chunk)
			return damaged('missing-chunk', `chunk ${index + 1} of ${record.chunkCount} is missing`);
		const expectedBytes = Math.min(record.chunkBytes, record.sizeBytes - index * record.chunkBytes);
		if (chunk.bytes.byteLength !== expectedBytes) {
			return damaged(
				'size',
				`chunk ${index + 1} of ${record.chunkCount} holds ${chunk.bytes.byteLength} bytes instead of ${expectedBytes}`
			);
		}
		hash.update(new Uint8Array(chunk.bytes));
		parts.push(chunk.bytes);
		readBytes += expectedBytes;
		options.onProgress?.(readBytes, record.sizeBytes);
	}
	const sha256 = hash.digestHex();
	if (sha256 !== record.sha256) {
		return damaged(
			'sha256',
			`sha256 differs: ${sha256.slice(0, 12)}… read, ${record.sha256.slice(0, 12)}… stored`
		);
	}
	return { status: 'ok', record, blob: new Blob(parts, { type: 'application/octet-stream' }) };
}

/** Every stored file's record, most recently used first. */
export async function listModelFiles(db: PlaygroundDb): Promise<ModelFileRecord[]> {
	const records = await db.getAll('modelFiles');
	return records.sort((a, b) => b.lastUsedAt - a.lastUsedAt);
}

/** Removes a file: its record first, so a half-deleted file is never read. */
export async function deleteModelFile(db: PlaygroundDb, url: string): Promise<void> {
	await db.delete('modelFiles', url);
	await db.delete('modelChunks', chunkRange(url));
}

/** Removes every stored model file, including chunks of writes that never finished. */
export async function deleteAllModelFiles(db: PlaygroundDb): Promise<void> {
	const tx = db.transaction(['modelFiles', 'modelChunks'], 'readwrite');
	await Promise.all([
		tx.objectStore('modelFiles').clear(),
		tx.objectStore('modelChunks').clear(),
		tx.done
	]);
}

/** Records that a load just used the file. */
export async function touchModelFile(
	db: PlaygroundDb,
	url: string,
	now = Date.now()
): Promise<void> {
	const tx = db.transaction('modelFiles', 'readwrite');
	const record = await tx.store.get(url);
	if (record) await tx.store.put({ ...record, lastUsedAt: now });
	await tx.done;
}
