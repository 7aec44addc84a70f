import type { LoadProgress, ModelFileStorage } from '#lib/core/model';
import { playgroundDb, type PlaygroundDb } from '#lib/storage/db';
import {
	deleteModelFile,
	readModelFile,
	storeModelFile,
	touchModelFile,
	type ReadModelFileResult
} from '#lib/storage/model-files';
import { Sha256 } from '#lib/core/sha256';
import { fetchModelBlob } from './fetch-model';

/** A downloaded file's sha256 is not the one the catalogue expects: a wrong or altered file. */
export class ModelIntegrityError extends Error {
	override name = 'ModelIntegrityError';
	constructor(
		message: string,
		readonly url: string
	) {
		super(message);
	}
}

export interface CachedModelSource {
	url: string;
	/** Shown in messages and the model manager. */
	name: string;
	/** The hex sha256 the file must have, when known. */
	sha256?: string;
}

export interface CachedModelOptions {
	onProgress?: (progress: LoadProgress) => void;
	signal?: AbortSignal;
	/** Tests pass their own database and fetch. */
	openDb?: () => Promise<PlaygroundDb>;
	fetchImpl?: typeof fetch;
}

export interface CachedModel {
	blob: Blob;
	sha256: string;
	storage: ModelFileStorage;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * A model file from the browser's storage when a good copy is there (no network at all),
 * otherwise downloaded and stored for the next load. A damaged copy is deleted and downloaded
 * again; a file that cannot be stored (full disk) still loads, from memory.
 */
export async function loadCachedModel(
	source: CachedModelSource,
	options: CachedModelOptions = {}
): Promise<CachedModel> {
	const { onProgress, signal } = options;
	const { url, name } = source;
	const db = await (options.openDb ?? playgroundDb)().catch(() => null);

	let damage: string | null = null;
	if (db) {
		const found = await readStored(db, url, options);
		if (found.status === 'ok' && source.sha256 && found.record.sha256 !== source.sha256) {
			damage = "sha256 differs from the catalogue's";
		} else if (found.status === 'ok') {
			await touchModelFile(db, url).catch(() => {});
			return {
				blob: found.blob,
				sha256: found.record.sha256,
				storage: { status: 'cached', notice: null }
			};
		} else if (found.status === 'damaged') {
			damage = found.detail;
		}
		if (damage !== null) await deleteModelFile(db, url).catch(() => {});
	}

	const hash = new Sha256();
	const blob = await fetchModelBlob(url, {
		onProgress,
		signal,
		fetchImpl: options.fetchImpl,
		onBytes: (bytes) => hash.update(bytes)
	});
	const sha256 = hash.digestHex();
	if (source.sha256 && sha256 !== source.sha256) {
		throw new ModelIntegrityError(
			`The file downloaded from ${url} is not ${name}: its sha256 is ${sha256}, but ${source.sha256} was expected. Nothing was stored.`,
			url
		);
	}
	const damagedNotice =
		damage === null
			? null
			: `The stored copy of ${name} was damaged (${damage}); it was downloaded again.`;
	if (!db) {
		return {
			blob,
			sha256,
			storage: {
				status: 'not-stored',
				notice: `${name} could not be stored: this browser's storage (IndexedDB) cannot be opened here.`
			}
		};
	}
	try {
		onProgress?.({ phase: 'store', loadedBytes: 0, totalBytes: blob.size });
		await storeModelFile(
			db,
			{ url, name, blob, sha256 },
			{
				signal,
				onProgress: (storedBytes) =>
					onProgress?.({ phase: 'store', loadedBytes: storedBytes, totalBytes: blob.size })
			}
		);
	} catch (error) {
		if (signal?.aborted) throw error;
		return {
			blob,
			sha256,
			storage: {
				status: 'not-stored',
				notice: [damagedNotice, messageOf(error)].filter(Boolean).join(' ')
			}
		};
	}
	return {
		blob,
		sha256,
		storage: { status: damage === null ? 'downloaded' : 'redownloaded', notice: damagedNotice }
	};
}

/** The stored copy, or `missing` when the database cannot be read (the file is then downloaded). */
async function readStored(
	db: PlaygroundDb,
	url: string,
	{ onProgress, signal }: CachedModelOptions
): Promise<ReadModelFileResult> {
	try {
		return await readModelFile(db, url, {
			signal,
			onProgress: (loadedBytes, totalBytes) =>
				onProgress?.({ phase: 'read', loadedBytes, totalBytes })
		});
	} catch (error) {
		if (signal?.aborted) throw error;
		return { status: 'missing' };
	}
}
