/** What a run is asked to continue: raw text, or a conversation under the model's chat template. */

export interface ChatMessage {
	role: 'system' | 'user' | 'assistant';
	content: string;
}

export type PromptInput =
	/** Raw continuation of `prompt`; BOS is prepended when the model asks for it. */
	| { mode: 'completion'; prompt: string; parseSpecial?: boolean }
	/** The model's chat template over `messages`, after `systemPrompt` when it is not empty. */
	| { mode: 'chat'; systemPrompt?: string; messages: ChatMessage[]; parseSpecial?: boolean };

/*
 * `parseSpecial`: special-token text the user typed (`<|im_end|>` in a message or in the
 * completion text) becomes that token. Off by default: only the chat template's own special
 * tokens are tokens, and what the user typed is text.
 */

/** The conversation handed to the chat template: the system prompt first, when there is one. */
export function chatMessages(input: Extract<PromptInput, { mode: 'chat' }>): ChatMessage[] {
	const system = input.systemPrompt?.trim()
		? [{ role: 'system' as const, content: input.systemPrompt }]
		: [];
	return [...system, ...input.messages];
}
