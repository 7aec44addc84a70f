import type { ChatMessage, PromptInput } from '#lib/core/prompt';
import type { SkillRef } from '#lib/core/skill';
import type { PromptToken, PromptView } from '#lib/generation/prompt';
import type { PlaygroundClient } from './client';
import { describeError } from './errors';
import type { ModelLoader } from './model-loader.svelte';
import type { Notices } from './notices.svelte';

export type PromptMode = 'completion' | 'chat';

/**
 * The prompt being written: completion text or a chat, whether special-token text typed in it
 * is parsed, and the prompt as the model is fed it after "Show prompt" (the rendered chat
 * template with its special tokens marked, and its tokens). Calls the client to render it; the
 * prompt editor binds to it; runs, compare, explore and the draft read it as a
 * {@link PromptInput}.
 */
export class PromptDraft {
	mode = $state<PromptMode>('completion');
	prompt = $state('Once upon a time');
	systemPrompt = $state('You are a helpful assistant.');
	conversation = $state<ChatMessage[]>([]);
	/** The conversation Clear took away, while Undo can bring it back. */
	cleared = $state.raw<ChatMessage[] | null>(null);
	/** Special-token text the user types (`<|im_end|>`) becomes that token; off: it is text. */
	parseSpecial = $state(false);
	/** The skill picked for the system prompt (its text as picked), or null. */
	skill = $state.raw<SkillRef | null>(null);
	/** The prompt shown after "Show prompt", with the load it was made on. */
	#shown = $state<{ load: number; view: PromptView } | null>(null);

	constructor(
		private readonly client: PlaygroundClient,
		private readonly loader: ModelLoader,
		private readonly notices: Notices
	) {}

	/** The prompt as the loaded model is fed it, after "Show prompt"; gone on a new load. */
	get shownPrompt(): PromptView | null {
		const shown = this.#shown;
		return shown && shown.load === this.loader.loads ? shown.view : null;
	}

	/** The shown prompt's tokens (see {@link shownPrompt}). */
	get promptTokens(): PromptToken[] | null {
		return this.shownPrompt?.tokens ?? null;
	}

	/** The prompt as the worker takes it, for single runs and lanes alike. */
	input(): PromptInput {
		const special = this.parseSpecial ? { parseSpecial: true } : {};
		if (this.mode === 'completion') return { mode: 'completion', prompt: this.prompt, ...special };
		return {
			mode: 'chat',
			systemPrompt: this.systemPrompt,
			messages: [...this.conversation, { role: 'user', content: this.prompt }],
			...special
		};
	}

	/** Puts a stored prompt in the editor; a chat's last user message becomes the prompt. */
	apply(input: PromptInput): void {
		this.cleared = null;
		this.mode = input.mode;
		this.parseSpecial = input.parseSpecial === true;
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

	/**
	 * A chat turn ended with `reply`: the conversation becomes what was sent and the reply (a
	 * regenerated or continued reply replaces the old one), and the message box is cleared unless
	 * `keepDraft` (the turn did not come from it).
	 */
	continueChat(sent: PromptInput, reply: string, options: { keepDraft?: boolean } = {}): void {
		if (sent.mode !== 'chat') return;
		this.conversation = [...sent.messages, { role: 'assistant', content: reply }];
		this.cleared = null;
		if (!options.keepDraft) this.prompt = '';
	}

	/**
	 * The chat to send to regenerate the last reply: the conversation up to the user message
	 * before it; null when the conversation does not end with a reply to a user message.
	 */
	lastReplyInput(): PromptInput | null {
		const messages = this.conversation;
		if (messages.at(-1)?.role !== 'assistant' || messages.at(-2)?.role !== 'user') return null;
		return this.#chatInput(messages.slice(0, -1));
	}

	/**
	 * Edits the user message at `index` for resending: the conversation after it is dropped and
	 * the edited text is the chat to send. Returns it, or null when `index` is not a user message.
	 */
	editMessage(index: number, text: string): PromptInput | null {
		if (this.conversation[index]?.role !== 'user') return null;
		const messages = [
			...this.conversation.slice(0, index),
			{ role: 'user' as const, content: text }
		];
		this.conversation = messages.slice(0, -1);
		this.cleared = null;
		this.hideTokens();
		return this.#chatInput(messages);
	}

	#chatInput(messages: ChatMessage[]): PromptInput {
		const special = this.parseSpecial ? { parseSpecial: true } : {};
		return { mode: 'chat', systemPrompt: this.systemPrompt, messages, ...special };
	}

	/**
	 * Renders the prompt as the model is fed it (chat template, BOS), for display; a template
	 * that fails is reported as the run would report it.
	 */
	async showPrompt(): Promise<void> {
		if (!this.loader.model) {
			this.notices.error = 'Load a model first.';
			return;
		}
		const load = this.loader.loads;
		try {
			this.#shown = { load, view: await this.client.renderPrompt(this.input()) };
		} catch (error) {
			this.notices.error = describeError(error);
		}
	}

	/** The prompt was edited: the prompt shown no longer matches it. */
	hideTokens(): void {
		this.#shown = null;
	}

	/** Picks a skill: its text becomes the system prompt, which may be edited afterwards. */
	pickSkill(skill: SkillRef | null): void {
		this.skill = skill && { name: skill.name, systemPrompt: skill.systemPrompt };
		if (skill) this.systemPrompt = skill.systemPrompt;
	}

	/** The system prompt was changed after the skill was picked. */
	get skillEdited(): boolean {
		return this.skill !== null && this.skill.systemPrompt !== this.systemPrompt;
	}

	/**
	 * Clears the conversation; {@link undoClear} brings it back until the next turn. Sessions it
	 * ran in stay in the history.
	 */
	clearConversation(): void {
		if (this.conversation.length === 0) return;
		this.cleared = this.conversation;
		this.conversation = [];
		this.hideTokens();
	}

	/** Brings back the conversation {@link clearConversation} cleared. */
	undoClear(): void {
		if (!this.cleared) return;
		this.conversation = this.cleared;
		this.cleared = null;
		this.hideTokens();
	}
}
