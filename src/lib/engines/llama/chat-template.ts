import type { ChatMessage } from '#lib/core/prompt';

/**
 * The chat templates our llama.cpp engine renders itself while its C API has no
 * `llama_chat_apply_template`: ChatML, which llama.cpp uses for a model without a template and
 * for templates it recognizes as ChatML (they contain `<|im_start|>`, without Phi-4's
 * `<|im_sep|>` or SmolVLM's `<end_of_utterance>`). Called by the engine's formatChat.
 */

/** Whether llama.cpp would render chats for a model with this template (null: none) as ChatML. */
export function rendersAsChatMl(template: string | null): boolean {
	if (template === null) return true;
	return (
		template.includes('<|im_start|>') &&
		!template.includes('<|im_sep|>') &&
		!template.includes('<end_of_utterance>')
	);
}

/** A conversation in ChatML, the assistant's turn opened. */
export function renderChatMl(messages: readonly ChatMessage[]): string {
	let text = '';
	for (const { role, content } of messages) text += `<|im_start|>${role}\n${content}<|im_end|>\n`;
	return `${text}<|im_start|>assistant\n`;
}
