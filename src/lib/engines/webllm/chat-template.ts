import type { ChatMessage } from '#lib/core/prompt';
import type { ConvTemplate } from './config';

export class ChatTemplateError extends Error {
	override name = 'ChatTemplateError';
}

/** WebLLM's rule for the optional separators: absent means ": ", an empty string means none. */
function separator(value: string | null | undefined): string {
	return typeof value === 'string' ? value : ': ';
}

/**
 * Renders a conversation with a WebLLM (MLC) conversation template, ending with the assistant's
 * turn opened, the way WebLLM 0.2.86 builds a chat prompt from `mlc-chat-config.json`. WebLLM
 * does not export its conversation helpers, so the rules are re-implemented here from the
 * template's fields: an optional system message first, then each turn as role + separator +
 * message (through the role's template) + the next of `seps`.
 *
 * Returns the pieces WebLLM tokenizes one by one (it encodes each turn separately). The
 * template's `system_prefix_token_ids` (usually just BOS) are not rendered; the caller adds them.
 */
export function renderConversation(
	template: ConvTemplate,
	messages: readonly ChatMessage[]
): string[] {
	if (!Array.isArray(template.seps) || template.seps.length === 0) {
		throw new ChatTemplateError("The model's conversation template has no separators");
	}
	let systemMessage = template.system_message ?? '';
	let turns = messages;
	if (messages[0]?.role === 'system') {
		systemMessage = messages[0].content;
		turns = messages.slice(1);
	}
	if (turns.some((m) => m.role === 'system')) {
		throw new ChatTemplateError('A system message can only come first in the conversation');
	}
	for (const role of ['user', 'assistant']) {
		if (typeof template.roles?.[role] !== 'string') {
			throw new ChatTemplateError(`The model's conversation template has no "${role}" role`);
		}
	}
	const systemPrompt =
		systemMessage === '' && template.render_empty_system_message === false
			? ''
			: (template.system_template ?? '{system_message}').replace('{system_message}', systemMessage);
	const parts = systemPrompt === '' ? [] : [systemPrompt];
	turns.forEach((turn, i) => {
		const roleTemplate = template.role_templates?.[turn.role];
		const message = (
			roleTemplate !== undefined
				? roleTemplate.replace(`{${turn.role}_message}`, turn.content)
				: turn.content
		).replace('{function_string}', '');
		const prefix =
			template.add_role_after_system_message === false && systemPrompt !== '' && i === 0
				? ''
				: template.roles[turn.role] + separator(template.role_content_sep);
		parts.push(prefix + message + template.seps[i % template.seps.length]);
	});
	parts.push(template.roles.assistant + separator(template.role_empty_sep));
	return parts;
}
