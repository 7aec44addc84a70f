import {
	ContextFullError,
	EngineCrashedError,
	ModelNotLoadedError,
	UnsupportedSourceError
} from '../errors';
import { fetchModelFile, type ModelFileDeps } from '../model-file';
import { renderChatMl, rendersAsChatMl } from './chat-template';
import type { ChatMessage } from '#lib/core/prompt';
import { ENGINE_NAMES } from '../capabilities';
import type { Engine, LoadOptions } from '../types';
import type { ModelInfo, ModelSource } from '#lib/core/model';
import {
	isInstanceAbort,
	type LlamaBatch,
	type LlamaBinding,
	type LlamaBindingFactory
} from './binding';

/**
 * The default CPU engine: our own llama.cpp build in wasm (`engine/`), run in the inference
 * worker's thread through its binding. It hands the sampler the model's raw logits. The worker
 * creates it with the binding factory and the model-file dependencies; the inference service
 * calls it through the `Engine` contract.
 */

export interface LlamaEngineOptions extends ModelFileDeps {
	createBinding: LlamaBindingFactory;
	/** The llama.cpp build the module was compiled from, for the status line. */
	libraryVersion: string;
}

/** Context window used when the caller does not choose one (as for wllama). */
export const DEFAULT_CONTEXT_LENGTH = 2048;
/** Most tokens per decode call; a longer prompt is fed in several. */
export const BATCH_SIZE = 512;

/** The sequence a single context runs on. */
const SEQ = 0;

export class LlamaEngine implements Engine {
	readonly engineId = 'llama' as const;
	readonly rollbackReplays = false;
	#options: LlamaEngineOptions;
	#binding: LlamaBinding | null = null;
	#info: ModelInfo | null = null;
	#used = 0;
	#pieces = new Map<number, Uint8Array>();
	/** Set when the instance aborted: every call fails with it until the next load. */
	#crash: EngineCrashedError | null = null;
	/**
	 * evaluate()'s result. One buffer per model, overwritten by the next evaluate(): the
	 * decode loop and the sampler read it before the next call, and callers that keep a
	 * distribution across calls (lanes keep the prompt's, explore stores each step's) copy it.
	 * A view of wasm memory instead would go stale when that memory grows.
	 */
	#logits = new Float32Array(0);
	#batch: LlamaBatch = emptyBatch(0);
	/** The batch's first row alone: decoding one token at a time allocates nothing. */
	#single: LlamaBatch = emptyBatch(0);

	constructor(options: LlamaEngineOptions) {
		this.#options = options;
	}

	get contextUsed(): number {
		return this.#used;
	}

	get model(): ModelInfo | null {
		return this.#info;
	}

	async load(source: ModelSource, options: LoadOptions = {}): Promise<ModelInfo> {
		if (source.kind === 'webllm') {
			throw new UnsupportedSourceError(
				`The CPU engine runs GGUF files; "${source.model.name}" is a WebLLM model and needs the WebGPU engine`
			);
		}
		const { onProgress, signal } = options;
		const file = await fetchModelFile(source, this.#options, options);
		if (!file.ok) {
			if (!file.refused) await this.unload();
			throw file.error;
		}
		const { blob, sha256, storage, fileName } = file;
		await this.unload();
		onProgress?.({ phase: 'initialize', loadedBytes: 0, totalBytes: blob.size });
		const bytes = new Uint8Array(await blob.arrayBuffer());
		signal?.throwIfAborted();
		const crashed = this.#crash;
		if (crashed) {
			onProgress?.({
				phase: 'initialize',
				loadedBytes: 0,
				totalBytes: blob.size,
				detail: 'Restarting the engine, which stopped after an error'
			});
		}
		// A fresh instance per model: wasm memory never shrinks, so this also returns the memory
		// a larger model held, and it is how an aborted instance is replaced.
		const binding = await this.#options.createBinding();
		this.#crash = null;
		const label = source.name || fileName || 'the model';
		const contextLength = options.contextLength ?? DEFAULT_CONTEXT_LENGTH;
		let facts;
		try {
			facts = binding.loadModel(bytes, {
				contextLength,
				batchSize: BATCH_SIZE,
				sequences: 1,
				kvType: 'f32'
			});
		} catch (error) {
			if (!isInstanceAbort(error)) binding.dispose();
			throw new Error(`Loading ${quote(label)} failed: ${messageOf(error)}`, { cause: error });
		}
		onProgress?.({ phase: 'initialize', loadedBytes: blob.size, totalBytes: blob.size });
		this.#binding = binding;
		this.#logits = new Float32Array(facts.vocabSize);
		this.#batch = emptyBatch(BATCH_SIZE);
		this.#single = sliceBatch(this.#batch, 1);
		const stopIds = [...new Set([facts.eosId, facts.eotId, ...facts.eogIds])].filter(
			(id) => id >= 0
		);
		this.#info = {
			name: source.name || fileName || facts.name || 'model',
			vocabSize: facts.vocabSize,
			contextLength,
			trainedContextLength: facts.trainedContextLength > 0 ? facts.trainedContextLength : null,
			bosId: facts.bosId >= 0 ? facts.bosId : null,
			eosId: facts.eosId >= 0 ? facts.eosId : null,
			stopIds,
			addBos: facts.addBos,
			chatTemplate: facts.chatTemplate,
			sha256,
			sizeBytes: blob.size,
			storage,
			distribution: 'logits',
			backend: `${ENGINE_NAMES.llama} (llama.cpp ${this.#options.libraryVersion} in wasm), 1 thread`
		};
		return this.#info;
	}

	async unload(): Promise<void> {
		const binding = this.#binding;
		this.#binding = null;
		this.#info = null;
		this.#used = 0;
		this.#pieces.clear();
		this.#logits = new Float32Array(0);
		this.#batch = emptyBatch(0);
		this.#single = this.#batch;
		if (binding && !this.#crash) {
			try {
				binding.dispose();
			} catch {
				// The instance is dropped either way.
			}
		}
	}

	async tokenize(text: string, options: { special?: boolean } = {}): Promise<number[]> {
		const binding = this.#require();
		const ids = this.#call('tokenizing text', () =>
			binding.tokenize(text, options.special ?? true)
		);
		return Array.from(ids);
	}

	async tokenBytes(ids: readonly number[]): Promise<Uint8Array> {
		const binding = this.#require();
		const { vocabSize } = this.#info as ModelInfo;
		const pieces: Uint8Array[] = [];
		let length = 0;
		for (const id of ids) {
			if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
				throw new RangeError(`Token ${id} is outside the vocabulary (0–${vocabSize - 1})`);
			}
			let piece = this.#pieces.get(id);
			if (!piece) {
				piece = this.#call(`reading token ${id}`, () => binding.tokenPiece(id)).slice();
				this.#pieces.set(id, piece);
			}
			pieces.push(piece);
			length += piece.length;
		}
		const out = new Uint8Array(length);
		let offset = 0;
		for (const piece of pieces) {
			out.set(piece, offset);
			offset += piece.length;
		}
		return out;
	}

	async formatChat(messages: readonly ChatMessage[]): Promise<string> {
		const binding = this.#require();
		const info = this.#info as ModelInfo;
		const apply = binding.applyChatTemplate?.bind(binding);
		if (apply) {
			const turns = messages.map((m) => ({ role: m.role, content: m.content }));
			return this.#call(`applying the chat template of ${quote(info.name)}`, () =>
				apply(turns, true)
			);
		}
		if (rendersAsChatMl(info.chatTemplate)) return renderChatMl(messages);
		throw new Error(
			`This engine cannot apply the chat template of ${quote(info.name)} yet (only ChatML); use a completion prompt, or load it with wllama as CPU engine`
		);
	}

	async evaluate(ids: readonly number[]): Promise<Float32Array> {
		const binding = this.#require();
		const info = this.#info as ModelInfo;
		if (ids.length === 0) throw new RangeError('evaluate() needs at least one token');
		if (this.#used + ids.length > info.contextLength) {
			throw new ContextFullError(
				`The context holds ${info.contextLength} tokens; ${this.#used} are used and ${ids.length} more were given`
			);
		}
		const batch = this.#batch;
		for (let start = 0; start < ids.length; start += BATCH_SIZE) {
			const count = Math.min(BATCH_SIZE, ids.length - start);
			const last = start + count === ids.length;
			for (let i = 0; i < count; i++) {
				const id = ids[start + i];
				if (!Number.isInteger(id) || id < 0 || id >= info.vocabSize) {
					this.#dropFrom(this.#used);
					throw new RangeError(`Token ${id} is outside the vocabulary (0–${info.vocabSize - 1})`);
				}
				batch.tokens[i] = id;
				batch.positions[i] = this.#used + i;
				batch.seqIds[i] = SEQ;
				batch.logits[i] = last && i === count - 1 ? 1 : 0;
			}
			const rows =
				count === BATCH_SIZE ? batch : count === 1 ? this.#single : sliceBatch(batch, count);
			try {
				this.#call(`decoding ${count} token${count === 1 ? '' : 's'}`, () => binding.decode(rows));
			} catch (error) {
				// A failed decode may have written some of the batch: keep only what came before.
				if (!this.#crash) this.#dropFrom(this.#used);
				throw error;
			}
			this.#used += count;
			if (last) {
				const view = this.#call('reading the logits', () => binding.logits(count - 1));
				this.#logits.set(view);
			}
		}
		return this.#logits;
	}

	async rollback(length: number): Promise<void> {
		const binding = this.#require();
		if (!Number.isInteger(length) || length < 0) throw new RangeError(`Bad length ${length}`);
		if (length >= this.#used) return;
		this.#call('rolling the context back', () =>
			length === 0 ? binding.clear() : binding.seqRemove(SEQ, length, -1)
		);
		this.#used = length;
	}

	/** Drops the context's tokens from `length` on, clearing it when that fails. */
	#dropFrom(length: number): void {
		const binding = this.#binding;
		if (!binding) return;
		try {
			binding.seqRemove(SEQ, length, -1);
		} catch {
			try {
				binding.clear();
			} catch {
				// Nothing more to try; the next load replaces the instance.
			}
			this.#used = 0;
		}
	}

	#require(): LlamaBinding {
		if (this.#crash) throw this.#crash;
		if (!this.#binding || !this.#info) throw new ModelNotLoadedError();
		return this.#binding;
	}

	/**
	 * Runs one call into the module. A checked failure becomes an error saying what failed; an
	 * aborted instance makes this engine unusable until the next load, which starts a new one.
	 */
	#call<T>(what: string, fn: () => T): T {
		try {
			return fn();
		} catch (error) {
			if (isInstanceAbort(error)) {
				this.#crash = new EngineCrashedError(
					`The llama.cpp engine stopped while ${what} (${messageOf(error)}); load the model again to restart it`,
					{ cause: error }
				);
				this.#info = null;
				this.#used = 0;
				throw this.#crash;
			}
			throw new Error(`${capitalize(what)} failed: ${messageOf(error)}`, { cause: error });
		}
	}
}

function emptyBatch(size: number): LlamaBatch {
	return {
		tokens: new Int32Array(size),
		positions: new Int32Array(size),
		seqIds: new Int32Array(size),
		logits: new Uint8Array(size)
	};
}

/** The first `count` rows of `batch`, as views (no copy). */
function sliceBatch(batch: LlamaBatch, count: number): LlamaBatch {
	return {
		tokens: batch.tokens.subarray(0, count),
		positions: batch.positions.subarray(0, count),
		seqIds: batch.seqIds.subarray(0, count),
		logits: batch.logits.subarray(0, count)
	};
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

function capitalize(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}

function quote(name: string): string {
	return `"${name}"`;
}
