import { describe, expect, it } from 'vitest';
import type { LoadProgress, ModelSource } from '#lib/core/model';
import type { WllamaWasmPaths } from './library';
import {
	CHATML_TEMPLATE,
	FAKE_WLLAMA_VOCAB,
	FakeWllama,
	WLLAMA_BOS,
	WLLAMA_EOS,
	WLLAMA_EOT,
	type FakeWllamaScript
} from './testing/fake-wllama';
import { DEFAULT_CONTEXT_LENGTH, NATIVE_SEED, WllamaEngine, type ModelFileCheck } from './wllama';
import { GgufError, readGguf } from '#lib/models/gguf';
import { writeTestGguf } from '#lib/models/testing/gguf-writer';
import { WLLAMA_ARCHITECTURES } from './architectures';
import { FAKE_STORAGE, fakeModelFile } from '../testing/fake-model-file';

const FILE = new Blob([new Uint8Array(1000)]);

function setup(script: FakeWllamaScript = {}, checkModelFile: ModelFileCheck = async () => {}) {
	const created: FakeWllama[] = [];
	const { loadCachedModel, sha256OfBlob, cacheCalls } = fakeModelFile(FILE);
	const engine = new WllamaEngine({
		wasmBaseUrl: 'https://app.test/wllama',
		createWllama: (paths: WllamaWasmPaths) => {
			const fake = new FakeWllama(paths, script);
			created.push(fake);
			return fake;
		},
		libraryVersion: 'b1234',
		loadCachedModel,
		sha256OfBlob,
		checkModelFile
	});
	return { engine, created, cacheCalls };
}

const url = (name = ''): ModelSource => ({
	kind: 'url',
	url: 'https://models.test/files/Tiny%20Model.gguf?download=1',
	name,
	sha256: 'cafe'
});

async function loaded(script: FakeWllamaScript = {}) {
	const test = setup(script);
	const info = await test.engine.load(url('Tiny'));
	return { ...test, info, wllama: test.created[0] };
}

describe('WllamaEngine: loading', () => {
	it('loads a URL through the model cache, with progress, and describes the model', async () => {
		const { engine, created, cacheCalls } = setup();
		const progress: LoadProgress[] = [];
		const info = await engine.load(url(), { onProgress: (p) => progress.push(p) });
		expect(cacheCalls).toEqual([
			{
				url: 'https://models.test/files/Tiny%20Model.gguf?download=1',
				name: 'Tiny Model.gguf',
				sha256: 'cafe'
			}
		]);
		expect(progress).toEqual([
			{ phase: 'download', loadedBytes: 500, totalBytes: 1000 },
			{ phase: 'initialize', loadedBytes: 0, totalBytes: 1000 },
			{ phase: 'initialize', loadedBytes: 1000, totalBytes: 1000 }
		]);
		const wllama = created[0];
		expect(wllama.paths).toEqual({
			'single-thread/wllama.wasm': 'https://app.test/wllama/single-thread/wllama.wasm'
		});
		expect(wllama.loadedWith).toEqual({
			blobs: [FILE],
			config: { n_ctx: DEFAULT_CONTEXT_LENGTH, n_threads: 1, seed: NATIVE_SEED }
		});
		expect(wllama.baseUriDuringLoad).toBe('https://app.test/wllama/');
		expect((globalThis as { document?: unknown }).document).toBeUndefined();
		expect(info).toEqual({
			name: 'Tiny Model.gguf',
			vocabSize: FAKE_WLLAMA_VOCAB,
			contextLength: DEFAULT_CONTEXT_LENGTH,
			trainedContextLength: 4096,
			bosId: WLLAMA_BOS,
			eosId: WLLAMA_EOS,
			stopIds: [WLLAMA_EOS, WLLAMA_EOT],
			addBos: true,
			chatTemplate: CHATML_TEMPLATE,
			specialIds: [WLLAMA_BOS, WLLAMA_EOS, WLLAMA_EOT],
			sha256: 'cafe',
			sizeBytes: 1000,
			storage: FAKE_STORAGE,
			distribution: 'logprobs',
			backend: 'wllama (llama.cpp b1234 in wasm), 1 thread'
		});
		expect(engine.model).toBe(info);
	});

	it('hashes a file the user picked, showing progress, and keeps the chosen context', async () => {
		const { engine, cacheCalls } = setup();
		const progress: LoadProgress[] = [];
		const info = await engine.load(
			{ kind: 'blob', blob: FILE, name: 'mine.gguf' },
			{ contextLength: 512, onProgress: (p) => progress.push(p) }
		);
		expect(cacheCalls).toEqual([]);
		expect(progress.slice(0, 2)).toEqual([
			{ phase: 'verify', loadedBytes: 0, totalBytes: 1000 },
			{ phase: 'verify', loadedBytes: 1000, totalBytes: 1000 }
		]);
		expect(info).toMatchObject({
			name: 'mine.gguf',
			sha256: 'beef',
			storage: null,
			contextLength: 512
		});
	});

	it('refuses WebLLM models', async () => {
		const { engine, created } = setup();
		const webllm = {
			kind: 'webllm',
			model: { name: 'Tiny', id: 'Tiny-MLC' }
		} as unknown as ModelSource;
		await expect(engine.load(webllm)).rejects.toMatchObject({ name: 'UnsupportedSourceError' });
		expect(created).toHaveLength(0);
	});

	it('stops a cancelled load before starting wllama', async () => {
		const { engine, created } = setup();
		const controller = new AbortController();
		controller.abort();
		await expect(engine.load(url(), { signal: controller.signal })).rejects.toMatchObject({
			name: 'AbortError'
		});
		expect(created).toHaveLength(0);
		expect(engine.model).toBeNull();
	});

	it('releases wllama when loading fails, and has no model then', async () => {
		const { engine, created } = setup({ loadError: new Error('bad magic') });
		await expect(engine.load(url())).rejects.toThrow('bad magic');
		expect(created[0].calls).toContain('exit');
		expect(engine.model).toBeNull();
		await expect(engine.tokenize('a')).rejects.toMatchObject({ name: 'ModelNotLoadedError' });
	});

	it('unloads the previous model before loading the next, and on unload()', async () => {
		const { engine, created } = await loaded();
		await engine.load(url('Other'));
		expect(created[0].calls.at(-1)).toBe('exit');
		await engine.unload();
		expect(created[1].calls.at(-1)).toBe('exit');
		expect(engine.model).toBeNull();
		await expect(engine.evaluate([1])).rejects.toMatchObject({ name: 'ModelNotLoadedError' });
	});
});

describe('WllamaEngine: checking the file first', () => {
	const realCheck: ModelFileCheck = (blob) =>
		readGguf(blob, { supportedArchitectures: WLLAMA_ARCHITECTURES });

	it('refuses a malformed file before hashing or starting wllama, naming what is wrong', async () => {
		const { engine, created } = setup({}, realCheck);
		const progress: LoadProgress[] = [];
		const load = engine.load(
			{ kind: 'blob', blob: new Blob([new Uint8Array(4096)]), name: 'zeros.gguf' },
			{ onProgress: (p) => progress.push(p) }
		);
		await expect(load).rejects.toThrow(
			new GgufError('not a GGUF file: it starts with 00 00 00 00, not "GGUF"')
		);
		expect(progress).toEqual([]);
		expect(created).toHaveLength(0);
	});

	it('keeps the previous model loaded when a downloaded file is refused', async () => {
		let refusal: Error | null = null;
		const { engine, created } = setup({}, async () => {
			if (refusal) throw refusal;
		});
		const info = await engine.load(url('Tiny'));
		refusal = new GgufError('GGUF version 99 is not supported (2 or 3)');
		await expect(engine.load(url('Other'))).rejects.toBe(refusal);
		expect(created).toHaveLength(1);
		expect(created[0].calls).not.toContain('exit');
		expect(engine.model).toBe(info);
		await expect(engine.tokenize('a')).resolves.toEqual([97]);
	});

	it('loads a valid GGUF file through the real check', async () => {
		const { engine } = setup({}, realCheck);
		const file = new Blob([writeTestGguf()]);
		await expect(engine.load({ kind: 'blob', blob: file, name: 'ok.gguf' })).resolves.toMatchObject(
			{
				name: 'ok.gguf'
			}
		);
	});
});

describe('WllamaEngine: tokens and chats', () => {
	it('tokenizes parsing special tokens unless told not to', async () => {
		const { engine, wllama } = await loaded();
		expect(await engine.tokenize('<s>a')).toEqual([WLLAMA_BOS, 97]);
		expect(await engine.tokenize('<s>', { special: false })).toEqual([60, 115, 62]);
		expect(wllama.calls.filter((c) => c.startsWith('tokenize'))).toEqual([
			'tokenize true',
			'tokenize false'
		]);
	});

	it("gives tokens' raw bytes, asking wllama once per single token", async () => {
		const { engine, wllama } = await loaded();
		const euro = [0xe2, 0x82, 0xac];
		expect(Array.from(await engine.tokenBytes(euro))).toEqual(euro);
		expect(Array.from(await engine.tokenBytes([0xe2]))).toEqual([0xe2]);
		const again = await engine.tokenBytes([0xe2]);
		again[0] = 0;
		expect(Array.from(await engine.tokenBytes([0xe2]))).toEqual([0xe2]);
		expect(wllama.calls.filter((c) => c === 'detokenize 226')).toHaveLength(1);
	});

	it("formats chats with the model's own Jinja template, opening the assistant's turn", async () => {
		const { engine } = await loaded();
		const text = await engine.formatChat([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Hi' }
		]);
		expect(text).toBe(
			'<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n'
		);
	});

	it("finds the template's special tokens in the vocabulary, with BOS and EOS", async () => {
		const { engine } = await loaded();
		const vocabulary = await engine.chatVocabulary();
		expect(vocabulary.names).toEqual({ bos_token: '<s>', eos_token: '</s>' });
		expect(vocabulary.special).toEqual([
			{ id: WLLAMA_BOS, text: '<s>' },
			{ id: WLLAMA_EOS, text: '</s>' },
			{ id: WLLAMA_EOT + 1, text: '<|im_start|>' },
			{ id: WLLAMA_EOT, text: '<|im_end|>' }
		]);
	});

	it('says the model has no chat template, naming it', async () => {
		const { engine } = await loaded({ chatTemplate: null });
		await expect(engine.formatChat([{ role: 'user', content: 'Hi' }])).rejects.toThrow(
			'"Tiny" has no chat template'
		);
	});
});

describe('WllamaEngine: evaluation and context', () => {
	it('returns the full distribution as log-probabilities in vocabulary order', async () => {
		const probabilities = () =>
			new Map([
				[5, 0.5],
				[97, 0.25],
				[WLLAMA_EOS, 0.25]
			]);
		const { engine, wllama } = await loaded({ probabilities });
		const out = await engine.evaluate([WLLAMA_BOS, 1, 2]);
		expect(out).toHaveLength(FAKE_WLLAMA_VOCAB);
		expect(out[5]).toBeCloseTo(Math.log(0.5));
		expect(out[97]).toBeCloseTo(Math.log(0.25));
		expect(out[WLLAMA_EOS]).toBeCloseTo(Math.log(0.25));
		expect(out[6]).toBe(-Infinity);
		expect(wllama.calls).toContain('getLogits -1');
		expect(engine.contextUsed).toBe(3);
	});

	it('refuses to overflow the context and needs at least one token', async () => {
		const test = setup();
		await test.engine.load(url(), { contextLength: 4 });
		await test.engine.evaluate([1, 2, 3]);
		await expect(test.engine.evaluate([4, 5])).rejects.toMatchObject({
			name: 'ContextFullError'
		});
		await expect(test.engine.evaluate([])).rejects.toBeInstanceOf(RangeError);
		expect(test.engine.contextUsed).toBe(3);
	});

	it('starts afresh after a failed decode', async () => {
		const { engine, wllama } = await loaded();
		await engine.evaluate([1, 2]);
		wllama.script.decodeError = new Error('decode failed');
		await expect(engine.evaluate([3])).rejects.toThrow('decode failed');
		expect(wllama.calls.at(-1)).toBe('kvClear');
		expect(engine.contextUsed).toBe(0);
		await engine.evaluate([1]);
		expect(wllama.context).toEqual([1]);
	});

	it('rolls back by dropping KV-cache entries, or clearing it for 0', async () => {
		const { engine, wllama } = await loaded();
		await engine.evaluate([1, 2, 3, 4]);
		await engine.rollback(2);
		expect(wllama.calls.at(-1)).toBe('kvRemove 2 -1');
		expect(engine.contextUsed).toBe(2);
		expect(wllama.context).toEqual([1, 2]);
		await engine.rollback(5);
		expect(engine.contextUsed).toBe(2);
		await engine.rollback(0);
		expect(wllama.calls.at(-1)).toBe('kvClear');
		expect(engine.contextUsed).toBe(0);
		await expect(engine.rollback(-1)).rejects.toBeInstanceOf(RangeError);
		expect(engine.rollbackReplays).toBe(false);
	});
});

describe('WllamaEngine: crashes', () => {
	it("fails pending and later calls when wllama's own worker crashes", async () => {
		const { engine, wllama } = await loaded({ hang: 'tokenize' });
		const pending = engine.tokenize('a');
		wllama.crash('out of memory');
		await expect(pending).rejects.toMatchObject({
			name: 'EngineCrashedError',
			message: 'The wllama engine crashed: out of memory'
		});
		await expect(engine.evaluate([1])).rejects.toMatchObject({ name: 'EngineCrashedError' });
		expect(engine.model).toBeNull();
		await engine.unload();
		expect(wllama.calls).not.toContain('exit');
	});
});
