import type { ModelFileStorage } from '#lib/core/model';
import type { BlobHasher, CachedModelLoader } from '../model-file';

/**
 * The browser-storage side of a CPU engine's load, faked for the engine adapters' unit tests
 * (ours and wllama's): every URL is "stored" as `file` with sha256 `cafe` after reporting half
 * of a download, and hashing a blob gives `beef`. `cacheCalls` records what was asked for.
 */
export const FAKE_STORAGE: ModelFileStorage = { status: 'cached', notice: null };

export function fakeModelFile(file: Blob) {
	const cacheCalls: Parameters<CachedModelLoader>[0][] = [];
	const loadCachedModel: CachedModelLoader = async (source, { onProgress, signal }) => {
		cacheCalls.push(source);
		onProgress?.({ phase: 'download', loadedBytes: 500, totalBytes: 1000 });
		signal?.throwIfAborted();
		return { blob: file, sha256: 'cafe', storage: FAKE_STORAGE };
	};
	const sha256OfBlob: BlobHasher = async (blob, { onProgress }) => {
		onProgress?.(blob.size);
		return 'beef';
	};
	return { loadCachedModel, sha256OfBlob, cacheCalls };
}
