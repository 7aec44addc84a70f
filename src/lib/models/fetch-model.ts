import type { LoadProgress } from '#lib/core/model';

export class ModelDownloadError extends Error {
	override name = 'ModelDownloadError';
	constructor(
		message: string,
		readonly url: string,
		readonly status: number | null
	) {
		super(message);
	}
}

export interface FetchModelOptions {
	onProgress?: (progress: LoadProgress) => void;
	signal?: AbortSignal;
	fetchImpl?: typeof fetch;
	/** Receives every piece of the body as it arrives, e.g. to hash it on the way. */
	onBytes?: (bytes: Uint8Array) => void;
}

/**
 * Downloads a model file into a Blob, reporting progress. Progress is reported at most about
 * 200 times per file (plus the first and last chunk), since every report crosses to the page.
 */
export async function fetchModelBlob(url: string, options: FetchModelOptions = {}): Promise<Blob> {
	const { onProgress, signal } = options;
	const fetchImpl = options.fetchImpl ?? fetch;
	let response: Response;
	try {
		response = await fetchImpl(url, { signal });
	} catch (error) {
		if (signal?.aborted) throw error;
		throw new ModelDownloadError(
			`Could not reach ${url}: ${error instanceof Error ? error.message : String(error)}`,
			url,
			null
		);
	}
	if (!response.ok) {
		throw new ModelDownloadError(
			`Downloading ${url} failed: HTTP ${response.status} ${response.statusText}`.trim(),
			url,
			response.status
		);
	}
	const totalBytes = Number(response.headers.get('content-length') ?? 0) || 0;
	if (!response.body) {
		const blob = await response.blob();
		options.onBytes?.(new Uint8Array(await blob.arrayBuffer()));
		onProgress?.({ phase: 'download', loadedBytes: blob.size, totalBytes: blob.size });
		return blob;
	}
	const step = Math.max(totalBytes / 200, 1 << 20);
	const chunks: Uint8Array<ArrayBuffer>[] = [];
	let loadedBytes = 0;
	let reportedBytes = -1;
	const reader = response.body.getReader();
	onProgress?.({ phase: 'download', loadedBytes: 0, totalBytes });
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		chunks.push(value);
		options.onBytes?.(value);
		loadedBytes += value.byteLength;
		if (loadedBytes - reportedBytes >= step) {
			reportedBytes = loadedBytes;
			onProgress?.({ phase: 'download', loadedBytes, totalBytes });
		}
	}
	if (totalBytes > 0 && loadedBytes !== totalBytes) {
		throw new ModelDownloadError(
			`Downloading ${url} stopped after ${loadedBytes} of ${totalBytes} bytes`,
			url,
			response.status
		);
	}
	if (reportedBytes !== loadedBytes) {
		onProgress?.({ phase: 'download', loadedBytes, totalBytes: totalBytes || loadedBytes });
	}
	return new Blob(chunks, { type: 'application/octet-stream' });
}
