import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readGguf, type ByteSource } from '../../src/lib/models/gguf';
import {
	checkSpec,
	DEFAULT_SPEC,
	FIRST_PIECE_ID,
	llamaModel,
	llamaVocabulary,
	modelName,
	TokenType,
	VOCAB_SIZES,
	type LlamaSpec
} from './llama';
import { decodeGguf } from './read';
import { encodeHeader } from './writer';

const TYPES = ['F32', 'F16', 'Q8_0', 'Q4_0'] as const;
const reference = decodeGguf(
	readFileSync(new URL('../../models/stories260K.gguf', import.meta.url))
);

/** A file of the header's full size, whose tensor data reads as zeros: enough for the checker. */
function headerOnly(spec: LlamaSpec): { source: ByteSource; header: Uint8Array } {
	const { header, fileSize } = encodeHeader(llamaModel(spec).layout);
	return {
		header,
		source: {
			size: fileSize,
			read: async (offset, length) => {
				const out = new Uint8Array(Math.min(length, fileSize - offset));
				out.set(header.subarray(offset, offset + out.length));
				return out;
			}
		}
	};
}

describe('synthetic llama vocabulary', () => {
	it('starts like a SentencePiece llama vocabulary: <unk>, <s>, </s>, then 256 byte tokens', () => {
		const { tokens, scores, types } = llamaVocabulary(512);
		expect(tokens.slice(0, FIRST_PIECE_ID)).toEqual(
			(reference.metadata.get('tokenizer.ggml.tokens') as string[]).slice(0, FIRST_PIECE_ID)
		);
		expect(types.slice(0, FIRST_PIECE_ID)).toEqual(
			(reference.metadata.get('tokenizer.ggml.token_type') as number[]).slice(0, FIRST_PIECE_ID)
		);
		expect(tokens[3 + 0x0a]).toBe('<0x0A>');
		expect(tokens.slice(FIRST_PIECE_ID, FIRST_PIECE_ID + 3)).toEqual(['▁', 'a', 'b']);
		expect(types.slice(FIRST_PIECE_ID).every((t) => t === TokenType.Normal)).toBe(true);
		// Earlier pieces score higher, as a trained vocabulary's merges do.
		expect(scores[FIRST_PIECE_ID]).toBe(-1);
		expect(scores[511]).toBe(-(512 - FIRST_PIECE_ID));
	});

	it.each(VOCAB_SIZES)('makes %i distinct tokens of letters', (size) => {
		const { tokens, scores, types } = llamaVocabulary(size);
		expect(tokens.length).toBe(size);
		expect(scores.length).toBe(size);
		expect(types.length).toBe(size);
		expect(new Set(tokens).size).toBe(size);
		expect(tokens.slice(FIRST_PIECE_ID).every((t) => /^▁?[a-z]+$|^.$/u.test(t))).toBe(true);
		if (size >= 32_000) expect(tokens).toContain('▁the');
	});
});

describe('synthetic llama model', () => {
	it('holds every metadata key the reference llama model holds, and the tensors it has', () => {
		const { layout } = llamaModel({ ...DEFAULT_SPEC, vocab: 512 });
		const keys = new Set(new Map(layout.metadata).keys());
		const optional = ['tokenizer.ggml.seperator_token_id', 'tokenizer.ggml.padding_token_id'];
		for (const key of reference.metadata.keys())
			if (!optional.includes(key)) expect(keys).toContain(key);
		const names = (list: { name: string }[]) =>
			list.map((t) => t.name.replace(/^blk\.\d+\./, 'blk.N.'));
		expect(new Set(names([...layout.tensors]))).toEqual(new Set(names(reference.tensors)));
	});

	it('writes a chat template and control tokens at the end of the vocabulary when asked', () => {
		const chat = { chatTemplate: '{{ messages }}', controlTokens: ['<|im_start|>', '<|im_end|>'] };
		const spec = { ...DEFAULT_SPEC, vocab: 512, ...chat };
		const metadata = new Map(llamaModel(spec).layout.metadata);
		expect(metadata.get('tokenizer.chat_template')).toMatchObject({ value: '{{ messages }}' });
		const tokens = metadata.get('tokenizer.ggml.tokens') as { items: readonly string[] };
		const types = metadata.get('tokenizer.ggml.token_type') as { items: readonly number[] };
		expect(tokens.items.slice(-2)).toEqual(chat.controlTokens);
		expect(types.items.slice(-2)).toEqual([TokenType.Control, TokenType.Control]);
		expect(tokens.items).toHaveLength(512);
		expect(modelName(spec)).not.toBe(modelName({ ...DEFAULT_SPEC, vocab: 512 }));
		expect(
			new Map(llamaModel({ ...DEFAULT_SPEC, vocab: 512 }).layout.metadata).has(
				'tokenizer.chat_template'
			)
		).toBe(false);
	});

	// Every type at 512, and every vocabulary size in one type (the header is the same in the others).
	const cases = [
		...TYPES.map((type) => [512, type] as const),
		...VOCAB_SIZES.slice(1).map((vocab, i) => [vocab, TYPES[i % TYPES.length]] as const)
	];
	it.each(cases)(
		'vocabulary %i in %s passes the app’s GGUF checker with every tensor inside the file',
		async (vocab, type) => {
			const spec = { ...DEFAULT_SPEC, vocab, type };
			const { source } = headerOnly(spec);
			const facts = await readGguf(source, { supportedArchitectures: ['llama'] });
			expect(facts).toMatchObject({
				version: 3,
				architecture: 'llama',
				vocabSize: vocab,
				fileType: type,
				contextLength: 2048,
				tensorCount: 3 + 9 * spec.layers,
				alignment: 32
			});
		}
	);

	it('gives norms of ones in F32 and matrices in the chosen type', () => {
		const spec: LlamaSpec = {
			...DEFAULT_SPEC,
			vocab: 512,
			type: 'Q4_0',
			embedding: 128,
			heads: 8,
			kvHeads: 2,
			ffn: 256,
			layers: 3
		};
		const { header } = headerOnly(spec);
		const file = decodeGguf(header);
		const byName = new Map(file.tensors.map((t) => [t.name, t]));
		expect(byName.get('token_embd.weight')).toMatchObject({ shape: [128, 512], type: 'Q4_0' });
		expect(byName.get('output.weight')).toMatchObject({ shape: [128, 512], type: 'Q4_0' });
		expect(byName.get('output_norm.weight')).toMatchObject({ shape: [128], type: 'F32' });
		expect(byName.get('blk.2.attn_k.weight')).toMatchObject({ shape: [128, 32], type: 'Q4_0' });
		expect(byName.get('blk.2.ffn_down.weight')).toMatchObject({ shape: [256, 128], type: 'Q4_0' });
		expect(byName.get('blk.2.ffn_norm.weight')).toMatchObject({ shape: [128], type: 'F32' });
		expect(file.metadata.get('llama.rope.dimension_count')).toBe(16);
		expect(file.metadata.get('llama.attention.head_count_kv')).toBe(2);
		expect(file.metadata.get('tokenizer.ggml.model')).toBe('llama');
		expect(file.metadata.get('general.name')).toBe(
			'synthetic-llama-v512-e128-l3-h8-kv2-ff256-c2048-s1-q4_0'
		);
	});

	it('refuses shapes llama.cpp or the type cannot take', () => {
		const bad = (change: Partial<LlamaSpec>) => () => checkSpec({ ...DEFAULT_SPEC, ...change });
		expect(bad({ embedding: 66 })).toThrow(/embedding 66 must be a multiple of heads 4/);
		expect(bad({ kvHeads: 3 })).toThrow(/heads 4 must be a multiple of kvHeads 3/);
		expect(bad({ ffn: 100, type: 'Q8_0' })).toThrow(/ffn 100 must be a multiple of 32 for Q8_0/);
		expect(bad({ ffn: 100, type: 'F16' })).not.toThrow();
		expect(bad({ vocab: 300 })).toThrow(/vocab must be at least/);
		expect(bad({ layers: 0 })).toThrow(/layers must be a positive integer/);
		expect(bad({ seed: -1 })).toThrow(/seed/);
	});
});
