import { describe, expect, it } from 'vitest';
import { FieldValidity } from './field-validity.svelte';
import { ModelLoader } from './model-loader.svelte';
import { ModelShelf } from './model-shelf.svelte';
import { Notices } from './notices.svelte';
import { FakeClient, fakeModel } from './testing/fake-client';
import { writeTestGguf } from '#lib/models/testing/gguf-writer';
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
		expect(loader.loadedEngine).toBe('llama');
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

	it('checks a GGUF file before the worker sees it, keeping the loaded model when it is bad', async () => {
		const { client, loader, notices } = await setup();
		await loader.loadSelected();
		const model = loader.model;
		const stored = writeTestGguf({ version: 99 });
		await loader.loadFile(new File([stored], 'v99.gguf'));
		expect(client.loads).toHaveLength(1);
		expect(notices.error).toBe(
			'“v99.gguf” cannot be loaded: GGUF version 99 is not supported (2 or 3).'
		);
		expect(loader.model).toBe(model);
		expect(loader.loadedEngine).toBe('llama');
		await loader.loadFile(new File([new Uint8Array(100)], 'zeros.gguf'));
		expect(notices.error).toBe(
			'“zeros.gguf” cannot be loaded: not a GGUF file: it starts with 00 00 00 00, not "GGUF".'
		);
		expect(client.loads).toHaveLength(1);
	});

	it("shows a good file's facts and loads it", async () => {
		const { client, loader } = await setup();
		await loader.loadFile(new File([writeTestGguf()], 'tiny.gguf'));
		expect(loader.fileFacts).toBe(
			'tiny.gguf: llama · 368 parameters · F32 · trained context 128 · vocabulary 5 · chat template'
		);
		expect(client.loads[0].source).toMatchObject({ kind: 'blob', name: 'tiny.gguf' });
	});

	it('keeps the loaded model when the worker refuses a downloaded file, and only then', async () => {
		const { client, loader, notices } = await setup();
		await loader.loadSelected();
		const model = loader.model;
		client.loadError = Object.assign(
			new Error('truncated: tensor a ends at byte 9, the file has 8'),
			{
				name: 'GgufError'
			}
		);
		await loader.loadSelected();
		expect(notices.error).toBe(
			'The model file cannot be loaded: truncated: tensor a ends at byte 9, the file has 8.'
		);
		expect(loader.model).toBe(model);
		expect(loader.loadedEngine).toBe('llama');
		client.loadError = new Error('out of memory');
		await loader.loadSelected();
		expect(loader.model).toBeNull();
		expect(loader.loadedEngine).toBeNull();
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

	it('loads GGUF models on our engine, or on wllama once picked, and says which one runs', async () => {
		const { client, loader } = await setup();
		await loader.loadSelected();
		expect(client.loadEngines).toEqual(['llama']);
		loader.cpuEngine = 'wllama';
		// The pick applies from the next load.
		expect(loader.loadedEngine).toBe('llama');
		await loader.loadSelected();
		expect(client.loadEngines).toEqual(['llama', 'wllama']);
		expect(loader.loadedEngine).toBe('wllama');
	});

	it('starts with the CPU engine the page was opened with, and reloads on it after a restart', async () => {
		const client = new FakeClient();
		const notices = new Notices();
		const shelf = new ModelShelf(new MemoryShelfSources(), notices);
		await shelf.discover(MODELS_URL);
		const loader = new ModelLoader(client, shelf, new FieldValidity(), notices, {
			cpuEngine: 'wllama'
		});
		expect(loader.cpuEngine).toBe('wllama');
		await loader.loadSelected();
		loader.cpuEngine = 'llama';
		client.restart('gone', client.model);
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(client.loadEngines).toEqual(['wllama', 'wllama']);
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
