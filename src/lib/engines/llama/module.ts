/**
 * Our llama.cpp WebAssembly module (static/engine/playground-llama.wasm, built by
 * `npm run build:engine` from engine/playground.cpp) as a TypeScript class: one instance holds
 * one model. It wraps the C API one call per method and turns its status codes into errors;
 * engine/playground.h is the contract. The CPU engine adapter (to come) and the tests use it,
 * in a worker, in the browser or in Node.
 */
import { ContextFullError, EngineCrashedError } from '../errors';
import { bytesReader } from './model-reader';
import { createWasiShim, type WasiLineSink } from './wasi';

/** The served path of the module, relative to the app's base. */
export const LLAMA_WASM_PATH = 'engine/playground-llama.wasm';

/** The C API's exports (see engine/playground.h); pointers are byte offsets into memory. */
interface Exports {
	memory: WebAssembly.Memory;
	_initialize(): void;
	pg_alloc(size: number): number;
	pg_free(ptr: number): void;
	pg_last_error(): number;
	pg_load(fileSize: number, nCtx: number, kvType: number, nSeqMax: number): number;
	pg_unload(): void;
	pg_n_vocab(): number;
	pg_n_ctx(): number;
	pg_n_ctx_train(): number;
	pg_n_seq_max(): number;
	pg_token_bos(): number;
	pg_token_eos(): number;
	pg_token_eot(): number;
	pg_token_sep(): number;
	pg_token_nl(): number;
	pg_token_pad(): number;
	pg_add_bos(): number;
	pg_token_is_eog(token: number): number;
	pg_token_is_control(token: number): number;
	pg_architecture(): number;
	pg_chat_template(): number;
	pg_eog_tokens(out: number, cap: number): number;
	pg_chat_apply(
		roles: number,
		contents: number,
		n: number,
		addAssistant: number,
		out: number,
		cap: number
	): number;
	pg_meta(key: number): number;
	pg_tokenize(
		text: number,
		len: number,
		addBos: number,
		parseSpecial: number,
		out: number,
		cap: number
	): number;
	pg_token_piece(token: number, special: number, out: number, cap: number): number;
	pg_decode(tokens: number, pos: number, seq: number, logits: number, n: number): number;
	pg_logits(row: number): number;
	pg_logits_summary(row: number): number;
	pg_seq_rm(seq: number, p0: number): number;
	pg_seq_cp(src: number, dst: number, p0: number, p1: number): number;
	pg_seq_pos_max(seq: number): number;
	pg_clear(): number;
}

/** Status codes of engine/playground.h. */
const PG_ERR_CONTEXT_FULL = -5;

/**
 * The model file as the module reads it during a load (engine/playground.h, pg_host_read):
 * `read` copies up to `into.length` bytes from `offset` on into `into` and returns how many (0
 * at the end). See `model-reader.ts` for readers over bytes and over a Blob.
 */
export interface ModelFileReader {
	readonly size: number;
	read(offset: number, into: Uint8Array): number;
}

/** A failure the C API reported (the instance stays usable). */
export class LlamaError extends Error {
	override name = 'LlamaError';
	constructor(
		readonly code: number,
		message: string
	) {
		super(message);
	}
}

export type KvCacheType = 'f32' | 'f16';

export interface LlamaLoadOptions {
	/** Context length in tokens; 0 = the model's trained context. */
	nCtx: number;
	/** KV cache precision: f32 (default) keeps logits exact, f16 halves its memory. */
	kvType?: KvCacheType;
	/** Sequences (lanes) that can live in the cache at once; default 1. */
	nSeqMax?: number;
	/** Called as the file is read, with the bytes read so far. */
	onRead?: (bytesRead: number) => void;
}

/** What a loaded model says about itself; special ids are -1 when the model has none. */
export interface LlamaFacts {
	architecture: string;
	nVocab: number;
	nCtx: number;
	nCtxTrain: number;
	nSeqMax: number;
	bos: number;
	eos: number;
	eot: number;
	sep: number;
	nl: number;
	pad: number;
	/** The vocabulary asks for BOS before a prompt. */
	addBos: boolean;
	/** The model's default chat template (Jinja text), or null. */
	chatTemplate: string | null;
}

/** A row's logits summed up for figures: see `DistributionSummary` in engines/types.ts. */
export interface LogitsSummary {
	max: number;
	logSum: number;
	meanShift: number;
}

/** One decode call: row i feeds tokens[i] at positions[i] into sequence seqs[i]. */
export interface LlamaBatch {
	tokens: ArrayLike<number>;
	positions: ArrayLike<number>;
	seqs: ArrayLike<number>;
	/** Rows whose logits are wanted (the others are only fed). */
	logits: ArrayLike<boolean>;
}

export interface LlamaInstantiateOptions {
	/** Lines the module writes (llama.cpp's errors go to stderr); default: dropped. */
	log?: WasiLineSink;
}

const utf8 = new TextEncoder();

/** The module's host import: pg_host_read reads from the file of the load under way. */
interface HostFile {
	reader: ModelFileReader | null;
	onRead?: (bytesRead: number) => void;
	bytesRead: number;
	error: string | null;
}

function hostImports(host: HostFile, memory: () => WebAssembly.Memory) {
	return {
		pg_host_read(offset: number, dst: number, length: number): number {
			const reader = host.reader;
			if (reader === null) return -1;
			try {
				const n = reader.read(offset, new Uint8Array(memory().buffer, dst >>> 0, length));
				host.bytesRead = Math.max(host.bytesRead, offset + n);
				host.onRead?.(host.bytesRead);
				return n;
			} catch (error) {
				host.error = error instanceof Error ? error.message : String(error);
				return -1;
			}
		}
	};
}

export class LlamaWasm {
	private readonly exports: Exports;
	private readonly host: HostFile;
	private crashed: string | null = null;

	private constructor(exports: Exports, host: HostFile) {
		this.exports = exports;
		this.host = host;
	}

	/** Instantiates the module from its bytes or a compiled module (one model per instance). */
	static async instantiate(
		wasm: BufferSource | WebAssembly.Module,
		options: LlamaInstantiateOptions = {}
	): Promise<LlamaWasm> {
		const shim = createWasiShim(options.log ?? (() => {}));
		const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
		const host: HostFile = { reader: null, bytesRead: 0, error: null };
		let memory: WebAssembly.Memory | null = null;
		const instance = await WebAssembly.instantiate(module, {
			...shim.imports,
			env: hostImports(host, () => memory as WebAssembly.Memory)
		});
		const exports = instance.exports as unknown as Exports;
		memory = exports.memory;
		shim.bind(exports.memory);
		exports._initialize();
		return new LlamaWasm(exports, host);
	}

	/** True once the instance trapped: it must be dropped and a new one made. */
	get aborted(): boolean {
		return this.crashed !== null;
	}

	/**
	 * Loads a GGUF model, read from `file` as llama.cpp asks for it: each tensor goes straight
	 * into the model's buffers, so wasm memory never holds the whole file besides the model.
	 */
	load(file: ModelFileReader | Uint8Array, options: LlamaLoadOptions): LlamaFacts {
		const host = this.host;
		host.reader = file instanceof Uint8Array ? bytesReader(file) : file;
		host.onRead = options.onRead;
		host.bytesRead = 0;
		host.error = null;
		try {
			const kv = (options.kvType ?? 'f32') === 'f16' ? 1 : 0;
			const size = host.reader.size;
			let status: number;
			try {
				status = this.call(() =>
					this.exports.pg_load(size, options.nCtx, kv, options.nSeqMax ?? 1)
				);
			} catch (error) {
				if (!(error instanceof EngineCrashedError) || host.error === null) throw error;
				this.crashed = `the llama.cpp engine stopped: the model file could not be read (${host.error}); it must be restarted`;
				throw new EngineCrashedError(this.crashed);
			}
			if (status < 0 && host.error !== null) {
				throw new LlamaError(status, `the model file could not be read: ${host.error}`);
			}
			this.check(status);
		} finally {
			host.reader = null;
			host.onRead = undefined;
		}
		return this.facts();
	}

	facts(): LlamaFacts {
		const e = this.exports;
		const template = this.call(() => e.pg_chat_template());
		return {
			architecture: this.string(this.call(() => e.pg_architecture())) ?? '',
			nVocab: e.pg_n_vocab(),
			nCtx: e.pg_n_ctx(),
			nCtxTrain: e.pg_n_ctx_train(),
			nSeqMax: e.pg_n_seq_max(),
			bos: e.pg_token_bos(),
			eos: e.pg_token_eos(),
			eot: e.pg_token_eot(),
			sep: e.pg_token_sep(),
			nl: e.pg_token_nl(),
			pad: e.pg_token_pad(),
			addBos: e.pg_add_bos() === 1,
			chatTemplate: this.string(template)
		};
	}

	/** A metadata value as text (e.g. "general.name"), or null when the model has none. */
	meta(key: string): string | null {
		const ptr = this.place(utf8.encode(`${key}\0`));
		try {
			return this.string(this.call(() => this.exports.pg_meta(ptr)));
		} finally {
			this.free(ptr);
		}
	}

	/** Token ids of `text`; addBos as the vocabulary asks, parseSpecial turns "<|x|>" into ids. */
	tokenize(text: string, options: { addBos: boolean; parseSpecial: boolean }): Int32Array {
		const bytes = utf8.encode(text);
		const textPtr = this.place(bytes);
		try {
			let capacity = bytes.length + 2;
			for (;;) {
				const out = this.alloc(capacity * 4);
				try {
					const n = this.call(() =>
						this.exports.pg_tokenize(
							textPtr,
							bytes.length,
							+options.addBos,
							+options.parseSpecial,
							out,
							capacity
						)
					);
					this.check(n);
					if (n <= capacity) return new Int32Array(this.exports.memory.buffer, out, n).slice();
					capacity = n;
				} finally {
					this.free(out);
				}
			}
		} finally {
			this.free(textPtr);
		}
	}

	/** The bytes of one token (a character may be split across tokens); special renders control tokens. */
	tokenBytes(token: number, special = false): Uint8Array {
		let capacity = 64;
		for (;;) {
			const out = this.alloc(capacity);
			try {
				const n = this.call(() => this.exports.pg_token_piece(token, +special, out, capacity));
				this.check(n);
				if (n <= capacity) return new Uint8Array(this.exports.memory.buffer, out, n).slice();
				capacity = n;
			} finally {
				this.free(out);
			}
		}
	}

	/** Every end-of-generation token (EOS, EOT and the others the vocabulary marks), ascending. */
	endOfGenerationTokens(): Int32Array {
		let capacity = 16;
		for (;;) {
			const out = this.alloc(capacity * 4);
			try {
				const n = this.check(this.call(() => this.exports.pg_eog_tokens(out, capacity)));
				if (n <= capacity) return new Int32Array(this.exports.memory.buffer, out, n).slice();
				capacity = n;
			} finally {
				this.free(out);
			}
		}
	}

	/**
	 * A conversation rendered with the model's chat template by llama.cpp's built-in renderers;
	 * throws (PG_ERR_TEMPLATE) when llama.cpp does not know the template.
	 */
	applyChatTemplate(
		messages: readonly { role: string; content: string }[],
		addAssistant: boolean
	): string {
		messages.forEach(({ role, content }, i) => {
			if (`${role}${content}`.includes('\0')) {
				throw new LlamaError(-1, `message ${i + 1} contains a NUL character`);
			}
		});
		const strings = messages.flatMap(({ role, content }) => [
			this.place(utf8.encode(`${role}\0`)),
			this.place(utf8.encode(`${content}\0`))
		]);
		const n = messages.length;
		const table = this.alloc(Math.max(1, n * 8));
		try {
			const pointers = new Uint32Array(this.exports.memory.buffer, table, n * 2);
			for (let i = 0; i < n; i++) {
				pointers[i] = strings[2 * i];
				pointers[n + i] = strings[2 * i + 1];
			}
			let capacity = 256;
			for (const ptr of strings) capacity += 2 * this.stringLength(ptr);
			for (;;) {
				const out = this.alloc(capacity);
				try {
					const length = this.check(
						this.call(() =>
							this.exports.pg_chat_apply(table, table + n * 4, n, +addAssistant, out, capacity)
						)
					);
					if (length <= capacity) {
						return new TextDecoder().decode(
							new Uint8Array(this.exports.memory.buffer, out, length)
						);
					}
					capacity = length;
				} finally {
					this.free(out);
				}
			}
		} finally {
			this.free(table);
			for (const ptr of strings) this.free(ptr);
		}
	}

	isEndOfGeneration(token: number): boolean {
		return this.check(this.call(() => this.exports.pg_token_is_eog(token))) === 1;
	}

	isControl(token: number): boolean {
		return this.check(this.call(() => this.exports.pg_token_is_control(token))) === 1;
	}

	/** Decodes a batch; afterwards {@link logits} reads the rows that asked for logits. */
	decode(batch: LlamaBatch): void {
		const n = batch.tokens.length;
		if (batch.positions.length !== n || batch.seqs.length !== n || batch.logits.length !== n) {
			throw new LlamaError(-1, 'a batch needs one position, sequence and logits flag per token');
		}
		const block = this.alloc(n * 13);
		try {
			const ints = new Int32Array(this.exports.memory.buffer, block, n * 3);
			for (let i = 0; i < n; i++) {
				ints[i] = batch.tokens[i];
				ints[n + i] = batch.positions[i];
				ints[2 * n + i] = batch.seqs[i];
			}
			const flags = new Uint8Array(this.exports.memory.buffer, block + n * 12, n);
			for (let i = 0; i < n; i++) flags[i] = batch.logits[i] ? 1 : 0;
			const status = this.call(() =>
				this.exports.pg_decode(block, block + n * 4, block + n * 8, block + n * 12, n)
			);
			if (status === PG_ERR_CONTEXT_FULL) throw new ContextFullError(this.lastError());
			this.check(status);
		} finally {
			this.free(block);
		}
	}

	/**
	 * The raw logits of a row of the last decode, as a VIEW onto wasm memory (no copy). It is
	 * valid until the next call on this instance: any call may grow memory, which detaches it.
	 * Copy it (`.slice()`) to keep it.
	 */
	logits(row: number): Float32Array {
		const ptr = this.call(() => this.exports.pg_logits(row)) >>> 0;
		if (ptr === 0) throw new LlamaError(-1, this.lastError());
		return new Float32Array(this.exports.memory.buffer, ptr, this.exports.pg_n_vocab());
	}

	/** The summary of a row's logits for figures (engine/playground.h, pg_logits_summary). */
	logitsSummary(row: number): LogitsSummary {
		const ptr = this.call(() => this.exports.pg_logits_summary(row)) >>> 0;
		if (ptr === 0) throw new LlamaError(-1, this.lastError());
		const [max, logSum, meanShift] = new Float64Array(this.exports.memory.buffer, ptr, 3);
		return { max, logSum, meanShift };
	}

	/** Removes sequence seq's cells from position `from` on (seq -1: every sequence). */
	seqRemove(seq: number, from: number): void {
		this.check(this.call(() => this.exports.pg_seq_rm(seq, from)));
	}

	/** Copies seq src's cells in [from, to) to seq dst (-1: open end), e.g. a shared prompt. */
	seqCopy(src: number, dst: number, from = -1, to = -1): void {
		this.check(this.call(() => this.exports.pg_seq_cp(src, dst, from, to)));
	}

	/** The highest position held by seq, or -1 when it is empty. */
	seqPosMax(seq: number): number {
		const pos = this.call(() => this.exports.pg_seq_pos_max(seq));
		if (pos < -1) this.check(pos);
		return pos;
	}

	/** Empties the KV cache. */
	clear(): void {
		this.check(this.call(() => this.exports.pg_clear()));
	}

	/** Frees the model and its context; the instance can load another. */
	unload(): void {
		if (!this.aborted) this.exports.pg_unload();
	}

	private call<T>(fn: () => T): T {
		if (this.crashed !== null) throw new EngineCrashedError(this.crashed);
		try {
			return fn();
		} catch (error) {
			if (error instanceof WebAssembly.RuntimeError || (error as Error).name === 'WasiExitError') {
				// The message the module recorded before it trapped is still in memory.
				const reason = this.lastError() || (error as Error).message;
				this.crashed = `the llama.cpp engine stopped (${reason}); it must be restarted`;
				throw new EngineCrashedError(this.crashed);
			}
			throw error;
		}
	}

	private check(status: number): number {
		if (status < 0)
			throw new LlamaError(status, this.lastError() || `failed with status ${status}`);
		return status;
	}

	private lastError(): string {
		return this.string(this.exports.pg_last_error()) ?? '';
	}

	private string(ptr: number): string | null {
		const start = ptr >>> 0;
		if (start === 0) return null;
		const memory = new Uint8Array(this.exports.memory.buffer);
		const end = memory.indexOf(0, start);
		return new TextDecoder().decode(memory.subarray(start, end < 0 ? memory.length : end));
	}

	private stringLength(ptr: number): number {
		return new Uint8Array(this.exports.memory.buffer).indexOf(0, ptr) - ptr;
	}

	private alloc(size: number): number {
		const ptr = this.call(() => this.exports.pg_alloc(Math.max(1, size))) >>> 0;
		if (ptr === 0) throw new LlamaError(-4, `out of wasm memory (asked for ${size} bytes)`);
		return ptr;
	}

	private place(bytes: Uint8Array): number {
		const ptr = this.alloc(bytes.length);
		new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
		return ptr;
	}

	private free(ptr: number): void {
		if (this.crashed === null) this.exports.pg_free(ptr);
	}
}
