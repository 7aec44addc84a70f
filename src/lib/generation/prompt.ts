import type { Engine } from '#lib/engines/types';
import type { ModelInfo } from '#lib/core/model';
import { chatMessages, type PromptInput } from '#lib/core/prompt';

/**
 * Token ids of the prompt as the model expects them: chat mode applies the model's template;
 * both modes parse special-token text and prepend BOS when the model asks for it (once).
 */
export async function promptTokens(
	engine: Engine,
	model: ModelInfo,
	input: PromptInput
): Promise<number[]> {
	const text = input.mode === 'chat' ? await engine.formatChat(chatMessages(input)) : input.prompt;
	const ids = await engine.tokenize(text, { special: true });
	if (model.addBos && model.bosId !== null && ids[0] !== model.bosId) ids.unshift(model.bosId);
	return ids;
}
