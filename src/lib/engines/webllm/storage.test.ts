import { describe, expect, it } from 'vitest';
import type { WebLlmModel } from '#lib/core/model';
import {
	deleteStoredWebLlmModel,
	listStoredWebLlmModels,
	manifestBytes,
	type WebLlmCacheApi
} from './storage';

const model = (id: string): WebLlmModel => ({
	id,
	name: id,
	modelUrl: `https://huggingface.co/mlc-ai/${id}`,
	modelLibUrl: `https://example.test/${id}.wasm`,
	requiredFeatures: [],
	vramRequiredMB: null
});

function fakeCache(stored: string[]) {
	const calls: string[] = [];
	const api: WebLlmCacheApi = {
		async hasModelInCache(id, appConfig) {
			calls.push(`has ${id} ${appConfig.cacheBackend} ${appConfig.model_list[0].model_id}`);
			return stored.includes(id);
		},
		async deleteModelAllInfoInCache(id, appConfig) {
			calls.push(`delete ${id} ${appConfig.cacheBackend}`);
		}
	};
	return { api: Promise.resolve(api), calls };
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).buffer;

describe('WebLLM storage', () => {
	it('sums the shard sizes of a tensor-cache manifest', () => {
		expect(manifestBytes({ records: [{ nbytes: 10 }, { nbytes: 32 }] })).toBe(42);
		expect(manifestBytes({ records: [{ nbytes: 'x' }] })).toBeNull();
		expect(manifestBytes(null)).toBeNull();
	});

	it('lists only stored models, asking WebLLM with the IndexedDB app config', async () => {
		const { api, calls } = fakeCache(['B']);
		const reads: string[] = [];
		const stored = await listStoredWebLlmModels(
			[model('A'), model('B')],
			api,
			async (url, scope) => {
				reads.push(`${scope} ${url}`);
				return encode({ records: [{ nbytes: 1000 }, { nbytes: 500 }] });
			}
		);
		expect(stored).toEqual([{ id: 'B', bytes: 1500 }]);
		expect(calls).toEqual(['has A indexeddb A', 'has B indexeddb B']);
		expect(reads).toEqual([
			'webllm/model https://huggingface.co/mlc-ai/B/resolve/main/tensor-cache.json'
		]);
	});

	it('reports an unknown size rather than failing when the manifest cannot be read', async () => {
		const { api } = fakeCache(['A']);
		expect(await listStoredWebLlmModels([model('A')], api, async () => null)).toEqual([
			{ id: 'A', bytes: null }
		]);
		const garbage = async () => new TextEncoder().encode('{oops').buffer;
		expect(await listStoredWebLlmModels([model('A')], api, garbage)).toEqual([
			{ id: 'A', bytes: null }
		]);
		const bytes = async () => encode({ records: [{ nbytes: 7 }] });
		expect(await listStoredWebLlmModels([model('A')], api, bytes)).toEqual([{ id: 'A', bytes: 7 }]);
	});

	it('deletes through WebLLM with the same app config, then the manifest it leaves behind', async () => {
		const { api, calls } = fakeCache(['A']);
		await deleteStoredWebLlmModel(model('A'), api, async (url, scope) => {
			calls.push(`delete entry ${scope} ${url}`);
		});
		expect(calls).toEqual([
			'delete A indexeddb',
			'delete entry webllm/model https://huggingface.co/mlc-ai/A/resolve/main/tensor-cache.json'
		]);
	});
});
