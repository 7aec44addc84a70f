/**
 * Reads a file's text as a stream, reporting the bytes read so far, and stops as soon as
 * `signal` aborts. Called by the history's import (`sessions.svelte.ts`), so a large file shows
 * its progress and can be cancelled instead of leaving the page silent.
 */
export async function readTextWithProgress(
	file: Blob,
	onProgress: (loadedBytes: number) => void,
	signal: AbortSignal
): Promise<string | null> {
	const reader = file.stream().getReader();
	const stop = () => void reader.cancel().catch(() => undefined);
	signal.addEventListener('abort', stop);
	const decoder = new TextDecoder();
	const parts: string[] = [];
	let loaded = 0;
	try {
		while (!signal.aborted) {
			const { done, value } = await reader.read();
			if (done || signal.aborted) break;
			loaded += value.byteLength;
			parts.push(decoder.decode(value, { stream: true }));
			onProgress(loaded);
		}
	} finally {
		signal.removeEventListener('abort', stop);
	}
	if (signal.aborted) {
		stop();
		return null;
	}
	parts.push(decoder.decode());
	return parts.join('');
}
