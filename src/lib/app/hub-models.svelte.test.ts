import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { FakeHub } from '#lib/models/testing/fake-hub';
import { writeTestGguf } from '#lib/models/testing/gguf-writer';
import { readRemoteGguf } from '#lib/models/remote-gguf';
import { downloadToStorage } from '#lib/models/resumable-download';
import { openPlaygroundDb } from '#lib/storage/db';
import { storedPartBytes } from '#lib/storage/model-file-parts';
import { readModelFile } from '#lib/storage/model-files';
import type { HubSources } from './hub-models.svelte';
import { createTestApp, MODELS_URL } from './testing/test-app';

const HUB = 'http://hub.test';
const CHUNK = 1000;
const model = writeTestGguf();
const FILE_URL = `${HUB}/fixture/tiny/resolve/main/tiny.gguf`;

let databases = 0;

async function setup(repos: ConstructorParameters<typeof FakeHub>[0], hubUrl = HUB) {
	const hub = new FakeHub(repos);
	const db = await openPlaygroundDb({ name: `hub-models-${++databases}` });
	const sources: HubSources = {
		hubUrl,
		fetch: hub.fetch,
		readHeader: (url, options) => readRemoteGguf(url, { ...options, fetchImpl: hub.fetch }),
		download: (target, options) =>
			downloadToStorage(db, target, { ...options, fetchImpl: hub.fetch, chunkBytes: CHUNK }),
		partBytes: (url) => storedPartBytes(db, url, CHUNK),
		isStored: async (url) => (await db.get('modelFiles', url)) !== undefined
	};
	const test = createTestApp({ hub: sources });
	await test.app.start(MODELS_URL, { reopen: false });
	const state = test.app.hub;
	if (!state) throw new Error('no Hub state');
	return { ...test, hub, db, state };
}

describe('HubModels', () => {
	it('lists a repository, reads the facts before downloading, then stores and offers the file', async () => {
		const { hub, db, state, app } = await setup({
			'fixture/tiny': { files: { 'tiny.gguf': model, 'README.md': new Uint8Array(10) } }
		});
		state.query = 'fixture/tiny';
		await state.listFiles();
		expect(state.list).toMatchObject({
			status: 'listed',
			repo: 'fixture/tiny',
			files: [{ path: 'tiny.gguf', sizeBytes: model.length, url: FILE_URL }]
		});
		// The only GGUF file is picked, and its facts read from its header alone.
		expect(state.selectedPath).toBe('tiny.gguf');
		expect(state.facts).toMatchObject({
			status: 'read',
			text: 'tiny.gguf: llama · 368 parameters · F32 · trained context 128 · vocabulary 5 · chat template'
		});
		expect(hub.requests.filter((r) => r.path.includes('/resolve/')).every((r) => r.range)).toBe(
			true
		);
		expect(await db.get('modelFiles', FILE_URL)).toBeUndefined();

		expect(state.canDownload).toBe(true);
		await state.downloadSelected();
		expect(state.download).toMatchObject({
			status: 'stored',
			message: expect.stringMatching(/^tiny\.gguf was downloaded, its sha256 checked and stored/)
		});
		const stored = await readModelFile(db, FILE_URL);
		expect(stored.status).toBe('ok');
		expect(app.shelf.selectedChoice).toMatchObject({
			id: 'hub:fixture/tiny/tiny.gguf',
			url: FILE_URL,
			sizeBytes: model.length
		});
	});

	it('picks the file of a pasted resolve/ URL, and resumes a download cut short', async () => {
		const big = new Uint8Array(5000);
		big.set(model);
		const { hub, db, state } = await setup({
			'fixture/tiny': { files: { 'a.gguf': big, 'b/tiny.gguf': model } }
		});
		state.query = `${HUB}/fixture/tiny/blob/main/a.gguf`;
		await state.listFiles();
		expect(state.selectedPath).toBe('a.gguf');
		hub.cutNextDownloadAfter = 2600;
		await state.downloadSelected();
		expect(state.download).toMatchObject({
			status: 'failed',
			keptBytes: 2600,
			message: expect.stringMatching(/stopped after 2600 of 5000 bytes.*Resume goes on from there/)
		});
		await state.select('b/tiny.gguf');
		await state.select('a.gguf');
		expect(state.download).toEqual({ status: 'partial', bytes: 2600 });
		await state.downloadSelected();
		expect(hub.requests.at(-1)).toMatchObject({ range: 'bytes=2600-', status: 206 });
		expect(state.download).toMatchObject({
			status: 'stored',
			message: expect.stringContaining('(resumed from 2.6 KB)')
		});
		const stored = await readModelFile(db, `${HUB}/fixture/tiny/resolve/main/a.gguf`);
		expect(stored.status === 'ok' && new Uint8Array(await stored.blob.arrayBuffer())).toEqual(big);
	});

	it('says clearly when a repository is unknown, gated, has no GGUF, or a file is not GGUF', async () => {
		const { state } = await setup({
			'fixture/gated': { files: { 'g.gguf': model }, gated: true },
			'fixture/none': { files: { 'model.safetensors': new Uint8Array(3) } },
			'fixture/html': { files: { 'page.gguf': new TextEncoder().encode('<!doctype html>') } }
		});
		const failure = async (query: string) => {
			state.query = query;
			await state.listFiles();
			return state.list.status === 'failed' ? state.list.message : null;
		};
		expect(await failure('not a repo')).toMatch(/is not a Hugging Face model: paste org\/repo/);
		expect(await failure('fixture/missing')).toMatch(
			/^fixture\/missing was not found on Hugging Face \(HTTP 401\)/
		);
		expect(await failure('fixture/none')).toMatch(/^fixture\/none has no GGUF files/);

		expect(await failure('fixture/gated')).toBeNull();
		expect(state.facts).toMatchObject({ status: 'refused' });
		expect(state.facts?.text).toMatch(/^fixture\/gated\/g\.gguf is private or gated \(HTTP 401\)/);
		expect(state.canDownload).toBe(false);

		expect(await failure('fixture/html')).toBeNull();
		expect(state.facts?.text).toMatch(/^page\.gguf cannot be loaded: not a GGUF file/);
		expect(state.canDownload).toBe(false);
	});

	it('says a network failure is one', async () => {
		const { state } = await setup({});
		const sources = (state as unknown as { sources: HubSources }).sources;
		sources.fetch = async () => {
			throw new TypeError('Failed to fetch');
		};
		state.query = 'fixture/tiny';
		await state.listFiles();
		expect(state.list).toMatchObject({
			status: 'failed',
			message: expect.stringMatching(/could not be reached \(Failed to fetch\)/)
		});
	});

	it('a catalogue model found by name is stored under the catalogue entry, and not read again', async () => {
		const repo = 'HuggingFaceTB/SmolLM2-135M-Instruct-GGUF';
		const { hub, state, app } = await setup(
			{ [repo]: { files: { 'smollm2-135m-instruct-q8_0.gguf': model } } },
			'https://huggingface.co'
		);
		state.query = `https://huggingface.co/${repo}`;
		await state.listFiles();
		await state.downloadSelected();
		expect(state.download.status).toBe('stored');
		expect(app.shelf.modelId).toBe('smollm2-135m-instruct-q8');
		expect(app.shelf.choices.filter((c) => c.id.startsWith('hub:'))).toEqual([]);

		const asked = hub.requests.length;
		await state.select('smollm2-135m-instruct-q8_0.gguf');
		expect(state.download.status).toBe('stored');
		expect(state.canDownload).toBe(false);
		expect(hub.requests.length).toBe(asked);
	});
});
