import { DEFAULT_CPU_ENGINE } from '#lib/core/model-id';
import type { CatalogueEntry } from './catalogue';

/** A model file in the local models folder, as listed in `/models/index.json`. */
export interface LocalModelFile {
	file: string;
	sizeBytes: number;
	/** ISO date of the last modification. */
	modified: string;
}

export interface LocalModelsIndex {
	models: LocalModelFile[];
}

/** Only plain GGUF file names are listed and served (no paths, no hidden files). */
export const MODEL_FILE_PATTERN = /^[\w][\w.+-]*\.gguf$/i;

export interface DirectoryEntry {
	name: string;
	isFile: boolean;
	sizeBytes: number;
	modifiedMs: number;
}

/** The listing the dev/preview server publishes for a folder's entries. */
export function buildLocalIndex(entries: readonly DirectoryEntry[]): LocalModelsIndex {
	return {
		models: entries
			.filter((e) => e.isFile && MODEL_FILE_PATTERN.test(e.name))
			.map((e) => ({
				file: e.name,
				sizeBytes: e.sizeBytes,
				modified: new Date(e.modifiedMs).toISOString()
			}))
			.sort((a, b) => a.file.localeCompare(b.file))
	};
}

/** Reads a listing defensively: anything malformed is skipped. */
export function parseLocalIndex(json: unknown): LocalModelFile[] {
	const models = (json as { models?: unknown } | null)?.models;
	if (!Array.isArray(models)) return [];
	return models.filter(
		(m): m is LocalModelFile =>
			typeof m?.file === 'string' &&
			MODEL_FILE_PATTERN.test(m.file) &&
			typeof m.sizeBytes === 'number' &&
			Number.isFinite(m.sizeBytes) &&
			typeof m.modified === 'string'
	);
}

/** Where the size of a file in the local models folder comes from: the server measured it. */
export const LOCAL_SOURCE = 'the local models folder (measured by the server)';

/** A model the user can pick: a catalogue entry or a local file, with where to load it from. */
export interface ModelChoice extends CatalogueEntry {
	/** URL to load from: the local copy when there is one, else the remote URL. */
	url: string | null;
	isLocal: boolean;
}

/**
 * Joins the catalogue with the local folder: catalogue models found locally load from there,
 * local files the catalogue does not know are offered after them.
 */
export function modelChoices(
	catalogue: readonly CatalogueEntry[],
	local: readonly LocalModelFile[],
	localBaseUrl: string
): ModelChoice[] {
	const base = localBaseUrl.endsWith('/') ? localBaseUrl : `${localBaseUrl}/`;
	const byFile = new Map(local.map((m) => [m.file, m]));
	const known = catalogue.map((entry): ModelChoice => {
		const file = byFile.get(entry.file);
		return file
			? {
					...entry,
					sizeBytes: file.sizeBytes,
					sizeExact: true,
					source: LOCAL_SOURCE,
					url: base + encodeURIComponent(file.file),
					isLocal: true
				}
			: { ...entry, url: entry.remoteUrl, isLocal: false };
	});
	const catalogued = new Set(catalogue.map((e) => e.file));
	const extra = local
		.filter((m) => !catalogued.has(m.file))
		.map((m): ModelChoice => ({
			id: `local:${m.file}`,
			name: m.file.replace(/\.gguf$/i, ''),
			description: 'A GGUF file from the local models folder.',
			engine: DEFAULT_CPU_ENGINE,
			file: m.file,
			remoteUrl: null,
			sizeBytes: m.sizeBytes,
			sizeExact: true,
			sha256: null,
			source: LOCAL_SOURCE,
			licence: 'unknown',
			chat: null,
			architecture: null,
			contextLength: 2048,
			url: base + encodeURIComponent(m.file),
			isLocal: true
		}));
	return [...known, ...extra];
}

/** Fetches the local listing; an app without a models folder (e.g. static hosting) has none. */
export async function fetchLocalModels(
	indexUrl: string,
	fetchImpl: typeof fetch = fetch
): Promise<LocalModelFile[]> {
	try {
		const response = await fetchImpl(indexUrl, { cache: 'no-store' });
		if (!response.ok) return [];
		return parseLocalIndex(await response.json());
	} catch {
		return [];
	}
}
