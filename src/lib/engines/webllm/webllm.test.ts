import { describe, expect, it } from 'vitest';
import { ForcedTokenError } from './webllm';
import {
	BOS,
	createTestEngine,
	fakeGpu,
	loadTestEngine,
	IM_END,
	MODEL,
	scriptedLogits,
	VOCAB
} from './testing/fixture';

const source = { kind: 'webllm' as const, model: MODEL };

describe('WebLlmEngine: loading', () => {
	it('registers the bridge before reload, makes WebLLM sampling neutral and describes the model', async () => {
		const { fake, info, progress, files } = await loadTestEngine();
		expect(fake.config.appConfig).toEqual({
			model_list: [
				{
					model: MODEL.modelUrl,
					model_id: MODEL.id,
					model_lib: MODEL.modelLibUrl,
					required_features: [],
					vram_required_MB: 100
				}
			],
			cacheBackend: 'indexeddb'
		});
		expect(fake.config.logitProcessorRegistry?.get(MODEL.id)).toBeDefined();
		expect(fake.chatOptions).toEqual({
			temperature: 1,
			top_p: 1,
			repetition_penalty: 1,
			frequency_penalty: 0,
			presence_penalty: 0
		});
		expect(files).toEqual([
			'https://example.test/models/Tiny/resolve/main/mlc-chat-config.json',
			'https://example.test/models/Tiny/resolve/main/tokenizer.json'
		]);
		expect(info).toMatchObject({
			name: 'Tiny',
			vocabSize: VOCAB,
			contextLength: 64,
			bosId: BOS,
			eosId: IM_END,
			stopIds: [IM_END],
			addBos: true,
			distribution: 'logits',
			backend: 'WebGPU (WebLLM 0.2.86), fake adapter'
		});
		expect(progress.map((p) => p.phase)).toEqual([
			'download',
			'download',
			'download',
			'initialize'
		]);
		expect(progress[2]).toMatchObject({ loadedBytes: 10 * 2 ** 20, totalBytes: 20 * 2 ** 20 });
	});

	it('passes the chosen context window to WebLLM', async () => {
		const { engine, fakes } = createTestEngine({ logits: scriptedLogits });
		const info = await engine.load(source, { contextLength: 32 });
		expect(fakes[0].chatOptions?.context_window_size).toBe(32);
		expect(info.contextLength).toBe(32);
	});
});

describe('WebLlmEngine: exact mode', () => {
	it('gives our sampler the raw logits, before anything of WebLLM', async () => {
		const { engine } = await loadTestEngine();
		await engine.rollback(0);
		const seen: Float32Array[] = [];
		const pick = (d: Float32Array) => (seen.push(d.slice()), 5);
		const out = await engine.evaluate([BOS, 72, 105], { pick });
		expect(Array.from(seen[0])).toEqual(Array.from(scriptedLogits([BOS, 72, 105])));
		expect(Array.from(out)).toEqual(Array.from(seen[0]));
	});

	it('fails loudly if WebLLM returns another token than the forced one', async () => {
		const { engine } = await loadTestEngine({ tamper: (forced: number) => (forced + 1) % VOCAB });
		await expect(engine.evaluate([BOS], { pick: () => 3 })).rejects.toBeInstanceOf(
			ForcedTokenError
		);
	});

	it('reports a sampler error after the step, forcing the argmax meanwhile', async () => {
		const { engine, fake } = await loadTestEngine();
		const boom = new Error('bad distribution');
		const pick = () => {
			throw boom;
		};
		await expect(engine.evaluate([BOS], { pick })).rejects.toBe(boom);
		const raw = scriptedLogits([BOS]);
		const argmax = raw.indexOf(Math.max(...raw));
		expect(fake.sampled).toEqual([argmax]);
	});

	it('rolls back by resetting the chat and re-forwarding the kept tokens', async () => {
		const { engine, fake } = await loadTestEngine();
		await engine.rollback(0);
		await engine.evaluate([BOS, 1, 2, 3]);
		await engine.evaluate([4]);
		expect(engine.contextUsed).toBe(5);
		fake.calls.length = 0;
		fake.forwarded.length = 0;
		await engine.rollback(2);
		expect(fake.calls).toEqual(['resetChat']);
		expect(fake.forwarded).toEqual([{ ids: [BOS, 1], isPrefill: true }]);
		expect(engine.contextUsed).toBe(2);
		const after = await engine.evaluate([9]);
		expect(Array.from(after)).toEqual(Array.from(scriptedLogits([BOS, 1, 9])));
		await engine.rollback(3);
		expect(engine.contextUsed).toBe(3);
		expect(fake.forwarded).toHaveLength(2);
	});

	it('refuses to overflow the context', async () => {
		const { engine } = await loadTestEngine();
		await engine.rollback(0);
		await expect(engine.evaluate(new Array(65).fill(1))).rejects.toMatchObject({
			name: 'ContextFullError'
		});
	});

	it("tokenizes with the model's tokenizer and gives byte-level tokens' raw bytes", async () => {
		const { engine } = await loadTestEngine();
		expect(await engine.tokenize('é<|im_end|>')).toEqual([0xc3, 0xa9, IM_END]);
		expect(Array.from(await engine.tokenBytes([32]))).toEqual([32]);
		expect(Array.from(await engine.tokenBytes([0xc3]))).toEqual([0xc3]);
		expect(Array.from(await engine.tokenBytes([0xc3, 0xa9]))).toEqual([0xc3, 0xa9]);
		expect(new TextDecoder().decode(await engine.tokenBytes([IM_END]))).toBe('<|im_end|>');
		expect(Array.from(await engine.tokenBytes([VOCAB - 1]))).toEqual([]);
	});

	it("formats chats with the model's conversation template; BOS comes from addBos", async () => {
		const { engine } = await loadTestEngine();
		const text = await engine.formatChat([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Hi' }
		]);
		expect(text).toBe(
			'<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n'
		);
	});
});

describe('WebLlmEngine: loading errors and cancel', () => {
	it('checks WebGPU before creating WebLLM', async () => {
		const { engine, fakes } = createTestEngine(
			{ logits: scriptedLogits },
			{ gpu: () => undefined }
		);
		await expect(engine.load(source)).rejects.toMatchObject({
			name: 'EngineLoadError',
			code: 'no-webgpu'
		});
		expect(fakes).toHaveLength(0);
	});

	it('refuses a q4f16 model on a GPU without shader-f16 before any download', async () => {
		const { engine, fakes } = createTestEngine(
			{ logits: scriptedLogits },
			{ gpu: () => fakeGpu([]) }
		);
		const f16 = { kind: 'webllm' as const, model: { ...MODEL, requiredFeatures: ['shader-f16'] } };
		await expect(engine.load(f16)).rejects.toMatchObject({ code: 'no-shader-f16' });
		expect(fakes).toHaveLength(0);
	});

	it.each([
		[{ name: 'DeviceLostError', message: 'lost' }, 'device-lost'],
		[{ name: 'ModelNotFoundError', message: 'no such model' }, 'unknown-model'],
		[new TypeError('Failed to fetch'), 'network'],
		[new DOMException('full', 'QuotaExceededError'), 'quota']
	])('maps a failed reload (%o) to %s and releases WebLLM', async (error, code) => {
		const { engine, fakes } = createTestEngine({ logits: scriptedLogits, reloadError: error });
		await expect(engine.load(source)).rejects.toMatchObject({ name: 'EngineLoadError', code });
		expect(fakes[0].calls).toContain('unload');
		expect(engine.model).toBeNull();
	});

	it('maps a tokenizer that cannot be fetched while offline to a network error', async () => {
		const { engine, fakes } = createTestEngine(
			{ logits: scriptedLogits },
			{
				readFile: async () => {
					throw new TypeError('Failed to fetch');
				}
			}
		);
		await expect(engine.load(source)).rejects.toMatchObject({ code: 'network' });
		expect(fakes[0].calls).toContain('unload');
	});

	it('cancels a load with an AbortError and stays usable', async () => {
		const script = { logits: scriptedLogits, reloadHangs: true };
		const { engine, fakes } = createTestEngine(script);
		const controller = new AbortController();
		const loading = engine.load(source, { signal: controller.signal });
		await new Promise((resolve) => setTimeout(resolve, 5));
		controller.abort();
		await expect(loading).rejects.toMatchObject({ name: 'AbortError' });
		expect(fakes[0].calls).toContain('unload');
		script.reloadHangs = false;
		const info = await engine.load(source);
		expect(info.vocabSize).toBe(VOCAB);
		await engine.rollback(0);
		expect((await engine.evaluate([BOS])).length).toBe(VOCAB);
	});

	it('refuses GGUF sources', async () => {
		const { engine } = createTestEngine({ logits: scriptedLogits });
		await expect(
			engine.load({ kind: 'url', url: 'http://localhost/m.gguf' })
		).rejects.toMatchObject({
			name: 'UnsupportedSourceError'
		});
	});
});
