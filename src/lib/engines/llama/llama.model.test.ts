import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSource } from '#lib/core/model';
import { LlamaEngine } from './llama';
import { LlamaWasm } from './module';
import { argmax } from './testing/greedy';

/**
 * The adapter on the real module and the shipped test model, in Node: the oracles of
 * models/README.md (tokens, first-step probabilities, greedy text).
 */
const MODELS_DIR = process.env.MODELS_DIR ?? 'models';
const GREEDY_40 =
	', there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball.';

let wasm: WebAssembly.Module;
let modelBytes: Uint8Array;
beforeAll(async () => {
	wasm = await WebAssembly.compile(await readFile('static/engine/playground-llama.wasm'));
	modelBytes = new Uint8Array(await readFile(path.join(MODELS_DIR, 'stories260K.gguf')));
});

function engine() {
	return new LlamaEngine({
		createBinding: () => LlamaWasm.instantiate(wasm),
		libraryVersion: 'b10256',
		loadCachedModel: () => Promise.reject(new Error('not used')),
		sha256OfBlob: async () => 'sha',
		checkModelFile: async () => {}
	});
}

const file = (bytes: Uint8Array, name = 'stories260K.gguf'): ModelSource => ({
	kind: 'blob',
	blob: new Blob([bytes as Uint8Array<ArrayBuffer>]),
	name
});

function probabilities(logits: Float32Array): Float64Array {
	let max = -Infinity;
	for (const l of logits) max = Math.max(max, l);
	const out = new Float64Array(logits.length);
	let sum = 0;
	for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
	return out.map((p) => p / sum);
}

describe('LlamaEngine on stories260K', () => {
	it('describes the model and gives logits', async () => {
		const llama = engine();
		const info = await llama.load(file(modelBytes));
		expect(info).toMatchObject({
			name: 'stories260K.gguf',
			vocabSize: 512,
			bosId: 1,
			eosId: 2,
			stopIds: [2],
			addBos: true,
			chatTemplate: null,
			distribution: 'logits'
		});
	});

	it('reproduces the tokens, first-step probabilities and greedy text of models/README.md', async () => {
		const llama = engine();
		const info = await llama.load(file(modelBytes));
		const prompt = await llama.tokenize('Once upon a time');
		expect(prompt).toEqual([403, 407, 261, 378]);
		let logits = await llama.evaluate([info.bosId as number, ...prompt]);
		expect(logits).toHaveLength(512);
		const p = probabilities(logits);
		expect(p[432]).toBeCloseTo(0.9687, 3);
		expect(p[383]).toBeCloseTo(0.0288, 3);
		expect(p[322]).toBeCloseTo(0.0003, 3);
		const first = logits;
		const out: number[] = [];
		for (let i = 0; i < 40; i++) {
			out.push(argmax(logits));
			logits = await llama.evaluate([out[i]]);
		}
		// One array for every step: nothing is allocated per token.
		expect(logits).toBe(first);
		expect(new TextDecoder().decode(await llama.tokenBytes(out))).toBe(GREEDY_40);
	});

	it('rolls back to the prompt and continues exactly as a fresh run', async () => {
		const llama = engine();
		const info = await llama.load(file(modelBytes));
		const prompt = [info.bosId as number, ...(await llama.tokenize('Once upon a time'))];
		const afterPrompt = (await llama.evaluate(prompt)).slice();
		const fresh = (await llama.evaluate([383])).slice();
		await llama.evaluate([1, 2, 3]);
		await llama.rollback(prompt.length);
		expect(llama.contextUsed).toBe(prompt.length);
		expect((await llama.evaluate([383])).slice()).toEqual(fresh);
		await llama.rollback(0);
		expect((await llama.evaluate(prompt)).slice()).toEqual(afterPrompt);
	});

	it('decodes 8 lanes in one batch per step, each bit-identical to a single run', async () => {
		const llama = engine();
		const info = await llama.load(file(modelBytes));
		const prompt = [info.bosId as number, ...(await llama.tokenize('Once upon a time'))];
		// Lane 0 runs on alone after the others end, over more than 512 cache cells, where one
		// row takes flash attention's split-KV path while its single run (fewer cells) does not.
		const stepsOf = (lane: number) => (lane === 0 ? 100 : 60);
		// Each lane samples with its own seeded generator, so the lanes' texts part ways.
		const sampler = (seed: number) => {
			let state = seed;
			return (logits: Float32Array) => {
				state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
				const p = probabilities(logits);
				let u = state / 2 ** 32;
				for (let i = 0; i < p.length; i++) if ((u -= p[i]) <= 0) return i;
				return p.length - 1;
			};
		};
		const singles: { tokens: number[]; logits: Float32Array[] }[] = [];
		for (let lane = 0; lane < 8; lane++) {
			const pick = sampler(lane + 1);
			await llama.rollback(0);
			let logits = (await llama.evaluate(prompt)).slice();
			const run = { tokens: [] as number[], logits: [] as Float32Array[] };
			for (let step = 0; step < stepsOf(lane); step++) {
				run.logits.push(logits);
				run.tokens.push(pick(logits));
				logits = (await llama.evaluate([run.tokens.at(-1) as number])).slice();
			}
			singles.push(run);
		}
		await llama.rollback(0);
		const first = (await llama.evaluate(prompt)).slice();
		await llama.forkSequences(8);
		const picks = singles.map((_, lane) => sampler(lane + 1));
		const rows = singles.map(() => first);
		const tokens: number[][] = singles.map(() => []);
		let firstRows: Float32Array[] = [];
		for (let step = 0; step < stepsOf(0); step++) {
			const live = singles.map((_, lane) => lane).filter((lane) => step < stepsOf(lane));
			for (const lane of live) {
				expect(rows[lane], `lane ${lane}, step ${step}`).toEqual(singles[lane].logits[step]);
				tokens[lane].push(picks[lane](rows[lane]));
			}
			const out = await llama.evaluateSequences(
				live.map((lane) => ({ lane, id: tokens[lane][step] }))
			);
			if (step === 0) firstRows = out;
			live.forEach((lane, row) => (rows[lane] = out[row].slice()));
		}
		expect(tokens).toEqual(singles.map((s) => s.tokens));
		expect(new Set(tokens.map((t) => t.join())).size).toBe(8);
		expect(llama.contextUsed).toBe(prompt.length);
		await llama.endSequences();
		// A later sweep (in the arrays the first one used) gets its lanes' own rows again.
		await llama.forkSequences(2);
		const again = await llama.evaluateSequences([
			{ lane: 0, id: singles[1].tokens[0] },
			{ lane: 1, id: singles[0].tokens[0] }
		]);
		expect(again.map((row) => row.slice())).toEqual([singles[1].logits[1], singles[0].logits[1]]);
		// Without new arrays of a whole vocabulary per sweep.
		expect(again[1]).toBe(firstRows[1]);
		await llama.endSequences();
		// The context is the prompt again, as a single run left it.
		expect((await llama.evaluate([singles[0].tokens[0]])).slice()).toEqual(singles[0].logits[1]);
	});

	it('keeps two branches in two sequences, each bit-identical to a fresh decode of it', async () => {
		const llama = engine();
		const info = await llama.load(file(modelBytes));
		const prompt = [info.bosId as number, ...(await llama.tokenize('Once upon a time'))];
		/** Decodes `forced` one token at a time after the prompt, from an empty context. */
		const fresh = async (forced: number[]) => {
			await llama.rollback(0);
			const out = [(await llama.evaluate(prompt)).slice()];
			for (const id of forced) out.push((await llama.evaluate([id])).slice());
			return out;
		};
		const greedy: number[] = [];
		let logits = await fresh([]).then((rows) => rows[0]);
		for (let i = 0; i < 12; i++) {
			greedy.push(argmax(logits));
			logits = (await llama.evaluate([greedy[i]])).slice();
		}
		const branchAt = 4;
		const other = greedy[branchAt] === 383 ? 384 : 383;
		const a = [...greedy, 300];
		const b = [...greedy.slice(0, branchAt), other, 301, 302, 303];
		const freshA = await fresh(a);
		const freshB = await fresh(b);

		// Branch A on sequence 0 (as a run leaves it), branch B copied off it to sequence 1.
		await fresh(a.slice(0, -1));
		const used = llama.contextUsed;
		await llama.copySequence(0, 1);
		await llama.rollbackSequence(1, prompt.length + branchAt);
		expect(llama.sequenceLength(1)).toBe(prompt.length + branchAt);
		for (let i = branchAt; i < b.length; i++) {
			const row = (await llama.evaluateSequence(1, [b[i]])).slice();
			expect(row, `branch B, token ${i}`).toEqual(freshB[i + 1]);
		}
		// Branch A was left intact: its next token gives what a fresh decode gives.
		expect(llama.contextUsed).toBe(used);
		expect((await llama.evaluateSequence(0, [a.at(-1) as number])).slice()).toEqual(freshA.at(-1));
		// A whole copy replaces what the destination held.
		await llama.copySequence(0, 1);
		expect(llama.sequenceLength(1)).toBe(llama.contextUsed);
		await llama.rollbackSequence(1, prompt.length + b.length - 1);
		expect((await llama.evaluateSequence(1, [487])).slice()).toEqual(
			(await fresh([...a.slice(0, b.length - 1), 487])).at(-1)
		);
		await expect(llama.evaluateSequence(llama.maxSequences + 1, [487])).rejects.toThrow(RangeError);
		// A fork for lanes replaces the sequences it uses.
		await llama.forkSequences(2);
		expect(llama.sequenceLength(1)).toBe(llama.contextUsed);
		await llama.endSequences();
		expect(llama.sequenceLength(1)).toBe(0);
	});

	it('keeps a branch exact when another is trimmed while it lives', async () => {
		// In one KV cache shared by all sequences, branch B's next cell would fill the hole A's
		// trim left below B's own cells, and B's logits would move (~1e-3 here).
		const llama = engine();
		const info = await llama.load(file(modelBytes));
		const prompt = [info.bosId as number, ...(await llama.tokenize('Once upon a time'))];
		const b = [300, 301, 302, 303];
		await llama.evaluate(prompt);
		let fresh = new Float32Array(0);
		for (const id of b) fresh = (await llama.evaluate([id])).slice();
		await llama.rollback(0);
		await llama.evaluate(prompt);
		await llama.copySequence(0, 1);
		for (const id of [400, 401, 402]) await llama.evaluateSequence(0, [id]);
		for (const id of b.slice(0, 3)) await llama.evaluateSequence(1, [id]);
		await llama.rollbackSequence(0, prompt.length);
		expect((await llama.evaluateSequence(1, [b[3]])).slice()).toEqual(fresh);
	});

	it('refuses a malformed file with llama.cpp’s reason, then loads a good one', async () => {
		const llama = engine();
		await expect(llama.load(file(modelBytes.subarray(0, 4096), 'cut.gguf'))).rejects.toThrow(
			/^Loading "cut.gguf" failed: /
		);
		await llama.load(file(modelBytes));
		expect(await llama.tokenize('Once upon a time')).toEqual([403, 407, 261, 378]);
	});
});
