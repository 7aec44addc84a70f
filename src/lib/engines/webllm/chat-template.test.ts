import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '#lib/core/prompt';
import { renderConversation } from './chat-template';
import type { ConvTemplate } from './config';

// Shaped like the conv_template of WebLLM's prebuilt mlc-chat-config.json files.
const qwen2: ConvTemplate = {
	system_template: '<|im_start|>system\n{system_message}<|im_end|>\n',
	system_message: 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.',
	roles: { user: '<|im_start|>user', assistant: '<|im_start|>assistant' },
	role_templates: {
		user: '{user_message}',
		assistant: '{assistant_message}',
		tool: '{tool_message}'
	},
	seps: ['<|im_end|>\n'],
	role_content_sep: '\n',
	role_empty_sep: '\n',
	stop_str: ['<|endoftext|>', '<|im_end|>'],
	system_prefix_token_ids: null,
	stop_token_ids: [151643, 151645],
	add_role_after_system_message: true
};
const llama3: ConvTemplate = {
	system_template: '<|start_header_id|>system<|end_header_id|>\n\n{system_message}<|eot_id|>',
	system_message: 'You are a helpful, respectful and honest assistant.',
	roles: { user: '<|start_header_id|>user', assistant: '<|start_header_id|>assistant' },
	seps: ['<|eot_id|>'],
	role_content_sep: '<|end_header_id|>\n\n',
	role_empty_sep: '<|end_header_id|>\n\n',
	stop_str: [],
	system_prefix_token_ids: [128000],
	stop_token_ids: [128001, 128008, 128009]
};
const gemma3: ConvTemplate = {
	system_template: '{system_message}',
	system_message: '',
	roles: { user: '<start_of_turn>user', assistant: '<start_of_turn>model' },
	seps: ['<end_of_turn>\n'],
	role_content_sep: '\n',
	role_empty_sep: '\n',
	stop_str: ['<end_of_turn>'],
	system_prefix_token_ids: [2],
	stop_token_ids: [1, 106]
};

const chat: ChatMessage[] = [
	{ role: 'user', content: 'Hi' },
	{ role: 'assistant', content: 'Hello!' },
	{ role: 'user', content: 'Why?' }
];
const render = (t: ConvTemplate, m: ChatMessage[]) => renderConversation(t, m).join('');

describe('renderConversation', () => {
	it('ChatML (Qwen2.5, Qwen3, SmolLM2), with the default or a given system message', () => {
		expect(render(qwen2, chat)).toBe(
			'<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' +
				'<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n' +
				'<|im_start|>user\nWhy?<|im_end|>\n<|im_start|>assistant\n'
		);
		expect(render(qwen2, [{ role: 'system', content: 'Be brief.' }, chat[0]])).toBe(
			'<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n'
		);
	});

	it('Llama 3.2 (BOS is left to the caller)', () => {
		expect(render(llama3, [{ role: 'system', content: 'S' }, chat[0]])).toBe(
			'<|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>' +
				'<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>' +
				'<|start_header_id|>assistant<|end_header_id|>\n\n'
		);
	});

	it('Gemma 3 (no system message by default)', () => {
		expect(render(gemma3, chat)).toBe(
			'<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n' +
				'<start_of_turn>user\nWhy?<end_of_turn>\n<start_of_turn>model\n'
		);
	});

	it('returns one piece per turn, as WebLLM tokenizes them', () => {
		expect(renderConversation(gemma3, chat)).toHaveLength(4);
		expect(renderConversation(qwen2, chat)).toHaveLength(5);
	});

	it('throws clear errors', () => {
		expect(() => render(qwen2, [chat[0], { role: 'system', content: 'late' }])).toThrow(
			/system message can only come first/
		);
		expect(() => render({ ...qwen2, seps: [] }, chat)).toThrow(/no separators/);
		expect(() => render({ ...qwen2, roles: { user: 'u' } }, chat)).toThrow(/"assistant" role/);
	});
});
