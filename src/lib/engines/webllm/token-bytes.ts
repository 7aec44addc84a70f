/**
 * The raw bytes of single tokens of a Hugging Face `tokenizer.json` vocabulary. The tokenizer
 * library only gives token strings (and decodes whole sequences to text, which loses the bytes
 * of a partial UTF-8 character), so the vocabulary's own spelling is undone here:
 * - `byte_level` (GPT-2 style BPE: Llama 3, Qwen, SmolLM): every byte is spelled as one
 *   printable character, e.g. "Ġ" is a space;
 * - `byte_fallback` (SentencePiece style: Gemma): "▁" is a space and `<0xNN>` is one raw byte;
 * - `raw`: the token string is the text.
 * Added tokens (e.g. `<|im_end|>`) are always their literal text.
 */
export type TokenSpelling = 'byte_level' | 'byte_fallback' | 'raw';

/** Inverse of the GPT-2 byte-to-character table: character code → byte. */
function byteLevelDecoder(): Map<number, number> {
	const printable: number[] = [];
	for (let b = 33; b <= 126; b++) printable.push(b);
	for (let b = 161; b <= 172; b++) printable.push(b);
	for (let b = 174; b <= 255; b++) printable.push(b);
	const table = new Map<number, number>();
	for (const b of printable) table.set(b, b);
	let next = 256;
	for (let b = 0; b < 256; b++) if (!printable.includes(b)) table.set(next++, b);
	return table;
}

let byteLevel: Map<number, number> | null = null;
const encoder = new TextEncoder();

export function tokenStringBytes(token: string, spelling: TokenSpelling): Uint8Array {
	if (spelling === 'byte_level') {
		byteLevel ??= byteLevelDecoder();
		const out: number[] = [];
		for (const char of token) {
			const byte = byteLevel.get(char.codePointAt(0) ?? -1);
			if (byte !== undefined) out.push(byte);
			else out.push(...encoder.encode(char));
		}
		return new Uint8Array(out);
	}
	if (spelling === 'byte_fallback') {
		const raw = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
		if (raw) return new Uint8Array([parseInt(raw[1], 16)]);
		return encoder.encode(token.replaceAll('\u2581', ' '));
	}
	return encoder.encode(token);
}

/** What the engine needs to know about a `tokenizer.json` besides what the tokenizer does. */
export interface TokenizerFacts {
	spelling: TokenSpelling;
	/** Added tokens (id → literal text), e.g. control tokens. */
	addedTokens: Map<number, string>;
	/** Added tokens marked special. */
	specialIds: Set<number>;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mentionsType(node: unknown, type: string): boolean {
	if (!isObject(node)) return false;
	if (node.type === type) return true;
	const children = node.decoders ?? node.pretokenizers;
	return Array.isArray(children) && children.some((child) => mentionsType(child, type));
}

/**
 * Reads the added tokens and the vocabulary's spelling from `tokenizer.json`. `declared` is
 * WebLLM's `token_postproc_method` from mlc-chat-config.json, trusted when present.
 */
export function tokenizerFacts(json: ArrayBuffer, declared?: string): TokenizerFacts {
	const parsed: unknown = JSON.parse(new TextDecoder().decode(json));
	if (!isObject(parsed)) throw new Error('tokenizer.json is not an object');
	const addedTokens = new Map<number, string>();
	const specialIds = new Set<number>();
	for (const token of Array.isArray(parsed.added_tokens) ? parsed.added_tokens : []) {
		if (!isObject(token) || !Number.isInteger(token.id) || typeof token.content !== 'string') {
			continue;
		}
		addedTokens.set(token.id as number, token.content);
		if (token.special === true) specialIds.add(token.id as number);
	}
	let spelling: TokenSpelling;
	if (declared === 'byte_level' || declared === 'byte_fallback' || declared === 'raw') {
		spelling = declared;
	} else if (mentionsType(parsed.decoder, 'ByteLevel')) {
		spelling = 'byte_level';
	} else if (
		mentionsType(parsed.decoder, 'ByteFallback') ||
		(isObject(parsed.model) && parsed.model.byte_fallback === true)
	) {
		spelling = 'byte_fallback';
	} else {
		spelling = 'raw';
	}
	return { spelling, addedTokens, specialIds };
}
