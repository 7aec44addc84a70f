/**
 * The chunks of a model file whose download has not finished, so a download cut short goes on
 * from where it stopped. They are the same chunks `model-files.ts` stores, written as bytes
 * arrive, without the file's record: a file without a record is never read as a model. The last
 * chunk of a part may be short (the bytes that had arrived when the download stopped). Called by
 * the resumable download (`models/resumable-download.ts`).
 */
import type { ModelFileRecord, PlaygroundDb } from './db';

/** What is stored of an unfinished download: whole chunks, then a short last one. */
export interface StoredPart {
	/** Bytes stored, from the file's first. */
	bytes: number;
	/** Index of the chunk the download writes next (a short last chunk is rewritten whole). */
	nextIndex: number;
	/** The short last chunk's bytes, if there is one. */
	tail: Uint8Array | null;
}

/**
 * Reads the stored beginning of `url`'s file, handing every chunk to `onChunk` in order (to hash
 * it); chunks after the first short one are removed, since they can no longer follow on.
 */
export async function readStoredPart(
	db: PlaygroundDb,
	url: string,
	chunkBytes: number,
	onChunk: (bytes: Uint8Array) => void
): Promise<StoredPart> {
	let bytes = 0;
	for (let index = 0; ; index++) {
		const chunk = await db.get('modelChunks', [url, index]);
		const length = chunk?.bytes.byteLength ?? 0;
		if (!chunk || length === 0 || length > chunkBytes) {
			await deleteChunksFrom(db, url, index);
			return { bytes, nextIndex: index, tail: null };
		}
		const view = new Uint8Array(chunk.bytes);
		onChunk(view);
		bytes += length;
		if (length < chunkBytes) {
			await deleteChunksFrom(db, url, index + 1);
			return { bytes, nextIndex: index, tail: view };
		}
	}
}

/**
 * How many bytes of `url`'s unfinished download are stored (0 when none or finished), from the
 * chunks' keys and the last one's size; `readStoredPart` checks the chunks themselves.
 */
export async function storedPartBytes(
	db: PlaygroundDb,
	url: string,
	chunkBytes: number
): Promise<number> {
	if (await db.get('modelFiles', url)) return 0;
	const keys = await db.getAllKeys('modelChunks', IDBKeyRange.bound([url, 0], [url, Infinity]));
	let count = 0;
	while (count < keys.length && keys[count][1] === count) count++;
	if (count === 0) return 0;
	const last = await db.get('modelChunks', [url, count - 1]);
	return (count - 1) * chunkBytes + (last?.bytes.byteLength ?? 0);
}

export function putChunk(
	db: PlaygroundDb,
	url: string,
	index: number,
	bytes: Uint8Array
): Promise<unknown> {
	const copy = bytes.slice().buffer;
	return db.put('modelChunks', { url, index, bytes: copy });
}

/** Removes chunks `index` and later of `url`. */
export function deleteChunksFrom(db: PlaygroundDb, url: string, index: number): Promise<void> {
	return db.delete('modelChunks', IDBKeyRange.bound([url, index], [url, Infinity]));
}

/** Writes the record that makes the stored chunks a whole file, read like any stored model. */
export async function finishStoredFile(db: PlaygroundDb, record: ModelFileRecord): Promise<void> {
	await db.put('modelFiles', record);
}
