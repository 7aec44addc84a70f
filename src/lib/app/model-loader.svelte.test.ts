import { describe, expect, it } from 'vitest';
import { FieldValidity } from './field-validity.svelte';
import { ModelLoader } from './model-loader.svelte';
import { ModelShelf } from './model-shelf.svelte';
import { Notices } from './notices.svelte';
import { FakeClient, fakeModel } from './testing/fake-client';
import { MemoryShelfSources, MODELS_URL } from './testing/test-app';

async function setup() {
	const client = new FakeClient();
	const notices = new Notices();
	const validity = new FieldValidity();
	const shelf = new ModelShelf(new MemoryShelfSources(), notices);
	await shelf.discover(MODELS_URL);
	let stopped = 0;
	const loader = new ModelLoader(client, shelf, validity, notices, {
		threads: 2,
		beforeLoad: async () => void stopped++
	});
	return { client, notices, validity, shelf, loader, stopped: () => stopped };
}

describe('ModelLoader', () => {
	it('loads the picked model from the local folder with its context window and threads', async () => {
		const { client, loader, shelf, stopped } = await setup();
		await loader.loadSelected();
		expect(loader.model?.name).toBe('Fake model');
		expect(loader.loading).toBe(false);
		expect(client.loads[0]).toEqual({
			source: expect.objectContaining({ kind: 'url', url: `${MODELS_URL}stories260K.gguf` }),
			contextLength: shelf.contextLength
		});
		expect(loader.loadedEngine).toBe('wllama');
		expect(stopped()).toBe(1);
	});

	it('shows progress while loading, and a cancelled load leaves no model and says why', async () => {
		const { client, loader, notices } = await setup();
		client.holdLoads = true;
		const loading = loader.loadSelected();
		await Promise.resolve();
		expect(loader.loading).toBe(true);
		expect(loader.progress).toEqual({ phase: 'download', loadedBytes: 1, totalBytes: 4 });
		client.progressLoad({ phase: 'download', loadedBytes: 3, totalBytes: 4 });
		expect(loader.progress?.loadedBytes).toBe(3);
		loader.cancelLoad();
		await loading;
		expect(loader.loading).toBe(false);
		expect(loader.model).toBeNull();
		expect(notices.error).toMatch(/cancelled/);
	});

	it('refuses to load while the context length field is invalid', async () => {
		const { client, loader, validity, notices } = await setup();
		validity.set('contextLength', 'Context length must be at least 16.');
		await loader.loadSelected();
		expect(client.loads).toHaveLength(0);
		expect(notices.error).toBe('Context length must be at least 16.');
	});

	it('refuses files that are not GGUF', async () => {
		const { client, loader, notices } = await setup();
		await loader.loadFile(new File(['x'], 'notes.txt'));
		expect(client.loads).toHaveLength(0);
		expect(notices.error).toContain('is not a GGUF model file');
	});

	it('offers a reload when the GPU device was lost', async () => {
		const { client, loader, notices } = await setup();
		client.loadError = Object.assign(new Error('GPU device lost'), { code: 'device-lost' });
		await loader.loadSelected();
		expect(notices.offerReload).toBe(true);
		expect(loader.model).toBeNull();
	});

	it('a WebLLM model this device cannot run is not loaded, and the user is told why', async () => {
		const { client, loader, shelf, notices } = await setup();
		await shelf.probeDevice();
		shelf.selectModel(`webllm:${shelf.webLlmModels[0].id}`);
		await loader.loadSelected();
		expect(client.loads).toHaveLength(0);
		expect(notices.error).toContain('cannot run here');
	});

	it('loads the model again after the worker restarted', async () => {
		const { client, loader, notices } = await setup();
		await loader.loadSelected();
		client.restart('out of memory', fakeModel());
		expect(loader.model).toBeNull();
		expect(notices.notice).toContain('restarted. Loading Fake model again.');
		await Promise.resolve();
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(client.loads).toHaveLength(2);
		expect(loader.model).not.toBeNull();
	});

	it('useModel loads only a model that is not loaded yet', async () => {
		const { client, loader, shelf } = await setup();
		expect(await loader.useModel('stories260k')).not.toBeNull();
		expect(await loader.useModel('stories260k')).not.toBeNull();
		expect(client.loads).toHaveLength(1);
		expect(loader.isLoaded('stories260k', shelf.contextLength)).toBe(true);
		expect(loader.isLoaded('stories260k', shelf.contextLength + 1)).toBe(false);
	});
});
