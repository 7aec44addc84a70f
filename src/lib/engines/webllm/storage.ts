import type { WebLlmModel } from '#lib/core/model';
import { deleteWebLlmCacheEntry, readWebLlmCacheEntry } from './cache';
import { webLlmAppConfig, webLlmModelBaseUrl } from './config';

/** A WebLLM model whose weights are in WebLLM's IndexedDB cache. */
export interface StoredWebLlmModel {
	id: string;
	/** Bytes of its weights, from its cached manifest; null when the manifest cannot be read. */
	bytes: number | null;
}

/** The two cache functions of WebLLM this module needs (WebLLM's own, or a fake in tests). */
export interface WebLlmCacheApi {
	hasModelInCache(modelId: string, appConfig: ReturnType<typeof webLlmAppConfig>): Promise<boolean>;
	deleteModelAllInfoInCache(
		modelId: string,
		appConfig: ReturnType<typeof webLlmAppConfig>
	): Promise<void>;
}

/** Reads one stored entry: WebLLM keeps `tensor-cache.json` as a parsed object. */
export type CacheReader = (url: string, scope: 'webllm/model') => Promise<unknown>;

const loadWebLlm = (): Promise<WebLlmCacheApi> => import('@mlc-ai/web-llm');

/** Sum of the shard sizes listed in a `tensor-cache.json`, or null when it is not one. */
export function manifestBytes(manifest: unknown): number | null {
	const records = (manifest as { records?: unknown } | null)?.records;
	if (!Array.isArray(records)) return null;
	let total = 0;
	for (const record of records) {
		const bytes = (record as { nbytes?: unknown } | null)?.nbytes;
		if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return null;
		total += bytes;
	}
	return total;
}

/** A manifest as stored: an object, or (from other cache backends) its JSON bytes. */
function parseManifest(entry: unknown): unknown {
	if (!(entry instanceof ArrayBuffer)) return entry;
	try {
		return JSON.parse(new TextDecoder().decode(entry));
	} catch {
		return null;
	}
}

/**
 * Which of `models` WebLLM has stored, with their sizes. Asks WebLLM with the same appConfig it
 * loads with, and reads sizes only from the cache (never the network).
 */
export async function listStoredWebLlmModels(
	models: readonly WebLlmModel[],
	api: Promise<WebLlmCacheApi> = loadWebLlm(),
	read: CacheReader = readWebLlmCacheEntry
): Promise<StoredWebLlmModel[]> {
	const webLlm = await api;
	const stored: StoredWebLlmModel[] = [];
	for (const model of models) {
		if (!(await webLlm.hasModelInCache(model.id, webLlmAppConfig(model)))) continue;
		const manifestUrl = new URL('tensor-cache.json', webLlmModelBaseUrl(model.modelUrl)).href;
		stored.push({
			id: model.id,
			bytes: manifestBytes(parseManifest(await read(manifestUrl, 'webllm/model')))
		});
	}
	return stored;
}

function manifestUrl(model: WebLlmModel): string {
	return new URL('tensor-cache.json', webLlmModelBaseUrl(model.modelUrl)).href;
}

/** Deletes a model's weights, manifest, library and configuration from WebLLM's cache. */
export async function deleteStoredWebLlmModel(
	model: WebLlmModel,
	api: Promise<WebLlmCacheApi> = loadWebLlm(),
	deleteEntry: (url: string, scope: 'webllm/model') => Promise<void> = deleteWebLlmCacheEntry
): Promise<void> {
	await (await api).deleteModelAllInfoInCache(model.id, webLlmAppConfig(model));
	await deleteEntry(manifestUrl(model), 'webllm/model');
}
