import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { openPlaygroundDb, type PlaygroundDb } from '#lib/storage/db';
import { storedPartBytes } from '#lib/storage/model-file-parts';
import { listModelFiles, readModelFile } from '#lib/storage/model-files';
import { ModelIntegrityError } from './cached-model';
import { ModelDownloadError } from './fetch-model';
import { downloadToStorage } from './resumable-download';
import { FakeRangeServer } from './testing/fake-range-server';

const URL_A = 'https://huggingface.co/org/repo/resolve/main/a.gguf';
const CHUNK = 1000;

/** A file that starts like a GGUF, with bytes that differ everywhere after. */
function ggufLike(size: number): Uint8Array {
	const bytes = new Uint8Array(size);
	for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
	bytes.set([0x47, 0x47, 0x55, 0x46]);
	return bytes;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let db: PlaygroundDb;
let counter = 0;
beforeEach(async () => {
	db = await openPlaygroundDb({ name: `resumable-${++counter}` });
});

async function storedBytes(url: string): Promise<Uint8Array> {
	const read = await readModelFile(db, url);
	if (read.status !== 'ok') throw new Error(read.status);
	return new Uint8Array(await read.blob.arrayBuffer());
}

describe('downloadToStorage', () => {
	const file = ggufLike(4321);
	const target = { url: URL_A, name: 'a', sizeBytes: file.length, sha256: sha(file) };

	it('stores the file as a stored model, reporting progress up to its size', async () => {
		const server = new FakeRangeServer(file, { chunkBytes: 700 });
		const progress: number[] = [];
		const result = await downloadToStorage(db, target, {
			fetchImpl: server.fetch,
			chunkBytes: CHUNK,
			onProgress: (p) => progress.push(p.loadedBytes)
		});
		expect(result).toMatchObject({ resumedFrom: 0, alreadyStored: false });
		expect(result.record).toMatchObject({ sizeBytes: file.length, sha256: target.sha256 });
		expect(await storedBytes(URL_A)).toEqual(file);
		expect((await listModelFiles(db)).map((r) => r.url)).toEqual([URL_A]);
		expect(progress.at(-1)).toBe(file.length);
		expect(server.requests).toEqual([{ range: null, status: 200 }]);
	});

	it('goes on after an interrupted download with a Range request from the bytes stored', async () => {
		const server = new FakeRangeServer(file, { chunkBytes: 300, cutAfter: 2500 });
		const first = await downloadToStorage(db, target, {
			fetchImpl: server.fetch,
			chunkBytes: CHUNK
		}).catch((e) => e);
		expect(first).toBeInstanceOf(ModelDownloadError);
		expect(first.message).toMatch(/stopped after 2500 of 4321 bytes.*kept/);
		expect(await storedPartBytes(db, URL_A, CHUNK)).toBe(2500);
		expect(await listModelFiles(db)).toEqual([]);

		server.options.cutAfter = undefined;
		const sent = server.bytesSent;
		const second = await downloadToStorage(db, target, {
			fetchImpl: server.fetch,
			chunkBytes: CHUNK
		});
		expect(second.resumedFrom).toBe(2500);
		expect(server.requests.at(-1)).toEqual({ range: 'bytes=2500-', status: 206 });
		expect(server.bytesSent - sent).toBe(file.length - 2500);
		expect(await storedBytes(URL_A)).toEqual(file);
		expect(await storedPartBytes(db, URL_A, CHUNK)).toBe(0);
	});

	it('keeps the bytes received when cancelled, and goes on from them', async () => {
		const server = new FakeRangeServer(file, { chunkBytes: 500 });
		const controller = new AbortController();
		// Cancels once 1500 bytes have been handed over, as a user pressing Cancel mid-download.
		const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
			const response = await server.fetch(input, init);
			const reader = response.body!.getReader();
			let passed = 0;
			const body = new ReadableStream<Uint8Array>({
				async pull(stream) {
					const { done, value } = await reader.read();
					if (done) return stream.close();
					stream.enqueue(value);
					passed += value.length;
					if (passed >= 1500) controller.abort();
				}
			});
			return new Response(body, { status: response.status, headers: response.headers });
		}) as typeof fetch;
		const error = await downloadToStorage(db, target, {
			fetchImpl,
			chunkBytes: CHUNK,
			signal: controller.signal
		}).catch((e) => e);
		expect(error).not.toBeInstanceOf(ModelDownloadError);
		const kept = await storedPartBytes(db, URL_A, CHUNK);
		expect(kept).toBeGreaterThan(0);
		const result = await downloadToStorage(db, target, {
			fetchImpl: server.fetch,
			chunkBytes: CHUNK
		});
		expect(result.resumedFrom).toBe(kept);
		expect(await storedBytes(URL_A)).toEqual(file);
	});

	it('starts over when the server ignores Range', async () => {
		const server = new FakeRangeServer(file, { cutAfter: 1200 });
		await downloadToStorage(db, target, { fetchImpl: server.fetch, chunkBytes: CHUNK }).catch(
			() => {}
		);
		server.options.cutAfter = undefined;
		server.options.ignoreRange = true;
		await downloadToStorage(db, target, { fetchImpl: server.fetch, chunkBytes: CHUNK });
		expect(server.requests.at(-1)).toEqual({ range: 'bytes=1200-', status: 200 });
		expect(await storedBytes(URL_A)).toEqual(file);
	});

	it('refuses a file whose sha256 is not the listed one, keeping nothing', async () => {
		const server = new FakeRangeServer(file);
		const error = await downloadToStorage(
			db,
			{ ...target, sha256: '0'.repeat(64) },
			{ fetchImpl: server.fetch, chunkBytes: CHUNK }
		).catch((e) => e);
		expect(error).toBeInstanceOf(ModelIntegrityError);
		expect(error.message).toMatch(/not the one Hugging Face lists/);
		expect(await storedPartBytes(db, URL_A, CHUNK)).toBe(0);
		expect(await listModelFiles(db)).toEqual([]);
	});

	it('refuses a file that is not GGUF from its first bytes', async () => {
		const html = new TextEncoder().encode('<!doctype html><p>Sign in</p>');
		const server = new FakeRangeServer(html);
		const error = await downloadToStorage(
			db,
			{ url: URL_A, name: 'a', sizeBytes: null, sha256: null },
			{ fetchImpl: server.fetch, chunkBytes: CHUNK }
		).catch((e) => e);
		expect(error).toBeInstanceOf(ModelIntegrityError);
		expect(error.message).toMatch(/not a GGUF file/);
		expect(await storedPartBytes(db, URL_A, CHUNK)).toBe(0);
	});

	it('says the HTTP status of a refused download, and does not fetch a stored file again', async () => {
		const refused = new FakeRangeServer(file, { status: 403 });
		const error = await downloadToStorage(db, target, { fetchImpl: refused.fetch }).catch((e) => e);
		expect(error).toBeInstanceOf(ModelDownloadError);
		expect(error.status).toBe(403);

		const server = new FakeRangeServer(file);
		await downloadToStorage(db, target, { fetchImpl: server.fetch, chunkBytes: CHUNK });
		const again = await downloadToStorage(db, target, {
			fetchImpl: server.fetch,
			chunkBytes: CHUNK
		});
		expect(again.alreadyStored).toBe(true);
		expect(server.requests).toHaveLength(1);
	});
});
