/**
 * Describes a synthetic model (llama architecture unless `arch` names another of
 * tools/gguf/architectures.ts): the metadata llama.cpp needs, a
 * SentencePiece-style ("llama") vocabulary of any size, and the tensors llama.cpp expects,
 * filled with deterministic random weights from a seed. The weights mean nothing; the models
 * exist to test and benchmark engines at real vocabulary sizes and quantization types.
 * Called by tools/gguf/make-model.ts, which streams the result to a file with the GGUF writer.
 */
import { Xoshiro128StarStar } from '../../src/lib/sampling/rng';
import {
	architectureMetadata,
	architectureTensors,
	isArchitecture,
	type Architecture,
	type Shape
} from './architectures';
import { encodeTensor, TENSOR_TYPES, type TensorTypeName } from './quantize';
import {
	gguf,
	GgufType,
	type GgufLayout,
	type GgufValue,
	type TensorData,
	type TensorInfo
} from './writer';
import type { NamedTokenizer } from './tokenizer';

export interface LlamaSpec {
	vocab: number;
	embedding: number;
	layers: number;
	heads: number;
	kvHeads: number;
	ffn: number;
	context: number;
	/** The type of every matrix; norms stay F32, as llama.cpp's converters write them. */
	type: TensorTypeName;
	seed: number;
	/** The tensor layout and `general.architecture`; llama when omitted. */
	arch?: Architecture;
	/** Values per attention head; embedding / heads when omitted (Qwen3 and Gemma 3 differ). */
	headDim?: number;
	/** `tokenizer.chat_template` of the synthetic tokenizer, when the model should have one. */
	chatTemplate?: string;
	/** Control tokens (e.g. `<|im_start|>`, `<|im_end|>`) that take the synthetic vocabulary's last ids. */
	controlTokens?: string[];
	/** A real tokenizer (tools/gguf/tokenizer.ts) instead of the synthetic one; `vocab` is its size. */
	tokenizer?: NamedTokenizer;
}

/** A ChatML chat template (Qwen's turn format), for synthetic chat models in tests. */
export const CHATML_TEMPLATE =
	"{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** The control tokens {@link CHATML_TEMPLATE} writes. */
export const CHATML_CONTROL_TOKENS = ['<|im_start|>', '<|im_end|>'];

export const DEFAULT_SPEC: LlamaSpec = {
	vocab: 32_000,
	embedding: 64,
	layers: 2,
	heads: 4,
	kvHeads: 2,
	ffn: 128,
	context: 2048,
	type: 'F32',
	seed: 1
};

/** The vocabulary sizes of the models the issue measures (TinyStories, Llama 2, SmolLM2, Qwen2.5, Gemma 3). */
export const VOCAB_SIZES = [512, 32_000, 49_152, 151_936, 262_144] as const;

/** llama.cpp's `general.file_type` (llama_ftype) for a model whose matrices are all `type`. */
const FILE_TYPE: Record<TensorTypeName, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7 };

/** llama_token_type. */
export const TokenType = { Normal: 1, Unknown: 2, Control: 3, Byte: 6 } as const;

export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
/** <unk>, <s>, </s> and the 256 byte tokens come before the pieces. */
export const FIRST_PIECE_ID = 3 + 256;
/** SentencePiece's word boundary, which stands for a space. */
const SPACE = '\u2581';
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const SINGLE_CHARACTERS = `${SPACE}${LETTERS}${LETTERS.toUpperCase()}0123456789.,!?'":;-()`;
/** Enough for pieces up to 262,144 tokens and more (26⁴ words of four letters). */
const MAX_WORD_LENGTH = 4;

export interface Vocabulary {
	tokens: string[];
	scores: number[];
	types: number[];
}

/** The last vocabulary made: models of one size in several types share it. */
let lastVocabulary: Vocabulary | null = null;

/** Lower-case words of exactly `length` letters, in order. */
function* words(length: number): Generator<string> {
	if (length === 0) {
		yield '';
		return;
	}
	for (const head of words(length - 1)) for (const letter of LETTERS) yield head + letter;
}

/** Every piece in the order the vocabulary takes them: single characters, then words with and without a leading space. */
function* pieces(): Generator<string> {
	yield* SINGLE_CHARACTERS;
	for (let length = 1; length <= MAX_WORD_LENGTH; length++) {
		for (const word of words(length)) {
			yield SPACE + word;
			if (length > 1) yield word;
		}
	}
}

/**
 * A SentencePiece-style vocabulary of `size` tokens: <unk>, <s>, </s>, the byte tokens
 * <0x00>…<0xFF>, then pieces made of letters (so text tokenizes into real pieces, and anything
 * else falls back to bytes), scored so shorter, earlier pieces rank first, as a trained model's do.
 */
export function llamaVocabulary(size: number): Vocabulary {
	if (lastVocabulary?.tokens.length === size) return lastVocabulary;
	const tokens = ['<unk>', '<s>', '</s>'];
	const types: number[] = [TokenType.Unknown, TokenType.Control, TokenType.Control];
	for (let byte = 0; byte < 256; byte++) {
		tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
		types.push(TokenType.Byte);
	}
	const scores = tokens.map(() => 0);
	let rank = 0;
	for (const piece of pieces()) {
		if (tokens.length >= size) break;
		tokens.push(piece);
		types.push(TokenType.Normal);
		scores.push(-++rank);
	}
	if (tokens.length < size)
		throw new RangeError(`a vocabulary of ${size} tokens is more than this generator makes`);
	lastVocabulary = { tokens, scores, types };
	return lastVocabulary;
}

/** Checks that `spec` describes a model llama.cpp can load and the types can encode. */
export function checkSpec(spec: LlamaSpec): void {
	const positive = ['vocab', 'embedding', 'layers', 'heads', 'kvHeads', 'ffn', 'context'] as const;
	for (const key of positive) {
		if (!Number.isInteger(spec[key]) || spec[key] < 1) {
			throw new RangeError(`${key} must be a positive integer, not ${spec[key]}`);
		}
	}
	if (spec.tokenizer && spec.tokenizer.tokens.length !== spec.vocab) {
		throw new RangeError(
			`vocab ${spec.vocab} must be the ${spec.tokenizer.name} tokenizer's ${spec.tokenizer.tokens.length} tokens`
		);
	}
	if (spec.tokenizer && (spec.chatTemplate !== undefined || spec.controlTokens !== undefined)) {
		throw new RangeError(
			`the ${spec.tokenizer.name} tokenizer brings its own chat template and control tokens`
		);
	}
	if (!spec.tokenizer && spec.vocab < FIRST_PIECE_ID + SINGLE_CHARACTERS.length) {
		throw new RangeError(
			`vocab must be at least ${FIRST_PIECE_ID + SINGLE_CHARACTERS.length}, not ${spec.vocab}`
		);
	}
	if (spec.headDim === undefined && spec.embedding % spec.heads !== 0) {
		throw new RangeError(`embedding ${spec.embedding} must be a multiple of heads ${spec.heads}`);
	}
	if (spec.heads % spec.kvHeads !== 0) {
		throw new RangeError(`heads ${spec.heads} must be a multiple of kvHeads ${spec.kvHeads}`);
	}
	if (spec.arch !== undefined && !isArchitecture(spec.arch))
		throw new RangeError(`unknown architecture ${String(spec.arch)}`);
	if (spec.headDim !== undefined && (!Number.isInteger(spec.headDim) || spec.headDim < 1))
		throw new RangeError(`headDim must be a positive integer, not ${spec.headDim}`);
	const headSize = headDimOf(spec);
	if (headSize % 2 !== 0)
		throw new RangeError(`the head size ${headSize} must be even (rotary embedding)`);
	if (!(spec.type in TENSOR_TYPES)) throw new RangeError(`unknown tensor type ${spec.type}`);
	const block = TENSOR_TYPES[spec.type].blockValues;
	for (const key of ['embedding', 'ffn'] as const) {
		if (spec[key] % block !== 0) {
			throw new RangeError(`${key} ${spec[key]} must be a multiple of ${block} for ${spec.type}`);
		}
	}
	// attn_output's rows hold every head's values.
	if ((headSize * spec.heads) % block !== 0) {
		throw new RangeError(
			`headDim × heads ${headSize * spec.heads} must be a multiple of ${block} for ${spec.type}`
		);
	}
	if (!Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffffffff) {
		throw new RangeError(`seed must be an unsigned 32-bit integer, not ${spec.seed}`);
	}
}

function headDimOf(spec: LlamaSpec): number {
	return spec.headDim ?? spec.embedding / spec.heads;
}

function shapeOf(spec: LlamaSpec): Shape {
	return { ...spec, headDim: headDimOf(spec) };
}

/** The tensors llama.cpp loads for the spec's architecture, in the order converters write them. */
export function llamaTensors(spec: LlamaSpec): TensorInfo[] {
	return architectureTensors(spec.arch ?? 'llama', shapeOf(spec));
}

/** A short name that says what the model is; also its `general.name`. */
export function modelName(spec: LlamaSpec): string {
	const chat = (spec.chatTemplate ?? spec.controlTokens) ? [`chat${chatHash(spec)}`] : [];
	return [
		`synthetic-${spec.arch ?? 'llama'}`,
		...(spec.tokenizer ? [spec.tokenizer.name] : []),
		`v${spec.vocab}`,
		`e${spec.embedding}`,
		`l${spec.layers}`,
		`h${spec.heads}`,
		`kv${spec.kvHeads}`,
		...(spec.headDim === undefined ? [] : [`hd${spec.headDim}`]),
		`ff${spec.ffn}`,
		`c${spec.context}`,
		`s${spec.seed}`,
		...chat,
		spec.type.toLowerCase()
	].join('-');
}

/** Eight hex digits (FNV-1a) of the chat template and control tokens, to tell files apart. */
function chatHash(spec: LlamaSpec): string {
	let hash = 0x811c9dc5;
	for (const char of JSON.stringify([spec.chatTemplate ?? null, spec.controlTokens ?? []])) {
		hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
	}
	return hash.toString(16).padStart(8, '0');
}

/** The vocabulary of `spec`: {@link llamaVocabulary} with its control tokens at the end. */
function specVocabulary(spec: LlamaSpec): Vocabulary {
	const base = llamaVocabulary(spec.vocab);
	const extra = spec.controlTokens ?? [];
	if (extra.length === 0) return base;
	const at = spec.vocab - extra.length;
	if (at < FIRST_PIECE_ID)
		throw new RangeError(`vocab ${spec.vocab} has no room for ${extra.length} control tokens`);
	return {
		tokens: [...base.tokens.slice(0, at), ...extra],
		scores: [...base.scores.slice(0, at), ...extra.map(() => 0)],
		types: [...base.types.slice(0, at), ...extra.map(() => TokenType.Control)]
	};
}

/** The metadata of a model with `spec`, tokenizer included. */
export function llamaMetadata(spec: LlamaSpec): [string, GgufValue][] {
	return [
		['general.architecture', gguf.str(spec.arch ?? 'llama')],
		['general.name', gguf.str(modelName(spec))],
		['general.file_type', gguf.u32(FILE_TYPE[spec.type])],
		...architectureMetadata(spec.arch ?? 'llama', shapeOf(spec)),
		...(spec.tokenizer?.metadata ?? syntheticTokenizerMetadata(spec))
	];
}

function syntheticTokenizerMetadata(spec: LlamaSpec): [string, GgufValue][] {
	const vocabulary = specVocabulary(spec);
	const chat: [string, GgufValue][] =
		spec.chatTemplate === undefined
			? []
			: [['tokenizer.chat_template', gguf.str(spec.chatTemplate)]];
	return [
		['tokenizer.ggml.model', gguf.str('llama')],
		['tokenizer.ggml.tokens', gguf.array(GgufType.String, vocabulary.tokens)],
		['tokenizer.ggml.scores', gguf.array(GgufType.Float32, vocabulary.scores)],
		['tokenizer.ggml.token_type', gguf.array(GgufType.Int32, vocabulary.types)],
		['tokenizer.ggml.unknown_token_id', gguf.u32(UNK_ID)],
		['tokenizer.ggml.bos_token_id', gguf.u32(BOS_ID)],
		['tokenizer.ggml.eos_token_id', gguf.u32(EOS_ID)],
		['tokenizer.ggml.add_bos_token', gguf.bool(true)],
		['tokenizer.ggml.add_eos_token', gguf.bool(false)],
		...chat
	];
}

/** Values per piece of tensor data: whole rows, about 1 Mi values. */
const CHUNK_VALUES = 1 << 20;

/**
 * The model's layout and its tensor data: random weights uniform in ±1/√(row length) (±1 for
 * the embeddings), norms of ones, drawn in tensor order from one xoshiro128** stream seeded
 * with `spec.seed`, so the same spec gives the same bytes, and the same weights in every type.
 */
export function llamaModel(spec: LlamaSpec): { layout: GgufLayout; data: TensorData } {
	checkSpec(spec);
	const layout: GgufLayout = { metadata: llamaMetadata(spec), tensors: llamaTensors(spec) };
	const rng = Xoshiro128StarStar.fromSeed(spec.seed);
	function* data(tensor: TensorInfo): Generator<Uint8Array> {
		const [row, rows = 1] = tensor.shape;
		if (tensor.name.endsWith('_norm.weight')) {
			yield encodeTensor(tensor.type, new Float32Array(row).fill(1));
			return;
		}
		const scale = tensor.name === 'token_embd.weight' ? 1 : 1 / Math.sqrt(row);
		const rowsPerChunk = Math.max(1, Math.floor(CHUNK_VALUES / row));
		for (let first = 0; first < rows; first += rowsPerChunk) {
			const values = new Float32Array(Math.min(rowsPerChunk, rows - first) * row);
			for (let i = 0; i < values.length; i++) values[i] = (rng.nextFloat() * 2 - 1) * scale;
			yield encodeTensor(tensor.type, values);
		}
	}
	return { layout, data };
}
