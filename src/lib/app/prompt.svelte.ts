import type { ChatMessage, PromptInput } from '#lib/core/prompt';
import type { PlaygroundClient } from './client';
import { describeError } from './errors';
import type { ModelLoader } from './model-loader.svelte';
import type { Notices } from './notices.svelte';

export type PromptMode = 'completion' | 'chat';

/**
 * The prompt being written: completion text or a chat, and its tokens after "Show tokens". Calls
 * the client to tokenize; the prompt editor binds to it; runs, compare, explore and the draft
 * read it as a {@link PromptInput}.
 */
export class PromptDraft {
	mode = $state<PromptMode>('completion');
	prompt = $state('Once upon a time');
	systemPrompt = $state('You are a helpful assistant.');
	conversation = $state<ChatMessage[]>([]);
	/** Tokens shown after "Show tokens", with the load they were made on. */
	#tokens = $state<{ load: number; tokens: { id: number; piece: string }[] } | null>(null);

	constructor(
		private readonly client: PlaygroundClient,
		private readonly loader: ModelLoader,
		private readonly notices: Notices
	) {}

	/** The prompt's tokens as the loaded model sees them, after "Show tokens"; gone on a new load. */
	get promptTokens(): { id: number; piece: string }[] | null {
		const shown = this.#tokens;
		return shown && shown.load === this.loader.loads ? shown.tokens : null;
	}

	/** The prompt as the worker takes it, for single runs and lanes alike. */
	input(): PromptInput {
		if (this.mode === 'completion') return { mode: 'completion', prompt: this.prompt };
		return {
			mode: 'chat',
			systemPrompt: this.systemPrompt,
			messages: [...this.conversation, { role: 'user', content: this.prompt }]
		};
	}

	/** Puts a stored prompt in the editor; a chat's last user message becomes the prompt. */
	apply(input: PromptInput): void {
		this.mode = input.mode;
		if (input.mode === 'completion') {
			this.prompt = input.prompt;
			return;
		}
		const messages = [...input.messages];
		const last = messages.at(-1);
		this.prompt = last?.role === 'user' ? (messages.pop()?.content ?? '') : '';
		this.conversation = messages;
		this.systemPrompt = input.systemPrompt ?? '';
	}

	/** A chat turn ended with `reply`: it joins the conversation and the prompt is cleared. */
	continueChat(sent: PromptInput, reply: string): void {
		if (sent.mode !== 'chat') return;
		this.conversation = [...sent.messages, { role: 'assistant', content: reply }];
		this.prompt = '';
	}

	/** Splits the completion prompt into the model's tokens (without BOS), for display. */
	async tokenize(): Promise<void> {
		if (!this.loader.model) {
			this.notices.error = 'Load a model first.';
			return;
		}
		const load = this.loader.loads;
		try {
			const ids = await this.client.tokenize(this.prompt);
			const pieces = await this.client.tokenPieces(ids);
			this.#tokens = { load, tokens: ids.map((id, i) => ({ id, piece: pieces[i] })) };
		} catch (error) {
			this.notices.error = describeError(error);
		}
	}

	/** The prompt was edited: the tokens shown no longer match it. */
	hideTokens(): void {
		this.#tokens = null;
	}

	clearConversation(): void {
		this.conversation = [];
	}
}
