import 'fake-indexeddb/auto';
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '#lib/models/catalogue';
import { GgufError, readGguf, type GgufFacts } from '#lib/models/gguf';
import { HeaderReadError } from '#lib/models/remote-gguf';
import { writeTestGguf } from '#lib/models/testing/gguf-writer';
import type { ModelHeaderReader } from './model-facts.svelte';
import { createTestApp, MODELS_URL } from './testing/test-app';

const LOCAL_URL = `${MODELS_URL}stories260K.gguf`;
const SMOLLM = 'smollm2-135m-instruct-q8';
const SMOLLM_URL = CATALOGUE.find((entry) => entry.id === SMOLLM)?.remoteUrl ?? '';

/** A header reader answering from a table of outcomes by URL, recording what it was asked. */
function fakeReader(outcomes: Record<string, GgufFacts | Error>) {
	const asked: { url: string; knownSize: number | null }[] = [];
	const read: ModelHeaderReader = async (url, options) => {
		asked.push({ url, knownSize: options.knownSize });
		const outcome = outcomes[url] ?? new HeaderReadError('HTTP 404');
		if (outcome instanceof Error) throw outcome;
		return outcome;
	};
	return { read, asked };
}

const facts = await readGguf(new Blob([writeTestGguf()]));

async function started(outcomes: Record<string, GgufFacts | Error>) {
	const reader = fakeReader(outcomes);
	const test = createTestApp({ readModelHeader: reader.read });
	await test.app.start(MODELS_URL, { reopen: false });
	flushSync();
	return { ...test, ...reader };
}

describe('ModelFacts', () => {
	it('reads the selected model’s header before loading it, once per URL', async () => {
		const { app, client, asked } = await started({ [LOCAL_URL]: facts });
		expect(asked).toEqual([{ url: LOCAL_URL, knownSize: 1_185_376 }]);
		expect(app.modelFacts.selected).toMatchObject({
			status: 'read',
			text: 'stories260K.gguf: llama · 368 parameters · F32 · trained context 128 · vocabulary 5 · chat template'
		});
		expect(client.loads).toHaveLength(1);

		app.shelf.selectModel(SMOLLM);
		flushSync();
		app.shelf.selectModel('stories260k');
		flushSync();
		await app.loader.loadSelected();
		expect(asked.map((a) => a.url)).toEqual([LOCAL_URL, SMOLLM_URL]);
	});

	it('refuses a bad remote file before downloading it, and the loaded model stays', async () => {
		const bad = new GgufError('architecture zzzzz is not supported; supported: llama');
		const { app, client } = await started({ [LOCAL_URL]: facts, [SMOLLM_URL]: bad });
		app.shelf.selectModel(SMOLLM);
		flushSync();
		await app.loader.loadSelected();
		expect(app.modelFacts.selected).toEqual({
			status: 'refused',
			reason: bad.message,
			text: `smollm2-135m-instruct-q8_0.gguf cannot be loaded: ${bad.message}.`
		});
		expect(client.loads).toHaveLength(1);
		expect(app.notices.error).toBe(`The model file cannot be loaded: ${bad.message}.`);
		expect(app.loader.model?.name).toBe('Fake model');
	});

	it('a header that cannot be read says so, and the download still goes ahead', async () => {
		const { app, client } = await started({ [LOCAL_URL]: facts });
		app.shelf.selectModel(SMOLLM);
		flushSync();
		await app.loader.loadSelected();
		expect(app.modelFacts.selected).toEqual({
			status: 'unreadable',
			text: 'The facts of smollm2-135m-instruct-q8_0.gguf could not be read before downloading it (HTTP 404); it can still be loaded.'
		});
		expect(client.loads.map((l) => l.source)).toContainEqual(
			expect.objectContaining({ kind: 'url', url: SMOLLM_URL })
		);
	});

	it('reads nothing for a stored file, nor from a host outside the policy', async () => {
		const reader = fakeReader({ [LOCAL_URL]: facts });
		const { app, storage, sources } = createTestApp({ readModelHeader: reader.read });
		storage.files = [
			{
				url: LOCAL_URL,
				name: 'stories260K.gguf',
				sizeBytes: 1_185_376,
				sha256: '',
				chunkCount: 1,
				chunkBytes: 1_185_376,
				storedAt: 0,
				lastUsedAt: 0
			}
		];
		sources.modelHosts = [];
		await app.start(MODELS_URL, { reopen: false });
		await app.modelFacts.check(app.shelf.selectedChoice!);
		expect(reader.asked).toEqual([]);
		expect(app.modelFacts.selected).toBeNull();

		app.shelf.selectModel(SMOLLM);
		await app.modelFacts.check(app.shelf.selectedChoice!);
		expect(app.modelFacts.selected).toEqual({
			status: 'unreadable',
			text: "The facts of smollm2-135m-instruct-q8_0.gguf cannot be read here: this app's Content-Security-Policy does not allow downloads from huggingface.co."
		});
		expect(reader.asked).toEqual([]);
	});
});
