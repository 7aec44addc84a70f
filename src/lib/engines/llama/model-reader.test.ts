import { describe, expect, it } from 'vitest';
import { blobReader, bytesReader, MAX_READ_BYTES, throttledProgress } from './model-reader';

const file = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

/** Reads a whole file through a reader the way stdio does: asking again after a short read. */
function readAll(reader: { size: number; read(offset: number, into: Uint8Array): number }) {
	const out = new Uint8Array(reader.size);
	let at = 0;
	for (;;) {
		const n = reader.read(at, out.subarray(at, Math.min(out.length, at + 300)));
		if (n === 0) return { out, at };
		at += n;
	}
}

describe('model file readers', () => {
	it('hand over the file from any offset, in order, and 0 at the end', () => {
		for (const reader of [
			bytesReader(file),
			blobReader(new Blob([file]), (_, start, end) => file.slice(start, end).buffer)
		]) {
			const { out, at } = readAll(reader);
			expect(at).toBe(file.length);
			expect(out).toEqual(file);
			const into = new Uint8Array(10);
			expect(reader.read(995, into)).toBe(5);
			expect([...into.subarray(0, 5)]).toEqual([...file.subarray(995)]);
		}
	});

	it('reads a Blob one bounded slice at a time, never the whole file', () => {
		const big = new Blob([new Uint8Array(MAX_READ_BYTES + 10)]);
		const sizes: number[] = [];
		const reader = blobReader(big, (_, start, end) => {
			sizes.push(end - start);
			return new ArrayBuffer(end - start);
		});
		expect(reader.read(0, new Uint8Array(MAX_READ_BYTES + 10))).toBe(MAX_READ_BYTES);
		expect(reader.read(MAX_READ_BYTES, new Uint8Array(100))).toBe(10);
		expect(sizes).toEqual([MAX_READ_BYTES, 10]);
	});

	it('says when a slice comes back shorter than asked', () => {
		const reader = blobReader(new Blob([file]), () => new ArrayBuffer(3));
		expect(() => reader.read(0, new Uint8Array(10))).toThrow(/read 3 bytes at 0 where 10/);
	});
});

describe('throttledProgress', () => {
	it('reports at most once per hundredth of the file, and always the end', () => {
		const reported: number[] = [];
		const onRead = throttledProgress(1_000_000, (n) => reported.push(n));
		for (let at = 1024; at <= 40_960; at += 1024) onRead(at);
		onRead(1_000_000);
		expect(reported).toEqual([10240, 20480, 30720, 40960, 1_000_000]);
	});
});
