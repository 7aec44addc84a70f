/**
 * Downloads a model file straight into the browser's storage, chunk by chunk, so a download cut
 * short (network, Cancel, a closed tab) goes on from the bytes already stored with an HTTP Range
 * request. The finished file is stored exactly as `cached-model.ts` stores a download (same
 * chunks, same record), so it appears among the stored models and later loads read it without
 * the network. Its sha256 is checked against the one expected, when known. Called by the page's
 * Hub state (`app/hub-models.svelte.ts`), with the page's database and fetch.
 */
import type { LoadProgress } from '#lib/core/model';
import { Sha256 } from '#lib/core/sha256';
import type { ModelFileRecord, PlaygroundDb } from '#lib/storage/db';
import {
	deleteChunksFrom,
	finishStoredFile,
	putChunk,
	readStoredPart
} from '#lib/storage/model-file-parts';
import { CHUNK_BYTES, ModelStorageError } from '#lib/storage/model-files';
import { ModelIntegrityError } from './cached-model';
import { ModelDownloadError } from './fetch-model';

export interface DownloadTarget {
	url: string;
	/** Shown in messages and the model manager. */
	name: string;
	/** The exact size, when known (a download of another size is refused). */
	sizeBytes: number | null;
	/** Hex sha256 the file must have, when known. */
	sha256: string | null;
}

export interface ResumableDownloadOptions {
	fetchImpl?: typeof fetch;
	signal?: AbortSignal;
	onProgress?: (progress: LoadProgress) => void;
	chunkBytes?: number;
	now?: () => number;
}

export interface ResumableDownloadResult {
	record: ModelFileRecord;
	/** Bytes that were stored already when this download started (0: from the start). */
	resumedFrom: number;
	/** The file was stored whole already: nothing was fetched. */
	alreadyStored: boolean;
}

const GGUF_MAGIC = [0x47, 0x47, 0x55, 0x46];
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function isQuotaError(error: unknown): boolean {
	return error instanceof Error || error instanceof DOMException
		? error.name === 'QuotaExceededError'
		: false;
}

/** `bytes first-last/total` of a 206. */
function rangeOf(header: string | null): { start: number; total: number | null } | null {
	const match = /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(header?.trim() ?? '');
	if (!match) return null;
	return { start: Number(match[1]), total: match[2] === '*' ? null : Number(match[2]) };
}

/**
 * Downloads `target` into `db` unless it is stored whole already, going on from an earlier
 * download's stored bytes. Throws {@link ModelDownloadError} (network, HTTP status, a download
 * that stopped early: the bytes received are kept for the next try), {@link ModelIntegrityError}
 * (size or sha256 not the expected one, or not a GGUF file: nothing is kept),
 * {@link ModelStorageError}, or the AbortError of `signal` (the bytes received are kept).
 */
export async function downloadToStorage(
	db: PlaygroundDb,
	target: DownloadTarget,
	options: ResumableDownloadOptions = {}
): Promise<ResumableDownloadResult> {
	const { url, name } = target;
	const { signal, onProgress } = options;
	const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
	const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));

	const stored = await db.get('modelFiles', url);
	if (stored && (!target.sha256 || stored.sha256 === target.sha256)) {
		return { record: stored, resumedFrom: stored.sizeBytes, alreadyStored: true };
	}

	let hash = new Sha256();
	const part = stored
		? { bytes: 0, nextIndex: 0, tail: null }
		: await readStoredPart(db, url, chunkBytes, (bytes) => hash.update(bytes));
	if (stored) {
		await db.delete('modelFiles', url);
		await deleteChunksFrom(db, url, 0);
	}
	const resumedFrom = part.bytes;
	let index = part.nextIndex;
	let buffer = new Uint8Array(chunkBytes);
	let buffered = 0;
	if (part.tail) {
		buffer.set(part.tail);
		buffered = part.tail.length;
	}
	let offset = part.bytes;

	const restart = async () => {
		await deleteChunksFrom(db, url, 0);
		hash = new Sha256();
		index = 0;
		buffered = 0;
		offset = 0;
	};
	const store = async (bytes: Uint8Array) => {
		try {
			await putChunk(db, url, index, bytes);
		} catch (error) {
			if (isQuotaError(error)) {
				throw new ModelStorageError(
					`The browser's storage for this site is full, so ${name} could not be downloaded whole. Free space by deleting stored models under "Stored models", then download again: what is stored is kept.`,
					'quota'
				);
			}
			throw new ModelStorageError(
				`${name} could not be kept in the browser's storage (${messageOf(error)})`,
				'failed'
			);
		}
	};
	/** Stores what is buffered, a short chunk included, so the next try goes on from here. */
	const keep = async () => {
		if (buffered > 0) await store(buffer.subarray(0, buffered)).catch(() => {});
	};

	let total = target.sizeBytes;
	if (total === null || offset < total) {
		let response: Response;
		try {
			response = await fetchImpl(url, {
				headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
				signal,
				cache: 'no-store'
			});
		} catch (error) {
			if (signal?.aborted) throw error;
			throw new ModelDownloadError(`Could not reach ${url}: ${messageOf(error)}`, url, null);
		}
		if (response.status === 206) {
			const range = rangeOf(response.headers.get('content-range'));
			if (range?.start !== offset) {
				await response.body?.cancel().catch(() => {});
				throw new ModelDownloadError(
					`The server sent another part of ${name} than the one asked for (from byte ${offset})`,
					url,
					206
				);
			}
			total ??= range.total;
		} else if (response.ok) {
			// A server that ignores Range sends the whole file again: start over.
			if (offset > 0) await restart();
			const length = Number(response.headers.get('content-length'));
			if (total === null && Number.isSafeInteger(length) && length > 0) total = length;
		} else {
			await response.body?.cancel().catch(() => {});
			throw new ModelDownloadError(
				`Downloading ${url} failed: HTTP ${response.status} ${response.statusText}`.trim(),
				url,
				response.status
			);
		}
		if (!response.body) {
			throw new ModelDownloadError(`The server sent no body for ${url}`, url, response.status);
		}

		const step = Math.max((total ?? 0) / 200, 1 << 20);
		let reported = -Infinity;
		const report = (force = false) => {
			if (!force && offset - reported < step) return;
			reported = offset;
			onProgress?.({ phase: 'download', loadedBytes: offset, totalBytes: total ?? 0 });
		};
		report(true);
		const reader = response.body.getReader();
		try {
			for (;;) {
				const { done, value } = await reader.read();
				if (done) break;
				if (offset < GGUF_MAGIC.length) {
					const first = [...buffer.subarray(0, buffered), ...value].slice(0, GGUF_MAGIC.length);
					if (first.some((byte, i) => byte !== GGUF_MAGIC[i])) {
						await reader.cancel().catch(() => {});
						await restart();
						throw new ModelIntegrityError(
							`${name} is not a GGUF file (it does not start with “GGUF”); nothing was stored`,
							url
						);
					}
				}
				if (total !== null && offset + value.length > total) {
					await reader.cancel().catch(() => {});
					await restart();
					throw new ModelIntegrityError(
						`The server sent more than the ${total} bytes ${name} should have; nothing was stored`,
						url
					);
				}
				hash.update(value);
				let rest = value;
				while (rest.length > 0) {
					const taken = Math.min(rest.length, chunkBytes - buffered);
					buffer.set(rest.subarray(0, taken), buffered);
					buffered += taken;
					offset += taken;
					rest = rest.subarray(taken);
					if (buffered === chunkBytes) {
						await store(buffer);
						index++;
						buffered = 0;
						buffer = new Uint8Array(chunkBytes);
					}
				}
				report();
			}
		} catch (error) {
			if (error instanceof ModelIntegrityError || error instanceof ModelStorageError) throw error;
			await keep();
			if (signal?.aborted) throw error;
			throw new ModelDownloadError(
				`Downloading ${name} stopped after ${offset} of ${total ?? '?'} bytes (${messageOf(error)}). The bytes received are kept: download again to go on from there.`,
				url,
				null
			);
		}
		if (total !== null && offset < total) {
			await keep();
			throw new ModelDownloadError(
				`Downloading ${name} stopped after ${offset} of ${total} bytes. The bytes received are kept: download again to go on from there.`,
				url,
				response.status
			);
		}
		report(true);
	}

	if (buffered > 0) await store(buffer.subarray(0, buffered));
	const sizeBytes = offset;
	const sha256 = hash.digestHex();
	if (target.sha256 && sha256 !== target.sha256) {
		await deleteChunksFrom(db, url, 0);
		throw new ModelIntegrityError(
			`The file downloaded from ${url} is not the one Hugging Face lists: its sha256 is ${sha256}, but ${target.sha256} was expected. Nothing was stored.`,
			url
		);
	}
	const now = options.now?.() ?? Date.now();
	const record: ModelFileRecord = {
		url,
		name,
		sizeBytes,
		sha256,
		chunkCount: Math.ceil(sizeBytes / chunkBytes),
		chunkBytes,
		storedAt: now,
		lastUsedAt: now
	};
	await finishStoredFile(db, record);
	return { record, resumedFrom, alreadyStored: false };
}
