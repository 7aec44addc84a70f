import type { ModelFileReader } from './module';

/**
 * Readers of a model file for our llama.cpp module's load (`module.ts`): over bytes already in
 * memory (tests, Node), and over a Blob read slice by slice with a synchronous read (the
 * inference worker's FileReaderSync), so a stored model is never copied whole into JS memory.
 * The engine adapter (`llama.ts`) picks one.
 */

/** Most bytes one read hands over: bounds the slice a Blob read allocates. */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

export function bytesReader(bytes: Uint8Array): ModelFileReader {
	return {
		size: bytes.length,
		read(offset, into) {
			const chunk = bytes.subarray(offset, offset + Math.min(into.length, MAX_READ_BYTES));
			into.set(chunk);
			return chunk.length;
		}
	};
}

/**
 * Reads bytes [start, end) of a Blob synchronously; in a worker
 * `(blob, start, end) => new FileReaderSync().readAsArrayBuffer(blob.slice(start, end))`.
 */
export type ReadBlobSync = (blob: Blob, start: number, end: number) => ArrayBuffer;

export function blobReader(blob: Blob, readSync: ReadBlobSync): ModelFileReader {
	return {
		size: blob.size,
		read(offset, into) {
			const end = Math.min(blob.size, offset + Math.min(into.length, MAX_READ_BYTES));
			if (end <= offset) return 0;
			const chunk = new Uint8Array(readSync(blob, offset, end));
			if (chunk.length !== end - offset) {
				throw new Error(
					`read ${chunk.length} bytes at ${offset} where ${end - offset} were expected`
				);
			}
			into.set(chunk);
			return chunk.length;
		}
	};
}

/**
 * Passes on reading progress at most once per hundredth of the file (and at its end): stdio
 * reads the header in 1 KiB pieces, and each report reaches the page as a message.
 */
export function throttledProgress(
	totalBytes: number,
	report: (bytesRead: number) => void
): (bytesRead: number) => void {
	const step = Math.max(1, totalBytes / 100);
	let reported = 0;
	return (bytesRead) => {
		if (bytesRead - reported < step && bytesRead < totalBytes) return;
		reported = bytesRead;
		report(bytesRead);
	};
}
