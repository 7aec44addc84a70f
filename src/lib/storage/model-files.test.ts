import 'fake-indexeddb/auto';
import { createHash, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { openPlaygroundDb, type PlaygroundDb } from './db';
import {
	deleteAllModelFiles,
	deleteModelFile,
	listModelFiles,
	ModelStorageError,
	readModelFile,
	storeModelFile,
	touchModelFile
} from './model-files';

const CHUNK = 1000;
const A = 'http://localhost/models/a.gguf';
const B = 'http://localhost/models/b.gguf';

let db: PlaygroundDb;
let counter = 0;

beforeEach(async () => {
	db = await openPlaygroundDb({ name: `model-files-${++counter}` });
});

function file(url: string, bytes: Uint8Array) {
	return {
		url,
		name: url.split('/').pop() ?? url,
		blob: new Blob([new Uint8Array(bytes)]),
		sha256: createHash('sha256').update(bytes).digest('hex')
	};
}

async function bytesOf(blob: Blob): Promise<Uint8Array> {
	return new Uint8Array(await blob.arrayBuffer());
}

async function chunkCount(url: string): Promise<number> {
	return db.countFromIndex('modelChunks', 'byUrl', url);
}

/** The database, except that `put` into modelChunks fails like a full disk after `okPuts` chunks. */
function withFullDiskAfter(okPuts: number): PlaygroundDb {
	let puts = 0;
	return new Proxy(db, {
		get(target, prop) {
			if (prop === 'put') {
				return (store: 'modelChunks' | 'modelFiles', value: never) => {
					if (store === 'modelChunks' && ++puts > okPuts) {
						return Promise.reject(
							new DOMException('The quota has been exceeded.', 'QuotaExceededError')
						);
					}
					return target.put(store, value);
				};
			}
			const value: unknown = Reflect.get(target, prop, target);
			return typeof value === 'function' ? value.bind(target) : value;
		}
	});
}

describe('stored model files', () => {
	it('read back exactly as stored, in chunks, with progress', async () => {
		const bytes = randomBytes(2500);
		const stored = await storeModelFile(db, file(A, bytes), { chunkBytes: CHUNK, now: () => 42 });
		expect(stored).toMatchObject({
			sizeBytes: 2500,
			chunkCount: 3,
			chunkBytes: CHUNK,
			storedAt: 42
		});
		expect(await chunkCount(A)).toBe(3);

		const progress: number[] = [];
		const read = await readModelFile(db, A, { onProgress: (n) => progress.push(n) });
		expect(read.status).toBe('ok');
		if (read.status !== 'ok') return;
		expect(await bytesOf(read.blob)).toEqual(new Uint8Array(bytes));
		expect(progress).toEqual([1000, 2000, 2500]);
	});

	it('reports a file that was never stored as missing', async () => {
		expect(await readModelFile(db, A)).toEqual({ status: 'missing' });
	});

	it('detects a chunk whose bytes changed', async () => {
		await storeModelFile(db, file(A, randomBytes(2500)), { chunkBytes: CHUNK });
		const chunk = await db.get('modelChunks', [A, 1]);
		const flipped = new Uint8Array(chunk!.bytes.slice(0));
		flipped[10] ^= 0xff;
		await db.put('modelChunks', { url: A, index: 1, bytes: flipped.buffer });
		expect(await readModelFile(db, A)).toMatchObject({
			status: 'damaged',
			problem: 'sha256',
			detail: expect.stringContaining('sha256 differs')
		});
	});

	it('detects a missing chunk', async () => {
		await storeModelFile(db, file(A, randomBytes(2500)), { chunkBytes: CHUNK });
		await db.delete('modelChunks', [A, 2]);
		expect(await readModelFile(db, A)).toMatchObject({
			status: 'damaged',
			problem: 'missing-chunk',
			detail: 'chunk 3 of 3 is missing'
		});
	});

	it('detects a chunk of the wrong size and a record whose size does not fit its chunks', async () => {
		await storeModelFile(db, file(A, randomBytes(2500)), { chunkBytes: CHUNK });
		await db.put('modelChunks', { url: A, index: 0, bytes: new ArrayBuffer(999) });
		expect(await readModelFile(db, A)).toMatchObject({
			status: 'damaged',
			problem: 'size',
			detail: 'chunk 1 of 3 holds 999 bytes instead of 1000'
		});

		await storeModelFile(db, file(B, randomBytes(2500)), { chunkBytes: CHUNK });
		const record = await db.get('modelFiles', B);
		await db.put('modelFiles', { ...record!, sizeBytes: 3500 });
		expect(await readModelFile(db, B)).toMatchObject({ status: 'damaged', problem: 'size' });
	});

	it('on a full disk mid-write, throws a quota error and keeps every other file intact', async () => {
		const a = randomBytes(1500);
		await storeModelFile(db, file(A, a), { chunkBytes: CHUNK });

		const failure = storeModelFile(withFullDiskAfter(2), file(B, randomBytes(4500)), {
			chunkBytes: CHUNK
		});
		await expect(failure).rejects.toBeInstanceOf(ModelStorageError);
		await expect(failure).rejects.toMatchObject({
			code: 'quota',
			message: expect.stringMatching(/storage for this site is full.*Free space by deleting/)
		});

		expect(await chunkCount(B)).toBe(0);
		expect(await readModelFile(db, B)).toEqual({ status: 'missing' });
		const read = await readModelFile(db, A);
		expect(read.status).toBe('ok');
		if (read.status === 'ok') expect(await bytesOf(read.blob)).toEqual(new Uint8Array(a));
		expect((await listModelFiles(db)).map((r) => r.url)).toEqual([A]);
	});

	it('reports other write failures as failed, without partial chunks', async () => {
		const broken = new Proxy(db, {
			get(target, prop) {
				if (prop === 'put') return () => Promise.reject(new Error('disk on fire'));
				const value: unknown = Reflect.get(target, prop, target);
				return typeof value === 'function' ? value.bind(target) : value;
			}
		});
		await expect(
			storeModelFile(broken, file(A, randomBytes(10)), { chunkBytes: CHUNK })
		).rejects.toMatchObject({ code: 'failed', message: expect.stringContaining('disk on fire') });
		expect(await chunkCount(A)).toBe(0);
	});

	it('replaces an older copy and the chunks of a write that never finished', async () => {
		await db.put('modelChunks', { url: A, index: 7, bytes: new ArrayBuffer(3) });
		await storeModelFile(db, file(A, randomBytes(2500)), { chunkBytes: CHUNK });
		const newer = randomBytes(500);
		await storeModelFile(db, file(A, newer), { chunkBytes: CHUNK });
		expect(await chunkCount(A)).toBe(1);
		const read = await readModelFile(db, A);
		expect(read.status === 'ok' && (await bytesOf(read.blob))).toEqual(new Uint8Array(newer));
	});

	it('stops storing when aborted and leaves no chunks', async () => {
		const controller = new AbortController();
		const store = storeModelFile(db, file(A, randomBytes(5000)), {
			chunkBytes: CHUNK,
			signal: controller.signal,
			onProgress: (bytes) => bytes >= 2000 && controller.abort()
		});
		await expect(store).rejects.toMatchObject({ name: 'AbortError' });
		expect(await chunkCount(A)).toBe(0);
		expect(await listModelFiles(db)).toEqual([]);
	});

	it('lists files most recently used first, deletes one, then all', async () => {
		await storeModelFile(db, file(A, randomBytes(10)), { now: () => 1 });
		await storeModelFile(db, file(B, randomBytes(20)), { now: () => 2 });
		expect((await listModelFiles(db)).map((r) => r.url)).toEqual([B, A]);
		await touchModelFile(db, A, 3);
		expect((await listModelFiles(db)).map((r) => [r.url, r.lastUsedAt])).toEqual([
			[A, 3],
			[B, 2]
		]);

		await deleteModelFile(db, A);
		expect((await listModelFiles(db)).map((r) => r.url)).toEqual([B]);
		expect(await chunkCount(A)).toBe(0);
		expect(await chunkCount(B)).toBe(1);

		await deleteAllModelFiles(db);
		expect(await listModelFiles(db)).toEqual([]);
		expect(await db.count('modelChunks')).toBe(0);
	});
});
