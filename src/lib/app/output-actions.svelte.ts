import type { PromptDraft } from './prompt.svelte';
import type { ContinueBlock, SingleRun } from './single-run.svelte';

/** Where Copy puts the output (the browser's clipboard; a fake in tests). */
export interface ClipboardWriter {
	writeText(text: string): Promise<void>;
}

/** Why Continue is not offered, in words for the page (null: it is offered). */
export const CONTINUE_BLOCKED: Record<Exclude<ContinueBlock, null>, string> = {
	'no-run': 'Run first: Continue goes on from a run made here.',
	running: 'Wait for the run to end, or stop it.',
	stored:
		'A run reopened from the history cannot be continued; open its settings and run it with more tokens.',
	native:
		"Continue needs the exact sampler: the engine's own sampler (native mode) cannot resume its random stream, so its output would not be the longer run's.",
	ended:
		'The run ended on its own (end of text, a stop sequence or a full context); a longer run would have ended there too.',
	'other-model': 'Another model is loaded now than the one this output came from.'
};

/** How long "Copied" stays on show. */
const STATUS_MS = 2500;

/**
 * What can be done with the output on show and the conversation: copy the output, continue it,
 * regenerate it with a new seed; in chat mode edit a message and resend it, regenerate the last
 * reply, clear the conversation (with undo). Calls the single run and the prompt draft; the
 * output view and the prompt editor call it, and read {@link status} for their live region.
 */
export class OutputActions {
	/** What the last action did, announced in a live region ("Copied"); '' when nothing to say. */
	status = $state('');
	/** The user message being edited (its index in the conversation), or null. */
	editing = $state<number | null>(null);
	/** The edited text of that message. */
	editText = $state('');
	#statusTimer: ReturnType<typeof setTimeout> | undefined;

	constructor(
		private readonly deps: {
			single: SingleRun;
			prompt: PromptDraft;
			/** None where the browser gives no clipboard: Copy then says so. */
			clipboard: ClipboardWriter | null;
		}
	) {}

	/** There is output to copy. */
	get canCopy(): boolean {
		return this.deps.single.output.length > 0;
	}

	async copy(): Promise<void> {
		const { single, clipboard } = this.deps;
		if (!this.canCopy) return;
		if (!clipboard) {
			this.#say('Copy is not available here: the browser gives this page no clipboard.');
			return;
		}
		try {
			await clipboard.writeText(single.output);
			this.#say('Copied');
		} catch (error) {
			this.#say(`Could not copy: ${(error as Error | null)?.message ?? String(error)}`);
		}
	}

	/** Why Continue is not offered now, or null when it is. */
	get continueBlocked(): string | null {
		const block = this.deps.single.continueBlock;
		return block === null ? null : CONTINUE_BLOCKED[block];
	}

	continueRun(): Promise<void> {
		return this.deps.single.continueRun();
	}

	/**
	 * Runs again with a new seed: in chat mode the last reply is regenerated from the
	 * conversation before it; otherwise the last run's prompt is sent again.
	 */
	regenerate(): Promise<void> {
		const { single, prompt } = this.deps;
		const reply = prompt.mode === 'chat' ? prompt.lastReplyInput() : null;
		return single.regenerate(reply ?? undefined);
	}

	/** The conversation ends with a reply that can be regenerated. */
	get canRegenerateReply(): boolean {
		return this.deps.prompt.lastReplyInput() !== null;
	}

	/** Regenerates the conversation's last reply with a new seed (shown in the seed box). */
	async regenerateReply(): Promise<void> {
		const input = this.deps.prompt.lastReplyInput();
		if (input) await this.deps.single.regenerate(input);
	}

	startEdit(index: number): void {
		const message = this.deps.prompt.conversation[index];
		if (message?.role !== 'user') return;
		this.editing = index;
		this.editText = message.content;
	}

	cancelEdit(): void {
		this.editing = null;
	}

	/**
	 * Sends the edited message: the conversation after it is dropped and its reply is generated
	 * again (with the panel's settings). The message box keeps what is typed there.
	 */
	async resend(): Promise<void> {
		const { single, prompt } = this.deps;
		const index = this.editing;
		if (index === null || single.running) return;
		const input = prompt.editMessage(index, this.editText);
		this.editing = null;
		if (input) await single.run({ input, keepDraft: true });
	}

	/** Clears the conversation; {@link undoClear} brings it back until the next turn. */
	clearConversation(): void {
		this.editing = null;
		this.deps.prompt.clearConversation();
		this.#say('Conversation cleared. Sessions already run stay in the history.');
	}

	undoClear(): void {
		this.deps.prompt.undoClear();
		this.#say('Conversation restored.');
	}

	#say(text: string): void {
		clearTimeout(this.#statusTimer);
		this.status = text;
		this.#statusTimer = setTimeout(() => (this.status = ''), STATUS_MS);
	}
}
