import type { LoadProgress, ModelFileStorage, ModelSource } from '#lib/core/model';
import { UnsupportedSourceError } from './errors';

/**
 * How the CPU engines (ours and wllama) get a GGUF file before llama.cpp sees it: downloaded or
 * read from the browser's storage, checked, and hashed. The worker hands in the real storage,
 * hasher and GGUF check; the engine adapters call {@link fileForLoad}.
 */

/** A GGUF file from the browser's storage, or downloaded (and stored) when it is not there. */
export type CachedModelLoader = (
	source: { url: string; name: string; sha256?: string },
	options: { onProgress?: (progress: LoadProgress) => void; signal?: AbortSignal }
) => Promise<{ blob: Blob; sha256: string; storage: ModelFileStorage }>;

/** Hex sha256 of a blob; `onProgress` gets the bytes hashed so far. */
export type BlobHasher = (
	blob: Blob,
	options: { onProgress?: (hashedBytes: number) => void; signal?: AbortSignal }
) => Promise<string>;

/**
 * Refuses a file llama.cpp should not be given (malformed GGUF, unsupported architecture) with a
 * message naming what is wrong; the worker passes `models/gguf.ts`'s reader.
 */
export type ModelFileCheck = (blob: Blob) => Promise<unknown>;

export interface ModelFileDeps {
	loadCachedModel: CachedModelLoader;
	sha256OfBlob: BlobHasher;
	checkModelFile: ModelFileCheck;
}

export type FetchedModelFile =
	| {
			ok: true;
			blob: Blob;
			sha256: string;
			storage: ModelFileStorage | null;
			/** The file's name from its URL ('' for a blob). */
			fileName: string;
	  }
	/** `refused`: the check refused the file, so a model loaded before may stay loaded. */
	| { ok: false; error: unknown; refused: boolean };

/** The file a GGUF source names, checked and hashed; never throws. */
export async function fetchModelFile(
	source: Extract<ModelSource, { kind: 'url' | 'blob' }>,
	deps: ModelFileDeps,
	options: { onProgress?: (progress: LoadProgress) => void; signal?: AbortSignal }
): Promise<FetchedModelFile> {
	const { onProgress, signal } = options;
	const fileName =
		source.kind === 'url'
			? decodeURIComponent(source.url.split(/[?#]/)[0].split('/').pop() ?? '')
			: '';
	let refused = false;
	const check = (file: Blob) =>
		deps.checkModelFile(file).catch((error: unknown) => {
			refused = true;
			throw error;
		});
	try {
		if (source.kind === 'url') {
			const { blob, sha256, storage } = await deps.loadCachedModel(
				{ url: source.url, name: source.name || fileName, sha256: source.sha256 },
				{ onProgress, signal }
			);
			await check(blob);
			signal?.throwIfAborted();
			return { ok: true, blob, sha256, storage, fileName };
		}
		const file = source.blob;
		await check(file);
		onProgress?.({ phase: 'verify', loadedBytes: 0, totalBytes: file.size });
		const sha256 = await deps.sha256OfBlob(file, {
			signal,
			onProgress: (loadedBytes) =>
				onProgress?.({ phase: 'verify', loadedBytes, totalBytes: file.size })
		});
		signal?.throwIfAborted();
		return { ok: true, blob: file, sha256, storage: null, fileName };
	} catch (error) {
		return { ok: false, error, refused };
	}
}

/**
 * The file a CPU engine's `load` goes on with, once the model it had is unloaded. The file is
 * fetched and checked while that model is still loaded: a file the check refuses leaves it
 * usable; any other failure unloads it. Throws what went wrong.
 */
export async function fileForLoad(
	source: ModelSource,
	deps: ModelFileDeps,
	options: { onProgress?: (progress: LoadProgress) => void; signal?: AbortSignal },
	unloadPrevious: () => Promise<void>
): Promise<Extract<FetchedModelFile, { ok: true }> & { sourceName: string | undefined }> {
	if (source.kind === 'webllm') {
		throw new UnsupportedSourceError(
			`The CPU engine runs GGUF files; "${source.model.name}" is a WebLLM model and needs the WebGPU engine`
		);
	}
	const file = await fetchModelFile(source, deps, options);
	if (!file.ok) {
		if (!file.refused) await unloadPrevious();
		throw file.error;
	}
	await unloadPrevious();
	return { ...file, sourceName: source.name };
}
