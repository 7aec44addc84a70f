import { describe, expect, it } from 'vitest';
import { renderChatMl, rendersAsChatMl } from './chat-template';

describe('ChatML, as llama.cpp renders it', () => {
	it('is used for models without a template and for ChatML templates only', () => {
		expect(rendersAsChatMl(null)).toBe(true);
		expect(
			rendersAsChatMl(
				"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
			)
		).toBe(true);
		expect(rendersAsChatMl("{{ '<|im_start|>' + role + '<|im_sep|>' }}")).toBe(false);
		expect(rendersAsChatMl('<|im_start|>User:<end_of_utterance>')).toBe(false);
		expect(rendersAsChatMl('{{ bos_token }}[INST] {{ content }} [/INST]')).toBe(false);
	});

	it("renders every turn, then opens the assistant's", () => {
		expect(
			renderChatMl([
				{ role: 'system', content: 'You tell stories.' },
				{ role: 'user', content: 'Tell me a story.' }
			])
		).toBe(
			'<|im_start|>system\nYou tell stories.<|im_end|>\n<|im_start|>user\nTell me a story.<|im_end|>\n<|im_start|>assistant\n'
		);
	});
});
