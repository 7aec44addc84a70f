import { describe, expect, it } from 'vitest';
import { ModelShelf } from './model-shelf.svelte';
import { Notices } from './notices.svelte';
import { StoredModels } from './stored-models.svelte';
import { FakeClient } from './testing/fake-client';
import { MemoryModelStorage, MemoryShelfSources } from './testing/test-app';

function setup() {
	const client = new FakeClient();
	const storage = new MemoryModelStorage();
	const notices = new Notices();
	const shelf = new ModelShelf(new MemoryShelfSources(), notices);
	const stored = new StoredModels(client, shelf, storage, notices);
	const webLlm = shelf.webLlmModels[0];
	client.stored.push({ id: webLlm.id, bytes: 1000 });
	storage.files = [
		{
			url: 'http://test/a.gguf',
			name: 'a.gguf',
			sizeBytes: 10,
			sha256: '0',
			chunkCount: 1,
			chunkBytes: 10,
			storedAt: 0,
			lastUsedAt: 0
		}
	];
	return { client, storage, notices, stored, webLlm };
}

describe('StoredModels', () => {
	it('lists what the browser stores', async () => {
		const { stored, webLlm } = setup();
		await stored.refresh();
		expect(stored.storedModels).toEqual([{ id: webLlm.id, bytes: 1000 }]);
		expect(stored.storedFiles?.map((f) => f.name)).toEqual(['a.gguf']);
		expect(stored.storage?.supported).toBe(true);
	});

	it('deletes one file, or everything of both engines', async () => {
		const { stored, client, webLlm } = setup();
		await stored.refresh();
		await stored.deleteStoredFile('http://test/a.gguf');
		expect(stored.storedFiles).toEqual([]);
		await stored.deleteStored();
		expect(client.deleted).toEqual([webLlm.id]);
		expect(stored.storedModels).toEqual([]);
	});

	it('says when the browser will not keep models for good', async () => {
		const { stored, notices } = setup();
		await stored.requestPersistence();
		expect(notices.notice).toContain('did not agree');
	});
});
