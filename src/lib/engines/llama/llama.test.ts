import { describe, expect, it } from 'vitest';
import type { LoadProgress, ModelSource } from '#lib/core/model';
import type { ModelFileCheck } from '../model-file';
import { FAKE_STORAGE, fakeModelFile } from '../testing/fake-model-file';
import type { ReadBlobSync } from './model-reader';
import {
	defaultLogits,
	FAKE_BOS,
	FAKE_EOS,
	FAKE_EOT,
	FAKE_VOCAB,
	FakeBinding,
	type FakeBindingScript
} from './testing/fake-binding';
import {
	BATCH_SIZE,
	DEFAULT_CONTEXT_LENGTH,
	LANE_SEQUENCES,
	laneSequencesFor,
	LlamaEngine
} from './llama';

const FILE_BYTES = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
const FILE = new Blob([FILE_BYTES]);

function setup(
	scripts: FakeBindingScript[] = [{}],
	checkModelFile: ModelFileCheck = async () => {},
	readBlobSync?: ReadBlobSync
) {
	const created: FakeBinding[] = [];
	const { loadCachedModel, sha256OfBlob } = fakeModelFile(FILE);
	const engine = new LlamaEngine({
		createBinding: async () => {
			const fake = new FakeBinding(scripts[Math.min(created.length, scripts.length - 1)]);
			created.push(fake);
			return fake;
		},
		libraryVersion: 'b7000',
		readBlobSync,
		loadCachedModel,
		sha256OfBlob,
		checkModelFile
	});
	return { engine, created };
}

const url: ModelSource = {
	kind: 'url',
	url: 'https://models.test/files/Tiny%20Model.gguf?download=1',
	sha256: 'cafe'
};

describe('LlamaEngine: loading', () => {
	it('holds 16 lanes at the default context and fewer for a long one, bounding KV memory', () => {
		expect(laneSequencesFor(DEFAULT_CONTEXT_LENGTH)).toBe(LANE_SEQUENCES);
		expect(laneSequencesFor(8192)).toBe(7);
		expect(laneSequencesFor(32_768)).toBe(1);
		expect(laneSequencesFor(65_536)).toBe(0);
	});

	it("loads a URL's bytes into a new instance and describes the model", async () => {
		const { engine, created } = setup();
		const progress: LoadProgress[] = [];
		const info = await engine.load(url, { onProgress: (p) => progress.push(p) });
		expect(created).toHaveLength(1);
		expect(created[0].loadedWith?.bytes).toEqual(FILE_BYTES);
		expect(created[0].loadedWith?.options).toEqual({
			nCtx: DEFAULT_CONTEXT_LENGTH,
			kvType: 'f32',
			nSeqMax: LANE_SEQUENCES + 1,
			onRead: expect.any(Function)
		});
		expect(engine.maxSequences).toBe(LANE_SEQUENCES);
		expect(info).toEqual({
			name: 'Tiny Model.gguf',
			vocabSize: FAKE_VOCAB,
			contextLength: DEFAULT_CONTEXT_LENGTH,
			trainedContextLength: 4096,
			bosId: FAKE_BOS,
			eosId: FAKE_EOS,
			stopIds: [FAKE_EOS, FAKE_EOT],
			addBos: true,
			chatTemplate: null,
			specialIds: [FAKE_BOS, FAKE_EOS, FAKE_EOT, FAKE_VOCAB - 1],
			sha256: 'cafe',
			sizeBytes: 1000,
			storage: FAKE_STORAGE,
			distribution: 'logits',
			backend: 'our llama.cpp build (llama.cpp b7000 in wasm), 1 thread'
		});
		expect(progress.map((p) => p.phase)).toEqual([
			'download',
			'initialize',
			'initialize',
			'initialize'
		]);
		expect(engine.engineId).toBe('llama');
		expect(engine.rollbackReplays).toBe(false);
	});

	it('reads a stored file slice by slice while llama.cpp loads it, reporting the bytes read', async () => {
		const slices: [number, number][] = [];
		const { engine, created } = setup(
			[{}],
			async () => {},
			(blob, start, end) => {
				expect(blob).toBe(FILE);
				slices.push([start, end]);
				return FILE_BYTES.slice(start, end).buffer;
			}
		);
		const progress: LoadProgress[] = [];
		await engine.load(url, { onProgress: (p) => progress.push(p) });
		expect(created[0].loadedWith?.bytes).toEqual(FILE_BYTES);
		expect(slices).toEqual([[0, 1000]]);
		expect(progress.filter((p) => p.phase === 'initialize').map((p) => p.loadedBytes)).toEqual([
			0, 1000, 1000
		]);
	});

	it('hashes a picked file and keeps the chosen context', async () => {
		const { engine, created } = setup();
		const info = await engine.load(
			{ kind: 'blob', blob: FILE, name: 'mine.gguf' },
			{ contextLength: 64 }
		);
		expect(info.sha256).toBe('beef');
		expect(info.contextLength).toBe(64);
		expect(info.storage).toBeNull();
		expect(created[0].loadedWith?.options.nCtx).toBe(64);
	});

	it('refuses WebLLM models', async () => {
		const { engine, created } = setup();
		const source: ModelSource = {
			kind: 'webllm',
			model: {
				id: 'x',
				name: 'X',
				modelUrl: '',
				modelLibUrl: '',
				requiredFeatures: [],
				vramRequiredMB: null
			}
		};
		await expect(engine.load(source)).rejects.toMatchObject({ name: 'UnsupportedSourceError' });
		expect(created).toHaveLength(0);
	});

	it('keeps the previous model when the file check refuses the next one', async () => {
		let refuse = false;
		const { engine, created } = setup([{}], async () => {
			if (refuse) throw new Error('not a GGUF file');
		});
		await engine.load(url);
		refuse = true;
		await expect(engine.load(url)).rejects.toThrow('not a GGUF file');
		expect(created).toHaveLength(1);
		expect(engine.model?.name).toBe('Tiny Model.gguf');
		expect(await engine.evaluate([1])).toHaveLength(FAKE_VOCAB);
	});

	it("names the model and llama.cpp's reason when loading fails, freeing the instance", async () => {
		const { engine, created } = setup([{ loadError: 'unknown model architecture: foo' }]);
		await expect(engine.load(url)).rejects.toThrow(
			'Loading "Tiny Model.gguf" failed: unknown model architecture: foo'
		);
		expect(created[0].unloaded).toBe(true);
		await expect(engine.tokenize('a')).rejects.toMatchObject({ name: 'ModelNotLoadedError' });
	});

	it('frees the previous instance before loading the next, and on unload()', async () => {
		const { engine, created } = setup();
		await engine.load(url);
		await engine.load(url);
		expect(created).toHaveLength(2);
		expect(created[0].unloaded).toBe(true);
		await engine.unload();
		expect(created[1].unloaded).toBe(true);
		expect(engine.model).toBeNull();
	});
});

describe('LlamaEngine: tokens and chats', () => {
	it('tokenizes without adding BOS, parsing special tokens unless told not to', async () => {
		const { engine } = setup();
		await engine.load(url);
		expect(await engine.tokenize('a<eos>')).toEqual([97, FAKE_EOS]);
		expect(await engine.tokenize('a<eos>', { special: false })).toEqual([
			97, 60, 101, 111, 115, 62
		]);
	});

	it("gives tokens' raw bytes, asking the module once per token", async () => {
		const { engine, created } = setup();
		await engine.load(url);
		created[0].calls.length = 0;
		const euro = [0xe2, 0x82, 0xac];
		expect(await engine.tokenBytes(euro)).toEqual(Uint8Array.from(euro));
		// Control tokens as their text.
		expect(await engine.tokenBytes([0xe2, FAKE_EOS])).toEqual(
			Uint8Array.of(0xe2, ...new TextEncoder().encode('<eos>'))
		);
		expect(created[0].calls.filter((c) => c === 'tokenBytes')).toHaveLength(4);
		await expect(engine.tokenBytes([FAKE_VOCAB])).rejects.toThrow('outside the vocabulary');
	});

	it("renders chats with the model's own Jinja template, the assistant's turn open", async () => {
		const template =
			'{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}';
		const { engine } = setup([{ chatTemplate: template }]);
		await engine.load(url);
		const messages = [
			{ role: 'system' as const, content: 'Be brief.' },
			{ role: 'user' as const, content: 'Hi' }
		];
		expect(await engine.formatChat(messages)).toBe(
			'<s>[system]Be brief.<eos>[user]Hi<eos>[assistant]'
		);
	});

	it('lists the control tokens with their text, once per load', async () => {
		const { engine, created } = setup();
		await engine.load(url);
		const vocabulary = await engine.chatVocabulary();
		expect(vocabulary.special).toEqual([
			{ id: FAKE_BOS, text: '<s>' },
			{ id: FAKE_EOS, text: '<eos>' },
			{ id: FAKE_EOT, text: '<eot>' },
			{ id: FAKE_VOCAB - 1, text: '<ctl>' }
		]);
		expect(vocabulary.names).toEqual({ bos_token: '<s>', eos_token: '<eos>' });
		const calls = created[0].calls.length;
		expect(await engine.chatVocabulary()).toBe(vocabulary);
		expect(created[0].calls).toHaveLength(calls);
	});

	it('says the model has no chat template, naming it', async () => {
		const { engine } = setup([{ chatTemplate: null }]);
		await engine.load(url);
		await expect(engine.formatChat([{ role: 'user', content: 'Hi' }])).rejects.toThrow(
			'"Tiny Model.gguf" has no chat template'
		);
	});
});

describe('LlamaEngine: evaluation and context', () => {
	it("returns the last token's raw logits, in one reused buffer of vocabulary length", async () => {
		const { engine, created } = setup();
		await engine.load(url);
		const first = await engine.evaluate([FAKE_BOS, 1, 2]);
		expect(first).toHaveLength(FAKE_VOCAB);
		expect(first).toEqual(defaultLogits([FAKE_BOS, 1, 2]));
		const second = await engine.evaluate([3]);
		// No allocation per token: the same array, now holding the next step's logits (the fake
		// replaced its own buffer, as grown wasm memory would).
		expect(second).toBe(first);
		expect(second).toEqual(defaultLogits([FAKE_BOS, 1, 2, 3]));
		await engine.evaluate([4]);
		// Each step's batch is the same arrays, refilled.
		expect(created[0].batches[2]).toBe(created[0].batches[1]);
		expect(Array.from(created[0].batches[2].tokens)).toEqual([4]);
		expect(engine.contextUsed).toBe(5);
		expect(created[0].tokens).toEqual([FAKE_BOS, 1, 2, 3, 4]);
	});

	it('sums up the array it returned, for figures, and nothing else', async () => {
		const { engine } = setup();
		await engine.load(url);
		const logits = await engine.evaluate([FAKE_BOS, 1, 2]);
		const summary = engine.summaryOf(logits);
		const max = Math.max(...logits);
		expect(summary?.max).toBe(max);
		expect(summary?.logSum).toBeCloseTo(
			Math.log(logits.reduce((sum, x) => sum + Math.exp(x - max), 0)),
			12
		);
		expect(engine.summaryOf(logits.slice())).toBeNull();
		await engine.evaluate([3]);
		expect(engine.summaryOf(logits)?.max).toBe(Math.max(...logits));
		await engine.unload();
		expect(engine.summaryOf(logits)).toBeNull();
	});

	it('feeds a long prompt in batches, asking logits of the last row only', async () => {
		const { engine, created } = setup();
		await engine.load(url, { contextLength: 2048 });
		const prompt = Array.from({ length: BATCH_SIZE + 10 }, (_, i) => i % 200);
		const logits = await engine.evaluate(prompt);
		expect(logits).toEqual(defaultLogits(prompt));
		expect(created[0].calls.filter((c) => c === 'decode')).toHaveLength(2);
		expect(created[0].calls.filter((c) => c === 'logits')).toHaveLength(1);
		expect(engine.contextUsed).toBe(prompt.length);
	});

	it('refuses to overflow the context, empty input and ids outside the vocabulary', async () => {
		const { engine } = setup();
		await engine.load(url, { contextLength: 4 });
		await engine.evaluate([1, 2, 3]);
		await expect(engine.evaluate([4, 5])).rejects.toMatchObject({ name: 'ContextFullError' });
		await expect(engine.evaluate([])).rejects.toThrow('at least one token');
		await expect(engine.evaluate([FAKE_VOCAB])).rejects.toThrow('outside the vocabulary');
		expect(engine.contextUsed).toBe(3);
	});

	it('says what failed when a decode fails, and keeps the context before it', async () => {
		const { engine, created } = setup([{}]);
		await engine.load(url);
		await engine.evaluate([1, 2]);
		created[0].script.decodeError = 'llama_decode failed with status 2';
		await expect(engine.evaluate([3])).rejects.toThrow(
			'Decoding 1 token failed: llama_decode failed with status 2'
		);
		expect(engine.contextUsed).toBe(2);
		expect(await engine.evaluate([3])).toEqual(defaultLogits([1, 2, 3]));
	});

	it('rolls back by removing sequence 0 from a position on, keeping the other sequences', async () => {
		const { engine, created } = setup();
		await engine.load(url);
		await engine.evaluate([1, 2, 3, 4]);
		await engine.rollback(2);
		expect(engine.contextUsed).toBe(2);
		expect(created[0].calls).toContain('seqRemove 0 2');
		// The next token lands where a run that never went further would put it.
		expect(await engine.evaluate([9])).toEqual(defaultLogits([1, 2, 9]));
		await engine.rollback(10);
		expect(engine.contextUsed).toBe(3);
		await engine.rollback(0);
		expect(engine.contextUsed).toBe(0);
		// Not a clear: branches explore keeps in other sequences survive a new run.
		expect(created[0].calls.at(-1)).toBe('seqRemove 0 0');
	});
});

describe('LlamaEngine: an aborted instance', () => {
	it('fails with a crash naming what it was doing, then a new load starts a new instance', async () => {
		const { engine, created } = setup([{ trap: 'decode' }, {}]);
		await engine.load(url);
		const crash = engine.evaluate([1]);
		await expect(crash).rejects.toMatchObject({ name: 'EngineCrashedError' });
		await expect(crash).rejects.toThrow(
			'Decoding 1 token failed: the llama.cpp engine stopped (unreachable)'
		);
		await expect(engine.tokenize('a')).rejects.toMatchObject({ name: 'EngineCrashedError' });
		// The dead instance is not called again, not even to free it.
		const callsAfterCrash = created[0].calls.length;

		const progress: LoadProgress[] = [];
		await engine.load(url, { onProgress: (p) => progress.push(p) });
		expect(created[0].calls).toHaveLength(callsAfterCrash);
		expect(created).toHaveLength(2);
		expect(progress.some((p) => p.detail?.includes('Restarting the engine'))).toBe(true);
		expect(await engine.evaluate([1])).toEqual(defaultLogits([1]));
	});

	it('recovers from an instance that aborts while loading', async () => {
		const { engine, created } = setup([{ trap: 'load' }, {}]);
		await expect(engine.load(url)).rejects.toThrow('Loading "Tiny Model.gguf" failed');
		expect(created[0].unloaded).toBe(false);
		await engine.load(url);
		expect(created).toHaveLength(2);
		expect(await engine.tokenize('a')).toEqual([97]);
	});
});
