import { describe, expect, it } from 'vitest';
import type { LoadProgress } from '#lib/core/model';
import { fetchModelBlob, ModelDownloadError } from './fetch-model';

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
	return new ReadableStream({
		start(controller) {
			for (const chunk of chunks) controller.enqueue(chunk);
			controller.close();
		}
	});
}

describe('fetchModelBlob', () => {
	it('assembles the chunks and reports progress up to the total', async () => {
		const chunks = [new Uint8Array([1, 2]), new Uint8Array([3])];
		const fetchImpl = (async () =>
			new Response(streamOf(chunks), { headers: { 'content-length': '3' } })) as typeof fetch;
		const progress: LoadProgress[] = [];
		const pieces: number[][] = [];
		const blob = await fetchModelBlob('http://x/m.gguf', {
			fetchImpl,
			onProgress: (p) => progress.push(p),
			onBytes: (bytes) => pieces.push([...bytes])
		});
		expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([1, 2, 3]);
		expect(pieces).toEqual([[1, 2], [3]]);
		expect(progress[0]).toEqual({ phase: 'download', loadedBytes: 0, totalBytes: 3 });
		expect(progress.at(-1)).toEqual({ phase: 'download', loadedBytes: 3, totalBytes: 3 });
	});

	it('fails clearly on HTTP errors, short bodies and unreachable hosts', async () => {
		const notFound = (async () => new Response('no', { status: 404 })) as typeof fetch;
		await expect(fetchModelBlob('http://x/m.gguf', { fetchImpl: notFound })).rejects.toMatchObject({
			name: 'ModelDownloadError',
			status: 404
		});
		const short = (async () =>
			new Response(streamOf([new Uint8Array([1])]), {
				headers: { 'content-length': '5' }
			})) as typeof fetch;
		await expect(fetchModelBlob('http://x/m.gguf', { fetchImpl: short })).rejects.toThrow(
			/after 1 of 5 bytes/
		);
		const offline = (async () => {
			throw new TypeError('Failed to fetch');
		}) as typeof fetch;
		await expect(fetchModelBlob('http://x/m.gguf', { fetchImpl: offline })).rejects.toBeInstanceOf(
			ModelDownloadError
		);
	});
});
