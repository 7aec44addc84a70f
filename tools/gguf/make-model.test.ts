import { createHash } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGguf } from '../../src/lib/models/gguf';
import { makeModel, parseCommandLine } from './make-model';
import { decodeTensor, tensorBytes, type TensorTypeName } from './quantize';
import { decodeGguf } from './read';
import { TINY_MODEL } from './reference-tokenizer';

let dir = '';
beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'gguf-models-'));
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

const sha256 = async (file: string) =>
	createHash('sha256')
		.update(await readFile(file))
		.digest('hex');

/** The first `rows` rows of tensor `name` of the GGUF file at `file`, as floats. */
async function rowsOf(file: string, name: string, rows: number): Promise<Float32Array> {
	const bytes = new Uint8Array(await readFile(file));
	const gguf = decodeGguf(bytes);
	const tensor = gguf.tensors.find((t) => t.name === name)!;
	const type = tensor.type as TensorTypeName;
	const start = gguf.dataStart + tensor.offset;
	return decodeTensor(
		type,
		bytes.subarray(start, start + tensorBytes(type, tensor.shape[0] * rows))
	);
}

describe('makeModel', () => {
	it.each([
		[512, 'F32'],
		[512, 'F16'],
		[512, 'Q8_0'],
		[512, 'Q4_0'],
		[32_000, 'Q8_0']
	] as const)('writes a %i-token %s llama model the app’s checker accepts', async (vocab, type) => {
		const made = await makeModel({ vocab, type, dir });
		expect(path.basename(made.path)).toBe(
			`synthetic-llama-v${vocab}-e64-l2-h4-kv2-ff128-c2048-s1-${type.toLowerCase()}.gguf`
		);
		expect((await stat(made.path)).size).toBe(made.bytes);
		const facts = await readGguf(await openAsBlob(made.path), {
			supportedArchitectures: ['llama']
		});
		expect(facts).toMatchObject({
			architecture: 'llama',
			vocabSize: vocab,
			fileType: type,
			tensorCount: 21,
			fileSize: made.bytes
		});
		expect(made.sha256).toBe(await sha256(made.path));
	});

	it('names files after their architecture and writes each one the checker accepts', async () => {
		const made = await makeModel({ vocab: 512, type: 'Q8_0', arch: 'gemma3', headDim: 32, dir });
		expect(path.basename(made.path)).toBe(
			'synthetic-gemma3-v512-e64-l2-h4-kv2-hd32-ff128-c2048-s1-q8_0.gguf'
		);
		const facts = await readGguf(await openAsBlob(made.path));
		// Tied embeddings (no output.weight) and 13 tensors a layer.
		expect(facts).toMatchObject({ architecture: 'gemma3', tensorCount: 2 + 13 * 2 });
	});

	it('writes the same bytes for the same spec and seed, other bytes for another seed', async () => {
		const a = await makeModel({ vocab: 512, type: 'Q4_0', seed: 9, out: path.join(dir, 'a.gguf') });
		const b = await makeModel({ vocab: 512, type: 'Q4_0', seed: 9, out: path.join(dir, 'b.gguf') });
		const c = await makeModel({
			vocab: 512,
			type: 'Q4_0',
			seed: 10,
			out: path.join(dir, 'c.gguf')
		});
		expect(await sha256(a.path)).toBe(await sha256(b.path));
		expect(await sha256(c.path)).not.toBe(await sha256(a.path));
		expect(a.bytes).toBe(c.bytes);
	});

	it('reuses a complete file with the same parameters and replaces a short one', async () => {
		const first = await makeModel({ vocab: 600, dir });
		const old = new Date(2020, 0, 1);
		await utimes(first.path, old, old);
		const again = await makeModel({ vocab: 600, dir });
		expect(again).toMatchObject({ path: first.path, reused: true });
		expect((await stat(first.path)).mtime).toEqual(old);
		await truncate(first.path, 100);
		const rewritten = await makeModel({ vocab: 600, dir });
		expect(rewritten.reused).toBe(false);
		expect(await sha256(rewritten.path)).toBe(first.sha256);
	});

	it('replaces a file of the right size whose header differs (an older tokenizer conversion)', async () => {
		const first = await makeModel({ vocab: 700, dir });
		const bytes = new Uint8Array(await readFile(first.path));
		bytes[40] ^= 0xff;
		await writeFile(first.path, bytes);
		const again = await makeModel({ vocab: 700, dir });
		expect(again.reused).toBe(false);
		expect(await sha256(again.path)).toBe(first.sha256);
	});

	it('writes a model with a real tokenizer, named after it, with its vocabulary size', async () => {
		const made = await makeModel({ tokenizer: 'qwen3', ...TINY_MODEL, dir });
		expect(path.basename(made.path)).toBe(
			'synthetic-llama-qwen3-v151936-e32-l1-h4-kv2-ff32-c2048-s1-q8_0.gguf'
		);
		const facts = await readGguf(await openAsBlob(made.path), {
			supportedArchitectures: ['llama']
		});
		expect(facts).toMatchObject({
			architecture: 'llama',
			vocabSize: 151_936,
			fileSize: made.bytes
		});
		expect(made.bytes).toBeLessThan(20e6);
	}, 60_000);

	it('stores the same weights in every type, within each type’s error', async () => {
		const f32 = await makeModel({ vocab: 512, type: 'F32', dir });
		const exact = await rowsOf(f32.path, 'blk.1.ffn_down.weight', 64);
		const scale = 1 / Math.sqrt(128);
		expect(Math.max(...exact.map(Math.abs))).toBeLessThanOrEqual(scale);
		for (const [type, tolerance] of [
			['F16', scale * 2 ** -11],
			['Q8_0', scale * (0.5 / 127 + 2 ** -11)],
			['Q4_0', scale * (1 / 8 + 2 ** -10)]
		] as const) {
			const made = await makeModel({ vocab: 512, type, dir });
			const values = await rowsOf(made.path, 'blk.1.ffn_down.weight', 64);
			const worst = Math.max(...values.map((v, i) => Math.abs(v - exact[i])));
			expect(worst, type).toBeLessThanOrEqual(tolerance);
			expect(worst, type).toBeGreaterThan(0);
		}
	});
});

describe('make:model command line', () => {
	it('reads every option', () => {
		expect(
			parseCommandLine([
				'--vocab',
				'151,936',
				'--type',
				'q8_0',
				'--embedding',
				'128',
				'--layers',
				'4',
				'--heads',
				'8',
				'--kv-heads',
				'2',
				'--ffn',
				'256',
				'--context',
				'4096',
				'--seed',
				'7',
				'--arch',
				'qwen3',
				'--head-dim',
				'64',
				'--out',
				'x.gguf'
			])
		).toEqual({
			vocab: 151_936,
			type: 'Q8_0',
			embedding: 128,
			layers: 4,
			heads: 8,
			kvHeads: 2,
			ffn: 256,
			context: 4096,
			seed: 7,
			arch: 'qwen3',
			headDim: 64,
			out: 'x.gguf'
		});
		expect(parseCommandLine([])).toEqual({});
		expect(parseCommandLine(['--tokenizer', 'Gemma3'])).toEqual({ tokenizer: 'gemma3' });
	});

	it('names what is wrong', () => {
		expect(() => parseCommandLine(['--type', 'q5_k'])).toThrow(
			/--type must be one of F32, F16, Q4_0, Q8_0, not q5_k/
		);
		expect(() => parseCommandLine(['--vocab', 'lots'])).toThrow(/--vocab must be an integer/);
		expect(() => parseCommandLine(['--arch', 'mamba'])).toThrow(
			/--arch must be one of llama, qwen2, qwen3, gemma3, not mamba/
		);
		expect(() => parseCommandLine(['--tokenizer', 'gpt4'])).toThrow(
			/--tokenizer must be one of llama3, qwen3, gemma3, not gpt4/
		);
		expect(() => parseCommandLine(['--colour', 'red'])).toThrow(/colour/);
	});
});
