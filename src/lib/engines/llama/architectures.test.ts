import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, type Architecture } from '../../../../tools/gguf/architectures';
import { makeModel, type MakeModelOptions } from '../../../../tools/gguf/make-model';
import { CATALOGUE } from '#lib/models/catalogue';
import { LlamaWasm } from './module';
import { greedyTokens } from './testing/greedy';

// Every architecture the GGUF writer lays out, as our own llama.cpp build loads and runs it:
// the proof that a catalogue entry of that architecture can run in the CPU engine.
const root = path.resolve(import.meta.dirname, '../../../..');
const compiled = await WebAssembly.compile(
	await readFile(path.join(root, 'static/engine/playground-llama.wasm'))
);

/** Shapes like the released models': Qwen3 and Gemma 3 have heads wider than embedding/heads. */
const SHAPES: Record<Architecture, MakeModelOptions> = {
	llama: {},
	qwen2: {},
	qwen3: { headDim: 32 },
	gemma3: { headDim: 32, kvHeads: 1 }
};

async function loaded(arch: Architecture, vocab = 512) {
	const made = await makeModel({ vocab, type: 'Q8_0', arch, ...SHAPES[arch] });
	const llama = await LlamaWasm.instantiate(compiled);
	const facts = llama.load(new Uint8Array(await readFile(made.path)), { nCtx: 128 });
	return { llama, facts };
}

/** Greedy tokens after `prompt` on a cleared context. */
function greedy(llama: LlamaWasm, prompt: number[], steps: number): number[] {
	llama.clear();
	return greedyTokens(llama, prompt, steps);
}

describe('synthetic models of each architecture in our llama.cpp build', () => {
	it.each(ARCHITECTURES)(
		'%s loads, names its architecture, and gives finite logits over the vocabulary',
		async (arch) => {
			const { llama, facts } = await loaded(arch);
			expect(facts).toMatchObject({ architecture: arch, nVocab: 512, nCtxTrain: 2048 });
			expect(llama.meta('general.architecture')).toBe(arch);
			const prompt = Array.from(
				llama.tokenize('the cat sat', { addBos: true, parseSpecial: false })
			);
			llama.decode({
				tokens: prompt,
				positions: prompt.map((_, i) => i),
				seqs: prompt.map(() => 0),
				logits: prompt.map((_, i) => i === prompt.length - 1)
			});
			const logits = llama.logits(prompt.length - 1);
			expect(logits.length).toBe(512);
			expect(logits.every(Number.isFinite)).toBe(true);
			// Random weights still give a distribution with some shape, not a constant.
			expect(Math.max(...logits)).toBeGreaterThan(Math.min(...logits));
		}
	);

	it.each(ARCHITECTURES)('%s generates the same greedy tokens twice', async (arch) => {
		const { llama } = await loaded(arch);
		const first = greedy(llama, [1, 300, 301, 302], 12);
		expect(first.every((t) => t >= 0 && t < 512)).toBe(true);
		expect(greedy(llama, [1, 300, 301, 302], 12)).toEqual(first);
	});

	it('runs Gemma 3 past its sliding window, at a real vocabulary size', async () => {
		const made = await makeModel({ vocab: 32_000, type: 'Q8_0', arch: 'gemma3', ...SHAPES.gemma3 });
		const llama = await LlamaWasm.instantiate(compiled);
		const facts = llama.load(new Uint8Array(await readFile(made.path)), { nCtx: 1024 });
		expect(facts.nVocab).toBe(32_000);
		// The window is 512: with 600 tokens the local layers no longer see the oldest ones.
		const prompt = [1, ...Array.from({ length: 599 }, (_, i) => 300 + (i % 200))];
		const tokens = greedy(llama, prompt, 3);
		expect(tokens.every((t) => t >= 0 && t < 32_000)).toBe(true);
		expect(llama.logits(0).every(Number.isFinite)).toBe(true);
	});
});

describe('the catalogue’s GGUF architectures', () => {
	const architectures = [...new Set(CATALOGUE.map((entry) => entry.architecture))];

	it('are all architectures the GGUF writer can make a synthetic model of', () => {
		for (const arch of architectures) expect(ARCHITECTURES).toContain(arch);
	});

	it.each(CATALOGUE.map((entry) => [entry.id, entry.architecture] as const))(
		'%s (%s): a synthetic model of that architecture loads in the CPU engine',
		async (_id, arch) => {
			const { facts } = await loaded(arch as Architecture);
			expect(facts.architecture).toBe(arch);
		}
	);
});
