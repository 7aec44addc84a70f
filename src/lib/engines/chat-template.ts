import { Template } from '@huggingface/jinja';
import type { ChatMessage } from '#lib/core/prompt';

/**
 * Renders a model's own Jinja chat template (the GGUF's `tokenizer.chat_template`) with
 * @huggingface/jinja, for the engines that have no renderer of their own (our llama.cpp build
 * and wllama): the variables real templates read (messages, add_generation_prompt, the
 * special-token names; `raise_exception` and `strftime_now` come with the library). A template
 * that is missing or fails says so and names the model: there is no fallback format.
 * Called by generation/prompt.ts and by the engines' `formatChat`.
 */

/** The special-token names templates use (`{{ bos_token }}`), as the tokenizer config gives them. */
export interface TemplateTokenNames {
	bos_token?: string;
	eos_token?: string;
	pad_token?: string;
	unk_token?: string;
	sep_token?: string;
}

export class ChatTemplateError extends Error {
	override name = 'ChatTemplateError';
}

export interface RenderChatOptions {
	/** Named in every error. */
	modelName: string;
	/** The Jinja source, or null when the model has none. */
	template: string | null;
	messages: readonly ChatMessage[];
	tokens: TemplateTokenNames;
	/** Opens the assistant's turn at the end (default true). */
	addGenerationPrompt?: boolean;
}

/** Parsed templates by source: parsing a long template costs more than rendering it. */
const parsed = new Map<string, Template>();

function parse(source: string): Template {
	let template = parsed.get(source);
	if (!template) {
		template = new Template(source);
		if (parsed.size > 8) parsed.clear();
		parsed.set(source, template);
	}
	return template;
}

export function renderChatTemplate(options: RenderChatOptions): string {
	const { modelName, template, messages, tokens } = options;
	if (template === null || template.trim() === '') {
		throw new ChatTemplateError(
			`"${modelName}" has no chat template (tokenizer.chat_template), so chat mode cannot format a conversation for it; use completion mode`
		);
	}
	let compiled: Template;
	try {
		compiled = parse(template);
	} catch (error) {
		throw new ChatTemplateError(
			`The chat template of "${modelName}" could not be read: ${messageOf(error)}`,
			{ cause: error }
		);
	}
	const names = Object.fromEntries(Object.entries(tokens).filter(([, v]) => v !== undefined));
	try {
		return compiled.render({
			...names,
			messages: messages.map((m) => ({ role: m.role, content: m.content })),
			add_generation_prompt: options.addGenerationPrompt ?? true
		});
	} catch (error) {
		throw new ChatTemplateError(
			`The chat template of "${modelName}" failed to render: ${messageOf(error)}`,
			{ cause: error }
		);
	}
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
