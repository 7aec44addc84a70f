import type { ChatMessage } from '#lib/core/prompt';

/**
 * Where special tokens are in a prompt: the text of the vocabulary's control tokens
 * (`<|im_end|>`) is a token only where the chat template wrote it, never inside what the user
 * typed. `maskMessages` hides control-token text in message contents before the template runs,
 * `splitAtSpecialTokens` cuts the rendered string at the template's own special tokens (longest
 * first, as llama.cpp partitions text), and `unmask` gives the contents back their text, which
 * is then tokenized as plain text. Pure; called by generation/prompt.ts, and by the wllama engine
 * for `specialTokenCandidates`.
 */

/** A control token of the vocabulary and the text it stands for. */
export interface SpecialToken {
	id: number;
	text: string;
}

/** A stretch of a prompt: text tokenized as text, or one special token. */
export type PromptPiece =
	{ special: false; text: string } | { special: true; text: string; id: number };

/** Brackets a masked occurrence's number (private-use characters no template writes). */
const OPEN = '\uE000';
const CLOSE = '\uE001';
const MASK = /\uE000(\d+)\uE001/g;

/** The texts masked so far; a mask is its index in this list. */
export type Masks = string[];

/** Longest first, so `<|im_start|>` is never read as a shorter token it contains. */
function byLength(tokens: readonly SpecialToken[]): SpecialToken[] {
	return tokens.filter((t) => t.text.length > 0).sort((a, b) => b.text.length - a.text.length);
}

/**
 * Each message with every control-token text in its content (and the mask brackets themselves,
 * should the user type them) replaced by a numbered mask, recorded in `masks`.
 */
export function maskMessages(
	messages: readonly ChatMessage[],
	tokens: readonly SpecialToken[],
	masks: Masks
): ChatMessage[] {
	const hidden = [...tokens, { id: -1, text: OPEN }, { id: -1, text: CLOSE }];
	return messages.map((message) => {
		const content = splitAtSpecialTokens(message.content, hidden)
			.map((piece) => {
				if (!piece.special) return piece.text;
				masks.push(piece.text);
				return `${OPEN}${masks.length - 1}${CLOSE}`;
			})
			.join('');
		return { ...message, content };
	});
}

/** `text` with every mask replaced by the text it hid. */
export function unmask(text: string, masks: Masks): string {
	return text.replace(MASK, (whole, n: string) => masks[Number(n)] ?? whole);
}

/**
 * `text` cut at every occurrence of a special token's text, longest tokens claimed first; the
 * text pieces have their masks undone. Empty text pieces are left out.
 */
export function splitAtSpecialTokens(
	text: string,
	tokens: readonly SpecialToken[],
	masks: Masks = []
): PromptPiece[] {
	let pieces: PromptPiece[] = [{ special: false, text }];
	for (const token of byLength(tokens)) {
		const next: PromptPiece[] = [];
		for (const piece of pieces) {
			if (piece.special || !piece.text.includes(token.text)) {
				next.push(piece);
				continue;
			}
			piece.text.split(token.text).forEach((part, i) => {
				if (i > 0) next.push({ special: true, text: token.text, id: token.id });
				next.push({ special: false, text: part });
			});
		}
		pieces = next;
	}
	return pieces
		.filter((piece) => piece.special || piece.text.length > 0)
		.map((piece) => (piece.special ? piece : { special: false, text: unmask(piece.text, masks) }));
}

/**
 * The strings of a template's literal text that look like special tokens (`<|im_start|>`,
 * `<start_of_turn>`), for an engine that cannot list its vocabulary's control tokens (wllama):
 * it keeps those the vocabulary has as one control token.
 */
export function specialTokenCandidates(template: string): string[] {
	return [...new Set(template.match(/<[^<>\s'"]{1,64}>/g) ?? [])];
}
