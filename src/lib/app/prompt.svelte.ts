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

	/** A chat turn ended with `reply`: it joins the conversation and the prompt is cleared. */
	continueChat(sent: PromptInput, reply: string): void {
		if (sent.mode !== 'chat') return;
		this.conversation = [...sent.messages, { role: 'assistant', content: reply }];
		this.prompt = '';
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

	clearConversation(): void {
		this.conversation = [];
	}
}
