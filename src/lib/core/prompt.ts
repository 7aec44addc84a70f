/** What a run is asked to continue: raw text, or a conversation under the model's chat template. */

export interface ChatMessage {
	role: 'system' | 'user' | 'assistant';
	content: string;
}

export type PromptInput =
	/** Raw continuation of `prompt`; BOS is prepended when the model asks for it. */
	| { mode: 'completion'; prompt: string }
	/** The model's chat template over `messages`, after `systemPrompt` when it is not empty. */
	| { mode: 'chat'; systemPrompt?: string; messages: ChatMessage[] };
