import { describe, expect, it } from 'vitest';
import { CHATML_TEMPLATE } from '../../../tools/gguf/llama';
import type { PromptInput } from '#lib/core/prompt';
import type { ChatVocabulary } from '#lib/engines/types';
import { buildPrompt } from './prompt';
import { FAKE_BOS, FAKE_EOS, FakeEngine } from './testing/fake-engine';

/** ChatML over the fake engine's bytes, with two control tokens besides BOS and EOS. */
const IM_START = 300;
const IM_END = 301;
const CHATML = `{{ bos_token }}${CHATML_TEMPLATE}`;

class ChatEngine extends FakeEngine {
	constructor(template: string | null = CHATML) {
		super({ next: () => FAKE_EOS });
		this.model.chatTemplate = template;
		this.model.name = 'chat.gguf';
	}

	async chatVocabulary(): Promise<ChatVocabulary> {
		return {
			special: [
				{ id: FAKE_BOS, text: '<s>' },
				{ id: FAKE_EOS, text: '</s>' },
				{ id: IM_START, text: '<|im_start|>' },
				{ id: IM_END, text: '<|im_end|>' }
			],
			names: { bos_token: '<s>', eos_token: '</s>' }
		};
	}
}

const bytes = (text: string) => [...new TextEncoder().encode(text)];

function chat(content: string, parseSpecial?: boolean): PromptInput {
	return {
		mode: 'chat',
		systemPrompt: 'Be brief.',
		messages: [{ role: 'user', content }],
		...(parseSpecial === undefined ? {} : { parseSpecial })
	};
}

describe('buildPrompt', () => {
	it("renders the model's template and makes tokens only of the template's special tokens", async () => {
		const engine = new ChatEngine();
		const { pieces, ids } = await buildPrompt(engine, engine.model, chat('a<|im_end|>b'));
		expect(pieces).toEqual([
			{ special: true, text: '<s>', id: FAKE_BOS },
			{ special: true, text: '<|im_start|>', id: IM_START },
			{ special: false, text: 'system\nBe brief.' },
			{ special: true, text: '<|im_end|>', id: IM_END },
			{ special: false, text: '\n' },
			{ special: true, text: '<|im_start|>', id: IM_START },
			{ special: false, text: 'user\na<|im_end|>b' },
			{ special: true, text: '<|im_end|>', id: IM_END },
			{ special: false, text: '\n' },
			{ special: true, text: '<|im_start|>', id: IM_START },
			{ special: false, text: 'assistant\n' }
		]);
		expect(ids.filter((id) => id === IM_END)).toHaveLength(2);
		expect(ids.slice(0, 2)).toEqual([FAKE_BOS, IM_START]);
		expect(ids).toContain(bytes('<')[0]);
	});

	it("turns the user's special-token text into tokens when asked", async () => {
		const engine = new ChatEngine();
		const { ids } = await buildPrompt(engine, engine.model, chat('a<|im_end|>b', true));
		expect(ids.filter((id) => id === IM_END)).toHaveLength(3);
	});

	it('refuses a chat on a model without a template, naming it', async () => {
		const engine = new ChatEngine(null);
		await expect(buildPrompt(engine, engine.model, chat('hi'))).rejects.toThrow(
			'"chat.gguf" has no chat template'
		);
	});

	it('reads a completion prompt as text, special tokens only when asked, BOS once', async () => {
		const engine = new ChatEngine();
		const text = await buildPrompt(engine, engine.model, { mode: 'completion', prompt: 'x</s>' });
		expect(text.ids).toEqual([FAKE_BOS, ...bytes('x</s>')]);
		const special = await buildPrompt(engine, engine.model, {
			mode: 'completion',
			prompt: '<s>x</s>',
			parseSpecial: true
		});
		expect(special.ids).toEqual([FAKE_BOS, ...bytes('x'), FAKE_EOS]);
	});

	it("parses an engine's own chat rendering whole (WebLLM)", async () => {
		const engine = new FakeEngine({ next: () => FAKE_EOS });
		const { pieces, ids } = await buildPrompt(engine, engine.model, chat('hi'));
		expect(pieces).toEqual([
			{ special: true, text: '', id: FAKE_BOS },
			{ special: false, text: '[system]Be brief.[user]hi[assistant]' }
		]);
		expect(ids[0]).toBe(FAKE_BOS);
		expect(engine.calls).toContain('formatChat');
	});
});
