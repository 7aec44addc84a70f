import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LlamaWasm } from '../../src/lib/engines/llama/module';
import { fuzzOptions } from '../../src/lib/formats/testing/fuzz';
import { referenceTokenizer, type ReferenceTokenizer } from './reference-tokenizer';
import { engineWith } from './testing/engine';

/**
 * Random mixes of scripts, emoji, combining marks, digits, punctuation, contractions and
 * whitespace: our engine's ids equal the reference tokenizer's. Left out are the inputs where
 * they are known to differ (tokenizer.test.ts pins each): U+FEFF and U+0085, which JavaScript's
 * \s and Unicode's White_Space classify the other way round, and for Qwen3 text that NFC
 * normalization changes. Fixed seed; FUZZ_SEED and FUZZ_RUNS explore.
 */
const PIECES = [
	...'aZqßüÄéÉ 的了中文 ひカ漢 عربي ру Ω 0123456789 ,.;:!?\'"’“-—()[]{}<>/\\|_=+*&^%$#@~`',
	...['\n', '\n\n', '\t', '\r\n', ' ', '  ', '   ', ' \n ', '\u00a0', '\u3000', '\u2028', '\u000b'],
	...['\u000c', '\u180e', '\u200b', '\u200d', '\u0301', '\u0651', 'ﬁ', '①', '²', 'Ⅻ', '\u{10FFFD}'],
	...['👋🏽', '👩‍💻', '🏳️‍🌈', '🇩🇪', '😀', "'s", "'LL", "n't", 'the', ' world', 'Straße', '東京']
];

const texts = fc
	.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 16 })
	.map((pieces) => pieces.join(''));

describe.each(['llama3', 'qwen3', 'gemma3'] as const)('the real %s tokenizer', (name) => {
	let llama: LlamaWasm;
	let reference: ReferenceTokenizer;
	beforeAll(async () => {
		[llama, reference] = await Promise.all([engineWith(name), referenceTokenizer(name)]);
	}, 120_000);

	it('gives the reference ids for random mixed text in our engine', () => {
		const stable = (text: string) => name !== 'qwen3' || text === text.normalize('NFC');
		fc.assert(
			fc.property(texts.filter(stable), (text) => {
				const ids = llama.tokenize(text, { addBos: false, parseSpecial: false });
				expect(Array.from(ids)).toEqual(reference.encode(text));
			}),
			fuzzOptions(500)
		);
	}, 60_000);
});
