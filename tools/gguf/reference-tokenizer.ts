/**
 * The reference side of the tokenization tests: the real tokenizers of the @lenml/tokenizer-*
 * packages run by @lenml/tokenizers (a port of Hugging Face's tokenizers), and the fixed
 * multilingual text and chat every engine's ids are compared on.
 * Called by tools/gguf/tokenizer.test.ts and e2e/real-tokenizers.spec.ts.
 */
import { TokenizerLoader, type NSTokenizerConfig, type NSTokenizerJSON } from '@lenml/tokenizers';
import { Template } from '@huggingface/jinja';
import type { Architecture } from './architectures';
import {
	readRealTokenizerFiles,
	type RealTokenizerName,
	type TokenizerConfigJson
} from './tokenizer';

/**
 * English, German with umlauts and ß, Chinese, Japanese, emoji with skin tones, ZWJ sequences
 * and flags, indented code, tabs, digits, and runs of spaces and newlines.
 */
export const MULTILINGUAL_TEXT = [
	"Hello, world! The quick brown fox jumps over the lazy dog's back; I'm sure they'll've done it.",
	'Größere Übungen für Äpfel: schön, müde, weiß — „Straße“ heißt street.',
	'你好，世界！我们今天学习自然语言处理。',
	'こんにちは、世界。日本語のテキストをトークン化します。カタカナとひらがな。',
	'Emoji: 👋🏽 👍🏿 👩‍👩‍👧‍👦 👨🏿‍💻 🏳️‍🌈 ❤️ 🇩🇪🇯🇵',
	'def fib(n):',
	'    if n < 2:',
	'        return n',
	'    return fib(n - 1) + fib(n - 2)',
	'',
	'',
	'\tTab\tand    four spaces,  two, 12345 67 3.14159',
	'\n\n   \n  end  '
].join('\n');

/** A chat with a system prompt and two turns, in several languages. */
export const CHAT: ChatMessage[] = [
	{ role: 'system', content: 'You are a helpful assistant. Antworte kurz.' },
	{ role: 'user', content: 'What is 2 + 2? 你好！' },
	{ role: 'assistant', content: 'It is 4. 👍🏽' },
	{ role: 'user', content: 'Und auf Japanisch?\n  Bitte mit Leerzeichen.' }
];

export interface ChatMessage {
	role: 'system' | 'user' | 'assistant';
	content: string;
}

export interface ReferenceTokenizer {
	/** Ids of `text` with no BOS/EOS added; special-token text in it becomes the special token. */
	encode(text: string): number[];
	decode(ids: number[]): string;
	/** `messages` rendered with the tokenizer's own chat template, ready for the assistant's turn. */
	chat(messages: ChatMessage[]): string;
}

/**
 * `messages` through the config's chat template as transformers' apply_chat_template renders it
 * (special tokens by name, a generation prompt). With @huggingface/jinja 0.5: the copy bundled
 * in @lenml/tokenizers (0.2) cannot parse Qwen3's or Gemma 3's template.
 */
function renderChat(config: TokenizerConfigJson, messages: ChatMessage[]): string {
	const template = config.chat_template;
	if (typeof template !== 'string') throw new TypeError('the tokenizer has no chat template');
	const text = (spec: TokenizerConfigJson['bos_token']) =>
		typeof spec === 'object' && spec !== null ? spec.content : (spec ?? undefined);
	return new Template(template).render({
		messages,
		add_generation_prompt: true,
		bos_token: text(config.bos_token),
		eos_token: text(config.eos_token),
		pad_token: text(config.pad_token),
		unk_token: text(config.unk_token)
	});
}

const loaded = new Map<RealTokenizerName, Promise<ReferenceTokenizer>>();

/** The reference tokenizer `name` (loaded once per process). */
export function referenceTokenizer(name: RealTokenizerName): Promise<ReferenceTokenizer> {
	let done = loaded.get(name);
	if (!done) {
		done = readRealTokenizerFiles(name).then(({ json, config }) => {
			const tokenizer = TokenizerLoader.fromPreTrained({
				tokenizerJSON: json as unknown as NSTokenizerJSON.Root,
				tokenizerConfig: config as unknown as NSTokenizerConfig.Root
			});
			return {
				encode: (text) => tokenizer.encode(text, { add_special_tokens: false }),
				decode: (ids) => (ids.length === 0 ? '' : tokenizer.decode(ids)),
				chat: (messages) => renderChat(config, messages)
			};
		});
		loaded.set(name, done);
	}
	return done;
}

/** The architecture of the models each tokenizer comes from (Llama 3.2, Qwen3, Gemma 3). */
export const ARCHITECTURE_OF: Record<RealTokenizerName, Architecture> = {
	llama3: 'llama',
	qwen3: 'qwen3',
	gemma3: 'gemma3'
};

/**
 * The shape of the real-tokenizer test models: the smallest llama.cpp loads in Q8_0, so even
 * Gemma 3's 262,144 tokens make a file of about 15 MB (its output tied to the embeddings).
 */
export const TINY_MODEL = {
	embedding: 32,
	heads: 4,
	kvHeads: 2,
	ffn: 32,
	layers: 1,
	type: 'Q8_0'
} as const;
