import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256, sha256OfBlob } from './sha256';

const reference = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Feeds `data` in pieces of the given sizes (the rest in one last piece). */
function hashInPieces(data: Uint8Array, sizes: number[]): string {
	const hash = new Sha256();
	let offset = 0;
	for (const size of sizes) {
		hash.update(data.subarray(offset, offset + size));
		offset += size;
	}
	hash.update(data.subarray(offset));
	return hash.digestHex();
}

describe('Sha256', () => {
	it('gives the published digests of the empty string and "abc"', () => {
		expect(new Sha256().digestHex()).toBe(
			'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
		);
		expect(new Sha256().update(new TextEncoder().encode('abc')).digestHex()).toBe(
			'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
		);
	});

	it('matches node:crypto for every length around the padding boundaries', () => {
		const data = randomBytes(200);
		for (let length = 0; length <= 200; length++) {
			const slice = data.subarray(0, length);
			expect(new Sha256().update(slice).digestHex(), `length ${length}`).toBe(reference(slice));
		}
	});

	it('gives the same digest however the input is split', () => {
		const data = randomBytes(100_003);
		const expected = reference(data);
		expect(hashInPieces(data, [])).toBe(expected);
		expect(hashInPieces(data, [1, 63, 64, 65, 0, 127, 1000])).toBe(expected);
		expect(
			hashInPieces(
				data,
				Array.from({ length: 2000 }, (_, i) => (i * 7) % 97)
			)
		).toBe(expected);
	});

	it('refuses more input once the digest is taken, and repeats the digest', () => {
		const hash = new Sha256().update(new Uint8Array([1, 2, 3]));
		const first = hash.digestHex();
		expect(hash.digestHex()).toBe(first);
		expect(() => hash.update(new Uint8Array([4]))).toThrow(/finished/);
	});
});

describe('sha256OfBlob', () => {
	it('hashes a blob slice by slice and reports progress', async () => {
		const data = randomBytes(10_000);
		const progress: number[] = [];
		const hex = await sha256OfBlob(new Blob([data]), {
			sliceBytes: 4096,
			onProgress: (bytes) => progress.push(bytes)
		});
		expect(hex).toBe(reference(data));
		expect(progress).toEqual([4096, 8192, 10_000]);
	});

	it('stops when aborted', async () => {
		const controller = new AbortController();
		controller.abort();
		await expect(
			sha256OfBlob(new Blob([new Uint8Array(10)]), { signal: controller.signal })
		).rejects.toThrow();
	});
});
