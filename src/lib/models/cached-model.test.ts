import 'fake-indexeddb/auto';
import { createHash, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LoadProgress } from '#lib/core/model';
import { openPlaygroundDb, type PlaygroundDb } from '#lib/storage/db';
import { listModelFiles } from '#lib/storage/model-files';
import { loadCachedModel, type CachedModelOptions } from './cached-model';

const URL_A = 'http://localhost/models/a.gguf';
const bytes = new Uint8Array(randomBytes(3000));
const sha256 = createHash('sha256').update(bytes).digest('hex');

let db: PlaygroundDb;
let counter = 0;
let requests: string[];
let served: Uint8Array;

const fetchImpl = (async (input: RequestInfo | URL) => {
	requests.push(String(input));
	return new Response(served.slice(), { headers: { 'content-length': String(served.length) } });
}) as typeof fetch;

function options(extra: Partial<CachedModelOptions> = {}): CachedModelOptions {
	return { openDb: async () => db, fetchImpl, ...extra };
}

async function contentOf(blob: Blob) {
	return new Uint8Array(await blob.arrayBuffer());
}

beforeEach(async () => {
	db = await openPlaygroundDb({ name: `cached-model-${++counter}` });
	requests = [];
	served = bytes;
});

describe('loadCachedModel', () => {
	it('downloads and stores on the first load, then reads the stored copy without a request', async () => {
		const first = await loadCachedModel({ url: URL_A, name: 'A', sha256 }, options());
		expect(first.storage).toEqual({ status: 'downloaded', notice: null });
		expect(first.sha256).toBe(sha256);
		expect(requests).toEqual([URL_A]);
		expect((await listModelFiles(db)).map((r) => [r.name, r.sizeBytes])).toEqual([['A', 3000]]);

		const phases: LoadProgress['phase'][] = [];
		const second = await loadCachedModel(
			{ url: URL_A, name: 'A', sha256 },
			options({ onProgress: (p) => phases.push(p.phase) })
		);
		expect(second.storage).toEqual({ status: 'cached', notice: null });
		expect(await contentOf(second.blob)).toEqual(bytes);
		expect(requests).toHaveLength(1);
		expect(new Set(phases)).toEqual(new Set(['read']));
	});

	it('downloads a damaged copy again, says so, and stores the good one', async () => {
		await loadCachedModel({ url: URL_A, name: 'A' }, options());
		const chunk = await db.get('modelChunks', [URL_A, 0]);
		const flipped = new Uint8Array(chunk!.bytes.slice(0));
		flipped[0] ^= 1;
		await db.put('modelChunks', { url: URL_A, index: 0, bytes: flipped.buffer });

		const again = await loadCachedModel({ url: URL_A, name: 'A' }, options());
		expect(again.storage.status).toBe('redownloaded');
		expect(again.storage.notice).toMatch(
			/^The stored copy of A was damaged \(sha256 differs.*\); it was downloaded again\.$/
		);
		expect(requests).toHaveLength(2);
		expect(await contentOf(again.blob)).toEqual(bytes);

		const third = await loadCachedModel({ url: URL_A, name: 'A' }, options());
		expect(third.storage.status).toBe('cached');
	});

	it('refuses a download whose sha256 is not the expected one, and stores nothing', async () => {
		served = new Uint8Array([1, 2, 3]);
		await expect(loadCachedModel({ url: URL_A, name: 'A', sha256 }, options())).rejects.toThrow(
			new RegExp(`sha256 is [0-9a-f]{64}, but ${sha256} was expected`)
		);
		expect(await listModelFiles(db)).toEqual([]);
	});

	it('replaces a stored copy whose sha256 is no longer the expected one', async () => {
		served = new Uint8Array([1, 2, 3]);
		await loadCachedModel({ url: URL_A, name: 'A' }, options());
		served = bytes;
		const result = await loadCachedModel({ url: URL_A, name: 'A', sha256 }, options());
		expect(result.storage.status).toBe('redownloaded');
		expect(result.storage.notice).toContain("sha256 differs from the catalogue's");
		expect(await contentOf(result.blob)).toEqual(bytes);
	});

	it('still loads from memory when the disk is full, and says how to free space', async () => {
		const full = new Proxy(db, {
			get(target, prop) {
				if (prop === 'put') {
					return () =>
						Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
				}
				const value: unknown = Reflect.get(target, prop, target);
				return typeof value === 'function' ? value.bind(target) : value;
			}
		});
		const result = await loadCachedModel(
			{ url: URL_A, name: 'A' },
			options({ openDb: async () => full })
		);
		expect(result.storage.status).toBe('not-stored');
		expect(result.storage.notice).toMatch(/storage for this site is full/);
		expect(await contentOf(result.blob)).toEqual(bytes);
		expect(await db.count('modelChunks')).toBe(0);
	});

	it('downloads when the browser storage cannot be opened', async () => {
		const result = await loadCachedModel(
			{ url: URL_A, name: 'A' },
			options({ openDb: () => Promise.reject(new Error('no IndexedDB')) })
		);
		expect(result.storage.status).toBe('not-stored');
		expect(await contentOf(result.blob)).toEqual(bytes);
	});
});
