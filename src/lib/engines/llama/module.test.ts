import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SPEC, llamaModel } from '../../../../tools/gguf/llama';
import { makeModel } from '../../../../tools/gguf/make-model';
import { gguf, writeGgufBytes } from '../../../../tools/gguf/writer';
import { EngineCrashedError } from '../errors';
import { LlamaError, LlamaWasm } from './module';
import { argmax, greedyTokens } from './testing/greedy';

// The committed module and the shipped test model, with the oracles of models/README.md.
const root = path.resolve(import.meta.dirname, '../../../..');
const wasmBytes = await readFile(path.join(root, 'static/engine/playground-llama.wasm'));
const modelBytes = new Uint8Array(await readFile(path.join(root, 'models/stories260K.gguf')));
const compiled = await WebAssembly.compile(wasmBytes);

const PROMPT = 'Once upon a time';
const GREEDY_40 =
	', there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball.';

async function loaded(options: { nSeqMax?: number } = {}): Promise<LlamaWasm> {
	const llama = await LlamaWasm.instantiate(compiled);
	llama.load(modelBytes, { nCtx: 256, ...options });
	return llama;
}

function softmax(values: Float32Array): Float64Array {
	let max = -Infinity;
	for (const v of values) max = Math.max(max, v);
	const p = Float64Array.from(values, (v) => Math.exp(v - max));
	const sum = p.reduce((a, b) => a + b, 0);
	return p.map((v) => v / sum);
}

function text(llama: LlamaWasm, tokens: number[]): string {
	const bytes = tokens.flatMap((t) => Array.from(llama.tokenBytes(t)));
	return new TextDecoder().decode(new Uint8Array(bytes));
}

describe('LlamaWasm on stories260K', () => {
	let llama: LlamaWasm;
	beforeAll(async () => {
		llama = await loaded({ nSeqMax: 4 });
	});

	it('reports the model facts', () => {
		expect(llama.facts()).toMatchObject({
			architecture: 'llama',
			nVocab: 512,
			nCtx: 256,
			nCtxTrain: 2048,
			nSeqMax: 4,
			bos: 1,
			eos: 2,
			addBos: true
		});
		expect(llama.meta('general.architecture')).toBe('llama');
		expect(llama.meta('no.such.key')).toBeNull();
		expect(llama.isEndOfGeneration(2)).toBe(true);
		expect(llama.isEndOfGeneration(432)).toBe(false);
	});

	it('tokenizes the oracle prompt, with and without BOS', () => {
		expect(Array.from(llama.tokenize(PROMPT, { addBos: false, parseSpecial: false }))).toEqual([
			403, 407, 261, 378
		]);
		expect(Array.from(llama.tokenize(PROMPT, { addBos: true, parseSpecial: false }))).toEqual([
			1, 403, 407, 261, 378
		]);
		// SentencePiece: the first piece carries the word's leading space.
		expect(text(llama, [403, 407, 261, 378])).toBe(` ${PROMPT}`);
	});

	it('gives the first-step probabilities from raw logits', () => {
		llama.clear();
		const prompt = llama.tokenize(PROMPT, { addBos: true, parseSpecial: false });
		llama.decode({
			tokens: prompt,
			positions: Array.from(prompt, (_, i) => i),
			seqs: Array.from(prompt, () => 0),
			logits: Array.from(prompt, (_, i) => i === prompt.length - 1)
		});
		const logits = llama.logits(prompt.length - 1);
		expect(argmax(logits)).toBe(432);
		const p = softmax(logits);
		// The README's oracle is p ≈ 0.9687 (0.968794 here): within half a unit of the 4th decimal.
		expect(Math.abs(p[432] - 0.9687)).toBeLessThan(1e-4);
		expect(Math.abs(p[383] - 0.0288)).toBeLessThan(1e-4);
		expect(Math.abs(p[322] - 0.0003)).toBeLessThan(1e-4);
		// The summary for figures agrees with the same sums in f64.
		const summary = llama.logitsSummary(prompt.length - 1);
		const max = Math.max(...logits);
		const logSum = Math.log(logits.reduce((sum, x) => sum + Math.exp(x - max), 0));
		const entropy = -p.reduce((h, q) => (q > 0 ? h + q * Math.log(q) : h), 0);
		expect(summary.max).toBe(max);
		expect(summary.logSum).toBeCloseTo(logSum, 6);
		expect(summary.logSum - summary.meanShift).toBeCloseTo(entropy, 6);
		expect(() => llama.logitsSummary(0)).toThrow(/has no logits/);
	});

	it('generates the greedy 40-token text, and again after clearing', () => {
		const prompt = llama.tokenize(PROMPT, { addBos: true, parseSpecial: false });
		llama.clear();
		expect(text(llama, greedyTokens(llama, prompt, 40))).toBe(GREEDY_40);
		llama.clear();
		expect(text(llama, greedyTokens(llama, prompt, 40))).toBe(GREEDY_40);
	});

	it('continues a copied sequence like the original, and rolls one back', () => {
		llama.clear();
		const prompt = Array.from(llama.tokenize(PROMPT, { addBos: true, parseSpecial: false }));
		llama.decode({
			tokens: prompt,
			positions: prompt.map((_, i) => i),
			seqs: prompt.map(() => 0),
			logits: prompt.map((_, i) => i === prompt.length - 1)
		});
		const first = llama.logits(prompt.length - 1).slice();
		llama.seqCopy(0, 1);
		expect(llama.seqPosMax(1)).toBe(prompt.length - 1);
		// Both lanes take the same next token in one batch. Their logits agree to float rounding
		// but are NOT bit-identical: the two rows see the cache through different masks.
		const next = argmax(first);
		llama.decode({ tokens: [next, next], positions: [5, 5], seqs: [0, 1], logits: [true, true] });
		const a = llama.logits(0).slice();
		const b = llama.logits(1).slice();
		expect(argmax(b)).toBe(argmax(a));
		for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4);
		llama.seqRemove(1, 5);
		expect(llama.seqPosMax(1)).toBe(4);
		expect(llama.seqPosMax(0)).toBe(5);
	});

	it('refuses ids, positions, sequences and rows it cannot take, with a message', () => {
		llama.clear();
		expect(() => llama.tokenBytes(512)).toThrow(
			/token id 512 is outside the vocabulary \(0\.\.511\)/
		);
		expect(() => llama.tokenBytes(-1)).toThrow(LlamaError);
		expect(() =>
			llama.decode({ tokens: [600], positions: [0], seqs: [0], logits: [true] })
		).toThrow(/token id 600 is outside the vocabulary/);
		expect(() =>
			llama.decode({ tokens: [1], positions: [256], seqs: [0], logits: [true] })
		).toThrow(/position 256 is outside the context/);
		expect(() => llama.decode({ tokens: [1], positions: [3], seqs: [0], logits: [true] })).toThrow(
			/sequence 0 continues at position 0, not 3/
		);
		expect(() => llama.decode({ tokens: [1], positions: [0], seqs: [4], logits: [true] })).toThrow(
			/sequence id 4 is outside 0\.\.3/
		);
		llama.decode({ tokens: [1, 403], positions: [0, 1], seqs: [0, 0], logits: [false, true] });
		expect(() => llama.logits(0)).toThrow(/row 0 of the last batch has no logits/);
		expect(llama.logits(1)).toHaveLength(512);
		expect(() => llama.isControl(100000)).toThrow(/outside the vocabulary/);
		// Still usable after every refusal.
		llama.clear();
		const prompt = llama.tokenize(PROMPT, { addBos: true, parseSpecial: false });
		expect(text(llama, greedyTokens(llama, prompt, 40))).toBe(GREEDY_40);
	});
});

describe('LlamaWasm options and weight types', () => {
	it('keeps an f16 KV cache close to the exact f32 one', async () => {
		const llama = await LlamaWasm.instantiate(compiled);
		llama.load(modelBytes, { nCtx: 256, kvType: 'f16' });
		const prompt = llama.tokenize(PROMPT, { addBos: true, parseSpecial: false });
		expect(text(llama, greedyTokens(llama, prompt, 40))).toBe(GREEDY_40);
		const p = softmax(llama.logits(0));
		expect(p.every(Number.isFinite)).toBe(true);
	});

	// Synthetic llama models (random weights) exercise each matrix type's kernels; the
	// quantized ones run the wasm SIMD dot products.
	it.each(['F32', 'F16', 'Q8_0', 'Q4_0'] as const)('decodes a generated %s model', async (type) => {
		const made = await makeModel({ vocab: 512, type });
		const llama = await LlamaWasm.instantiate(compiled);
		const facts = llama.load(new Uint8Array(await readFile(made.path)), { nCtx: 64 });
		expect(facts).toMatchObject({ architecture: 'llama', nVocab: 512 });
		const run = () => {
			llama.clear();
			return greedyTokens(llama, Int32Array.from([1, 300, 301, 302]), 8);
		};
		const tokens = run();
		expect(tokens.every((t) => t >= 0 && t < 512)).toBe(true);
		expect(Array.from(llama.logits(0)).every(Number.isFinite)).toBe(true);
		expect(run()).toEqual(tokens);
	});
});

describe('LlamaWasm reading the model file', () => {
	it('loads through reads of any size and reports the bytes read', async () => {
		const llama = await LlamaWasm.instantiate(compiled);
		let reads = 0;
		const read: number[] = [];
		llama.load(
			{
				size: modelBytes.length,
				read(offset, into) {
					reads++;
					const chunk = modelBytes.subarray(offset, offset + Math.min(into.length, 4096));
					into.set(chunk);
					return chunk.length;
				}
			},
			{ nCtx: 256, onRead: (n) => read.push(n) }
		);
		expect(reads).toBeGreaterThan(modelBytes.length / 4096);
		expect(read.at(-1)).toBe(modelBytes.length);
		const prompt = llama.tokenize(PROMPT, { addBos: true, parseSpecial: false });
		expect(text(llama, greedyTokens(llama, prompt, 40))).toBe(GREEDY_40);
	});

	it('says the file could not be read when a read fails in the header, and stays usable', async () => {
		const llama = await LlamaWasm.instantiate(compiled);
		const failing = {
			size: modelBytes.length,
			read: () => {
				throw new Error('the stored file was deleted');
			}
		};
		expect(() => llama.load(failing, { nCtx: 128 })).toThrow(
			'the model file could not be read: the stored file was deleted'
		);
		expect(llama.aborted).toBe(false);
		expect(llama.load(modelBytes, { nCtx: 128 }).nVocab).toBe(512);
	});

	it('names a read that fails among the tensors as the reason the engine stopped', async () => {
		const llama = await LlamaWasm.instantiate(compiled);
		const failing = {
			size: modelBytes.length,
			read(offset: number, into: Uint8Array) {
				if (offset > modelBytes.length / 2) throw new Error('the disk went away');
				const chunk = modelBytes.subarray(offset, offset + into.length);
				into.set(chunk);
				return chunk.length;
			}
		};
		expect(() => llama.load(failing, { nCtx: 128 })).toThrow(
			/the model file could not be read \(the disk went away\)/
		);
		expect(llama.aborted).toBe(true);
	});
});

describe('LlamaWasm chat templates and end-of-generation tokens', () => {
	const messages = [
		{ role: 'system', content: 'Be brief.' },
		{ role: 'user', content: 'Hi' }
	];

	it('renders ChatML for a model without a template, as llama.cpp does', async () => {
		const llama = await loaded();
		expect(llama.facts().chatTemplate).toBeNull();
		expect(llama.applyChatTemplate(messages, true)).toBe(
			'<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n'
		);
		expect(llama.applyChatTemplate(messages.slice(1), false)).toBe(
			'<|im_start|>user\nHi<|im_end|>\n'
		);
	});

	it("renders a template llama.cpp knows by the model's own format", async () => {
		const llama = await LlamaWasm.instantiate(compiled);
		llama.load(await modelWithTemplate(LLAMA3_TEMPLATE), { nCtx: 64 });
		expect(llama.applyChatTemplate(messages, true)).toBe(
			'<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>' +
				'<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>' +
				'<|start_header_id|>assistant<|end_header_id|>\n\n'
		);
	});

	it('refuses a template llama.cpp does not know, and a message with a NUL', async () => {
		const llama = await LlamaWasm.instantiate(compiled);
		llama.load(await modelWithTemplate('{{ messages | tojson }}'), { nCtx: 64 });
		expect(() => llama.applyChatTemplate(messages, true)).toThrow(
			"llama.cpp does not know this model's chat template"
		);
		expect(() => llama.applyChatTemplate([{ role: 'user', content: 'a\0b' }], true)).toThrow(
			'message 1 contains a NUL character'
		);
		expect(llama.aborted).toBe(false);
	});

	it('lists every end-of-generation token in one call', async () => {
		const llama = await loaded();
		expect(Array.from(llama.endOfGenerationTokens())).toEqual([2]);
	});
});

describe('LlamaWasm with files that are not models', () => {
	it('refuses random bytes with a message and stays usable', async () => {
		const llama = await LlamaWasm.instantiate(compiled);
		const noise = new Uint8Array(4096);
		for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
		expect(() => llama.load(noise, { nCtx: 128 })).toThrow(/not a GGUF file/);
		expect(llama.aborted).toBe(false);
		expect(llama.load(modelBytes, { nCtx: 128 }).nVocab).toBe(512);
	});

	it('refuses a truncated model, naming a tensor beyond the end', async () => {
		const llama = await LlamaWasm.instantiate(compiled);
		expect(() => llama.load(modelBytes.subarray(0, modelBytes.length >> 1), { nCtx: 128 })).toThrow(
			/tensor .* lies beyond the end of the file/
		);
		expect(llama.aborted).toBe(false);
	});

	it('refuses an architecture this build does not know', async () => {
		const llama = await LlamaWasm.instantiate(compiled);
		expect(() => llama.load(ggufWithArchitecture('not-a-model'), { nCtx: 128 })).toThrow(
			/does not know the architecture "not-a-model"/
		);
	});

	it('says so when asked to decode without a model', async () => {
		const llama = await LlamaWasm.instantiate(compiled);
		expect(() => llama.decode({ tokens: [1], positions: [0], seqs: [0], logits: [true] })).toThrow(
			/no model is loaded/
		);
	});

	it('reports a crash inside llama.cpp and refuses further calls', async () => {
		// A llama model with no tensors passes the header checks, then the loader throws.
		const llama = await LlamaWasm.instantiate(compiled);
		expect(() => llama.load(ggufWithArchitecture('llama'), { nCtx: 128 })).toThrow(
			EngineCrashedError
		);
		expect(llama.aborted).toBe(true);
		expect(() => llama.facts()).toThrow(/must be restarted/);
	});
});

/** A GGUF v3 file with no tensors and one key, general.architecture. */
function ggufWithArchitecture(architecture: string): Uint8Array {
	const parts: number[] = [];
	const u32 = (v: number) => parts.push(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24);
	const u64 = (v: number) => (u32(v), u32(0));
	const str = (s: string) => (u64(s.length), parts.push(...new TextEncoder().encode(s)));
	parts.push(...new TextEncoder().encode('GGUF'));
	u32(3); // version
	u64(0); // tensors
	u64(1); // key-value pairs
	str('general.architecture');
	u32(8); // GGUF_TYPE_STRING
	str(architecture);
	return new Uint8Array(parts);
}

/** Llama 3's template as its GGUF files carry it (shortened: llama.cpp recognizes it by its tokens). */
const LLAMA3_TEMPLATE =
	"{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}";

/** A generated 512-token llama model carrying `template` as its chat template. */
async function modelWithTemplate(template: string): Promise<Uint8Array> {
	const { layout, data } = llamaModel({ ...DEFAULT_SPEC, vocab: 512, context: 64 });
	return writeGgufBytes(
		{ ...layout, metadata: [...layout.metadata, ['tokenizer.chat_template', gguf.str(template)]] },
		data
	);
}
