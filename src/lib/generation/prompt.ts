import type { Engine } from '#lib/engines/types';
import type { ModelInfo } from '#lib/core/model';
import { chatMessages, type PromptInput } from '#lib/core/prompt';
import { renderChatTemplate } from '#lib/engines/chat-template';
import {
	maskMessages,
	splitAtSpecialTokens,
	type Masks,
	type PromptPiece
} from '#lib/engines/special-tokens';

/**
 * The prompt as the model is fed it. Chat mode renders the model's own Jinja template (engines
 * with a renderer of their own, WebLLM, use theirs); special tokens are tokens only where the
 * template wrote them, never in what the user typed unless `parseSpecial` asks; BOS is
 * prepended when the model asks for it and the text does not start with it. Called by prefill,
 * native runs and the worker's "Show prompt".
 */

export interface BuiltPrompt {
	/** The prompt's text, cut at its special tokens (BOS included when prepended). */
	pieces: PromptPiece[];
	ids: number[];
}

export async function buildPrompt(
	engine: Engine,
	model: ModelInfo,
	input: PromptInput
): Promise<BuiltPrompt> {
	const parseSpecial = input.parseSpecial === true;
	let pieces: PromptPiece[];
	const ids: number[] = [];
	if (!engine.chatVocabulary) {
		// The engine renders chats itself, so its output's special tokens are parsed whole.
		const text =
			input.mode === 'chat' ? await engine.formatChat(chatMessages(input)) : input.prompt;
		pieces = [{ special: false, text }];
		ids.push(...(await engine.tokenize(text, { special: input.mode === 'chat' || parseSpecial })));
	} else {
		const vocabulary = await engine.chatVocabulary();
		const masks: Masks = [];
		if (input.mode === 'chat') {
			const messages = chatMessages(input);
			const rendered = renderChatTemplate({
				modelName: model.name,
				template: model.chatTemplate,
				messages: parseSpecial ? messages : maskMessages(messages, vocabulary.special, masks),
				tokens: vocabulary.names
			});
			pieces = splitAtSpecialTokens(rendered, vocabulary.special, masks);
		} else {
			pieces = parseSpecial
				? splitAtSpecialTokens(input.prompt, vocabulary.special)
				: [{ special: false, text: input.prompt }];
		}
		for (const piece of pieces) {
			if (piece.special) ids.push(piece.id);
			else ids.push(...(await engine.tokenize(piece.text, { special: false })));
		}
	}
	if (model.addBos && model.bosId !== null && ids[0] !== model.bosId) {
		ids.unshift(model.bosId);
		const text = new TextDecoder().decode(await engine.tokenBytes([model.bosId]));
		pieces.unshift({ special: true, text, id: model.bosId });
	}
	return { pieces, ids };
}

/** Token ids of the prompt as the model expects them (see {@link buildPrompt}). */
export async function promptTokens(
	engine: Engine,
	model: ModelInfo,
	input: PromptInput
): Promise<number[]> {
	return (await buildPrompt(engine, model, input)).ids;
}

/** One prompt token for display: its text and whether it is a special token. */
export interface PromptToken {
	id: number;
	piece: string;
	special: boolean;
}

/** The prompt as "Show prompt" shows it: its text cut at special tokens, and its tokens. */
export interface PromptView {
	pieces: PromptPiece[];
	tokens: PromptToken[];
}

export async function promptView(
	engine: Engine,
	model: ModelInfo,
	input: PromptInput
): Promise<PromptView> {
	const { pieces, ids } = await buildPrompt(engine, model, input);
	const special = new Set([
		...pieces.flatMap((piece) => (piece.special ? [piece.id] : [])),
		...model.stopIds,
		...(model.bosId === null ? [] : [model.bosId])
	]);
	const decoder = new TextDecoder();
	const tokens: PromptToken[] = [];
	for (const id of ids) {
		const piece = decoder.decode(await engine.tokenBytes([id]));
		tokens.push({ id, piece, special: special.has(id) });
	}
	return { pieces, tokens };
}
