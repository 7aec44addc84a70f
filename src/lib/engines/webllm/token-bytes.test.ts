import { copyFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byteLevelChar } from './testing/fixture';
import { tokenizerFacts, tokenStringBytes } from './token-bytes';
import type { TokenizerLike } from './tokenizer';

/**
 * The real @mlc-ai/web-tokenizers in Node: its UMD file sits in a "type": "module" package, which
 * Node cannot load as it stands; load a copy as the CommonJS script it is.
 */
async function realTokenizer(json: ArrayBuffer): Promise<TokenizerLike> {
	const require = createRequire(import.meta.url);
	const copy = join(mkdtempSync(join(tmpdir(), 'web-tokenizers-')), 'index.cjs');
	copyFileSync(require.resolve('@mlc-ai/web-tokenizers'), copy);
	const { Tokenizer } = require(copy) as {
		Tokenizer: { fromJSON(json: ArrayBuffer): Promise<TokenizerLike> };
	};
	return Tokenizer.fromJSON(json);
}

/** A byte-level BPE tokenizer.json: the 256 byte tokens, two merges and one control token. */
function byteLevelJson(): ArrayBuffer {
	const vocab: Record<string, number> = {};
	for (let b = 0; b < 256; b++) vocab[byteLevelChar(b)] = b;
	vocab['Ġh'] = 256;
	vocab['Ġhi'] = 257;
	const json = {
		version: '1.0',
		truncation: null,
		padding: null,
		added_tokens: [
			{
				id: 258,
				content: '<|im_end|>',
				single_word: false,
				lstrip: false,
				rstrip: false,
				normalized: false,
				special: true
			}
		],
		normalizer: null,
		pre_tokenizer: {
			type: 'ByteLevel',
			add_prefix_space: false,
			trim_offsets: true,
			use_regex: true
		},
		post_processor: null,
		decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
		model: {
			type: 'BPE',
			dropout: null,
			unk_token: null,
			continuing_subword_prefix: null,
			end_of_word_suffix: null,
			fuse_unk: false,
			byte_fallback: false,
			vocab,
			merges: ['Ġ h', 'Ġh i']
		}
	};
	return new TextEncoder().encode(JSON.stringify(json)).buffer;
}

describe('token bytes', () => {
	it("rebuild the text's bytes from a real byte-level tokenizer's tokens, across split characters", async () => {
		const json = byteLevelJson();
		const facts = tokenizerFacts(json);
		expect(facts.spelling).toBe('byte_level');
		expect(facts.addedTokens.get(258)).toBe('<|im_end|>');
		const tokenizer = await realTokenizer(json);
		const text = 'say hi é€<|im_end|>';
		const ids = Array.from(tokenizer.encode(text));
		expect(ids).toContain(257); // "Ġhi"
		expect(ids.at(-1)).toBe(258);
		const bytes = ids.flatMap((id) => {
			const added = facts.addedTokens.get(id);
			return Array.from(
				added !== undefined
					? new TextEncoder().encode(added)
					: tokenStringBytes(tokenizer.idToToken(id), facts.spelling)
			);
		});
		expect(new TextDecoder().decode(new Uint8Array(bytes))).toBe(text);
		// "€" is three byte tokens, each of them one raw byte.
		const euro = ids.slice(-4, -1);
		expect(
			euro.flatMap((id) => Array.from(tokenStringBytes(tokenizer.idToToken(id), 'byte_level')))
		).toEqual([0xe2, 0x82, 0xac]);
		tokenizer.dispose();
	});

	it('byte fallback (SentencePiece style) and raw vocabularies', () => {
		expect(Array.from(tokenStringBytes('<0xE2>', 'byte_fallback'))).toEqual([0xe2]);
		expect(new TextDecoder().decode(tokenStringBytes('\u2581the', 'byte_fallback'))).toBe(' the');
		expect(new TextDecoder().decode(tokenStringBytes('é', 'raw'))).toBe('é');
		const gemmaLike = new TextEncoder().encode(
			JSON.stringify({ decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }] } })
		).buffer;
		expect(tokenizerFacts(gemmaLike).spelling).toBe('byte_fallback');
		expect(tokenizerFacts(gemmaLike, 'byte_level').spelling).toBe('byte_level');
	});
});
