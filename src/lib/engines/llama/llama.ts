import { ENGINE_NAMES } from '../capabilities';
import { ContextFullError, EngineCrashedError, ModelNotLoadedError } from '../errors';
import { fileForLoad, type ModelFileDeps } from '../model-file';
import { renderChatTemplate, type TemplateTokenNames } from '../chat-template';
import type { SpecialToken } from '../special-tokens';
import type {
	ChatVocabulary,
	DistributionSummary,
	LoadOptions,
	MultiSequenceEngine,
	SequenceStep
} from '../types';
import type { ChatMessage } from '#lib/core/prompt';
import type { ModelInfo, ModelSource } from '#lib/core/model';
import type { LlamaBatch, LlamaBinding, LlamaBindingFactory } from './binding';
import { blobReader, bytesReader, throttledProgress, type ReadBlobSync } from './model-reader';
import { nextTask } from './next-task';

/**
 * The default CPU engine: our own llama.cpp build in wasm (`engine/`), run in the inference
 * worker's own thread through its binding, handing the sampler the model's raw logits. The
 * worker creates it with the binding factory and the model-file dependencies; the inference
 * service calls it through the `Engine` contract.
 */

export interface LlamaEngineOptions extends ModelFileDeps {
	createBinding: LlamaBindingFactory;
	/** The llama.cpp build the module was compiled from (e.g. `b10256`), for the status line. */
	libraryVersion?: string;
	/**
	 * Reads a slice of the model file synchronously while llama.cpp loads it (a worker's
	 * FileReaderSync), so the file is never held whole in memory. Without it (Node) the file is
	 * read into memory first.
	 */
	readBlobSync?: ReadBlobSync;
}

/** Context window used when the caller does not choose one (as for wllama). */
export const DEFAULT_CONTEXT_LENGTH = 2048;
/** Most tokens per decode call; a longer prompt is fed in several. */
export const BATCH_SIZE = 512;

/**
 * The sequence a single context runs on; lanes run on sequences 1…LANE_SEQUENCES, and explore
 * keeps branches on any of them between sweeps.
 */
const SEQ = 0;
/** Lanes one fork may hold (a sweep's most lanes). */
export const LANE_SEQUENCES = 16;
/**
 * Every sequence has a KV stream of a whole context, so the lanes cost their number times the
 * context's KV memory: a load keeps at most this many cells in all, with fewer lanes for a
 * longer context (16 up to 3,855 tokens, fewer above, none from 65,536 on).
 */
export const MAX_KV_CELLS = 65_536;

/** Lanes a context of `contextLength` tokens can hold beside the run's own sequence. */
export function laneSequencesFor(contextLength: number): number {
	return Math.max(0, Math.min(LANE_SEQUENCES, Math.floor(MAX_KV_CELLS / contextLength) - 1));
}

/** Reused arrays for a batch of one size (`logits` asks for the last row only). */
interface BatchArrays extends LlamaBatch {
	tokens: Int32Array;
	positions: Int32Array;
	seqs: Int32Array;
	logits: boolean[];
}

function batchOf(size: number, seq = SEQ): BatchArrays {
	const logits = new Array<boolean>(size).fill(false);
	if (size > 0) logits[size - 1] = true;
	return {
		tokens: new Int32Array(size),
		positions: new Int32Array(size),
		seqs: new Int32Array(size).fill(seq),
		logits
	};
}

export class LlamaEngine implements MultiSequenceEngine {
	readonly engineId = 'llama' as const;
	readonly rollbackReplays = false;
	/** Lanes the loaded model's context can hold (see {@link MAX_KV_CELLS}). */
	maxSequences = 0;
	#options: LlamaEngineOptions;
	#binding: LlamaBinding | null = null;
	#info: ModelInfo | null = null;
	#used = 0;
	#pieces = new Map<number, Uint8Array>();
	/** The loaded model's special-token ids by template name (bos_token…), -1 when it has none. */
	#namedIds: Record<keyof TemplateTokenNames, number> | null = null;
	/** Read from the vocabulary at the first chat, then kept until the next load. */
	#vocabulary: ChatVocabulary | null = null;
	/** Set when the instance aborted: every call fails with it until the next load. */
	#crash: EngineCrashedError | null = null;
	/**
	 * evaluate()'s result: one array per model, overwritten by the next evaluate(). The decode
	 * loop and the sampler read it before the next call; callers that keep a distribution across
	 * calls copy it (lanes keep the prompt's, explore stores each step's). Handing out the wasm
	 * view itself would not do: it is detached when wasm memory grows.
	 */
	#logits = new Float32Array(0);
	/** The one-token batch every decode step uses, so a step allocates nothing. */
	#step = batchOf(1);
	/** Tokens each sequence holds (index 0 unused: sequence 0's count is #used). */
	#lengths: number[] = [];
	/** Live lanes: lane i is sequence i + 1, its next position #lengths[i + 1]. */
	#lanes = 0;
	/** The summaries of the arrays the last evaluation filled (see `summaryOf`). */
	#summaries = new Map<Float32Array, DistributionSummary>();
	/**
	 * evaluateSequences()'s results, one array per lane, overwritten by the next call and kept
	 * from sweep to sweep: new arrays of a whole vocabulary cost a sweep its first step again.
	 */
	#laneLogits: Float32Array[] = [];
	/** evaluateSequences()'s batch for each number of rows, so a step allocates nothing. */
	#laneBatches: BatchArrays[] = [];

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
		const { onProgress, signal } = options;
		const { blob, sha256, storage, fileName, sourceName } = await fileForLoad(
			source,
			this.#options,
			options,
			() => this.unload()
		);
		const crashed = this.#crash !== null;
		onProgress?.({
			phase: 'initialize',
			loadedBytes: 0,
			totalBytes: blob.size,
			...(crashed ? { detail: 'Restarting the engine, which stopped after an error' } : {})
		});
		const { readBlobSync } = this.#options;
		const file = readBlobSync
			? blobReader(blob, readBlobSync)
			: bytesReader(new Uint8Array(await blob.arrayBuffer()));
		signal?.throwIfAborted();
		// A fresh instance per model: wasm memory never shrinks, so this also returns the memory
		// a larger model held, and it is how an aborted instance is replaced.
		const binding = await this.#options.createBinding();
		this.#crash = null;
		const label = sourceName || fileName || 'the model';
		const contextLength = options.contextLength ?? DEFAULT_CONTEXT_LENGTH;
		let facts;
		let stopIds: number[];
		let name: string | null;
		try {
			facts = binding.load(file, {
				nCtx: contextLength,
				kvType: 'f32',
				nSeqMax: laneSequencesFor(contextLength) + 1,
				onRead: throttledProgress(blob.size, (loadedBytes) =>
					onProgress?.({ phase: 'initialize', loadedBytes, totalBytes: blob.size })
				)
			});
			const eog = binding.endOfGenerationTokens();
			stopIds = [...new Set([facts.eos, facts.eot, ...eog])].filter((id) => id >= 0);
			name = binding.meta('general.name');
			this.#namedIds = {
				bos_token: facts.bos,
				eos_token: facts.eos,
				pad_token: facts.pad,
				sep_token: facts.sep,
				unk_token: Number(binding.meta('tokenizer.ggml.unknown_token_id') ?? -1)
			};
		} catch (error) {
			if (!binding.aborted) binding.unload();
			throw new Error(`Loading ${quote(label)} failed: ${messageOf(error)}`, { cause: error });
		}
		onProgress?.({ phase: 'initialize', loadedBytes: blob.size, totalBytes: blob.size });
		const version = this.#options.libraryVersion;
		this.#binding = binding;
		this.maxSequences = facts.nSeqMax - 1;
		this.#lengths = new Array<number>(facts.nSeqMax).fill(0);
		this.#lanes = 0;
		this.#logits = new Float32Array(facts.nVocab);
		this.#info = {
			name: sourceName || fileName || name || 'model',
			vocabSize: facts.nVocab,
			contextLength: facts.nCtx,
			trainedContextLength: facts.nCtxTrain > 0 ? facts.nCtxTrain : null,
			bosId: facts.bos >= 0 ? facts.bos : null,
			eosId: facts.eos >= 0 ? facts.eos : null,
			stopIds,
			addBos: facts.addBos,
			chatTemplate: facts.chatTemplate,
			sha256,
			sizeBytes: blob.size,
			storage,
			distribution: 'logits',
			backend: `${ENGINE_NAMES.llama} (llama.cpp${version ? ` ${version}` : ''} in wasm), 1 thread`
		};
		const { special } = await this.chatVocabulary();
		this.#info.specialIds = [...new Set([...special.map((t) => t.id), ...stopIds])].sort(
			(a, b) => a - b
		);
		return this.#info;
	}

	async unload(): Promise<void> {
		const binding = this.#binding;
		this.#binding = null;
		this.#info = null;
		this.#used = 0;
		this.#pieces.clear();
		this.#vocabulary = null;
		this.#logits = new Float32Array(0);
		this.#summaries.clear();
		this.#lengths = [];
		this.#lanes = 0;
		this.#laneLogits = [];
		this.maxSequences = 0;
		if (binding && !binding.aborted) {
			try {
				binding.unload();
			} catch {
				// The instance is dropped either way.
			}
		}
	}

	async tokenize(text: string, options: { special?: boolean } = {}): Promise<number[]> {
		const binding = this.#require();
		const ids = this.#call(binding, 'tokenizing text', () =>
			binding.tokenize(text, { addBos: false, parseSpecial: options.special ?? true })
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
				// Control tokens as their text (`<|im_end|>`), as wllama gives them.
				piece = this.#call(binding, `reading token ${id}`, () => binding.tokenBytes(id, true));
				this.#pieces.set(id, piece);
			}
			pieces.push(piece);
			length += piece.length;
		}
		if (pieces.length === 1) return pieces[0].slice();
		const out = new Uint8Array(length);
		let offset = 0;
		for (const piece of pieces) {
			out.set(piece, offset);
			offset += piece.length;
		}
		return out;
	}

	/** The model's own Jinja template (tokenizer.chat_template), rendered in TypeScript. */
	async formatChat(messages: readonly ChatMessage[]): Promise<string> {
		this.#require();
		const { name, chatTemplate } = this.#info as ModelInfo;
		const { names } = await this.chatVocabulary();
		return renderChatTemplate({ modelName: name, template: chatTemplate, messages, tokens: names });
	}

	/** Every control token of the vocabulary: one call per id, about 30 ms per 100,000 ids in Node. */
	async chatVocabulary(): Promise<ChatVocabulary> {
		const binding = this.#require();
		if (this.#vocabulary) return this.#vocabulary;
		const { vocabSize } = this.#info as ModelInfo;
		const decoder = new TextDecoder();
		const textOf = (id: number) =>
			decoder.decode(
				this.#call(binding, `reading token ${id}`, () => binding.tokenBytes(id, true))
			);
		const special: SpecialToken[] = [];
		this.#call(binding, 'listing the control tokens', () => {
			for (let id = 0; id < vocabSize; id++) {
				if (binding.isControl(id)) {
					special.push({ id, text: decoder.decode(binding.tokenBytes(id, true)) });
				}
			}
		});
		const names: TemplateTokenNames = {};
		for (const [key, id] of Object.entries(this.#namedIds ?? {})) {
			if (Number.isInteger(id) && id >= 0 && id < vocabSize) {
				names[key as keyof TemplateTokenNames] = textOf(id);
			}
		}
		this.#vocabulary = { special, names };
		return this.#vocabulary;
	}

	evaluate(ids: readonly number[]): Promise<Float32Array> {
		return this.evaluateSequence(SEQ, ids);
	}

	async evaluateSequence(seq: number, ids: readonly number[]): Promise<Float32Array> {
		const binding = this.#require();
		const info = this.#info as ModelInfo;
		this.#checkSequence(seq);
		if (ids.length === 0) throw new RangeError('evaluate() needs at least one token');
		if (this.#lanes > 0 && seq !== SEQ) await this.endSequences();
		const used = this.sequenceLength(seq);
		if (used + ids.length > info.contextLength) {
			throw new ContextFullError(
				`The context holds ${info.contextLength} tokens; ${used} are used and ${ids.length} more were given`
			);
		}
		for (const id of ids) {
			if (!Number.isInteger(id) || id < 0 || id >= info.vocabSize) {
				throw new RangeError(`Token ${id} is outside the vocabulary (0–${info.vocabSize - 1})`);
			}
		}
		await nextTask();
		if (this.#binding !== binding) throw this.#crash ?? new ModelNotLoadedError();
		for (let start = 0; start < ids.length; start += BATCH_SIZE) {
			const count = Math.min(BATCH_SIZE, ids.length - start);
			const batch = count === 1 ? this.#step : batchOf(count, seq);
			const at = this.sequenceLength(seq);
			batch.seqs[0] = seq;
			for (let i = 0; i < count; i++) {
				batch.tokens[i] = ids[start + i];
				batch.positions[i] = at + i;
			}
			try {
				this.#call(binding, `decoding ${count} token${count === 1 ? '' : 's'}`, () =>
					binding.decode(batch)
				);
			} catch (error) {
				// A failed decode may have written part of the batch: keep only what came before.
				if (!binding.aborted) this.#dropFrom(binding, seq, at);
				throw error;
			}
			this.#setLength(seq, at + count);
			if (start + count === ids.length) {
				this.#logits.set(
					this.#call(binding, 'reading the logits', () => binding.logits(count - 1))
				);
				this.#summaries.clear();
				this.#summarize(binding, this.#logits, count - 1);
			}
		}
		return this.#logits;
	}

	/**
	 * Keeps the summary of `row`, just read into `logits`. A row the module cannot summarize (no
	 * finite logit) gets none: the sampler then says what is wrong with it.
	 */
	#summarize(binding: LlamaBinding, logits: Float32Array, row: number): void {
		try {
			const summary = this.#call(binding, 'summing up the logits', () =>
				binding.logitsSummary(row)
			);
			this.#summaries.set(logits, summary);
		} catch (error) {
			if (error instanceof EngineCrashedError) throw error;
		}
	}

	/** Computed in wasm beside the logits: at 151,936 tokens a pass in JS cost a quarter of a token. */
	summaryOf(distribution: Float32Array): DistributionSummary | null {
		return this.#summaries.get(distribution) ?? null;
	}

	async rollback(length: number): Promise<void> {
		await this.rollbackSequence(SEQ, length);
	}

	async rollbackSequence(seq: number, length: number): Promise<void> {
		const binding = this.#require();
		this.#checkSequence(seq);
		if (!Number.isInteger(length) || length < 0) throw new RangeError(`Bad length ${length}`);
		if (this.#lanes > 0) await this.endSequences();
		if (length >= this.sequenceLength(seq)) return;
		this.#call(binding, 'rolling the context back', () => binding.seqRemove(seq, length));
		this.#setLength(seq, length);
	}

	sequenceLength(seq: number): number {
		return seq === SEQ ? this.#used : (this.#lengths[seq] ?? 0);
	}

	/**
	 * A whole copy, then the drop of what `dst` held beyond: the form that is valid whether each
	 * sequence has a KV stream of its own (cells copied) or all share one (cells tagged).
	 */
	async copySequence(src: number, dst: number): Promise<void> {
		const binding = this.#require();
		this.#checkSequence(src);
		this.#checkSequence(dst);
		if (src === dst) return;
		if (this.#lanes > 0) await this.endSequences();
		this.#call(binding, 'copying a sequence', () => {
			binding.seqRemove(dst, 0);
			this.#setLength(dst, 0);
			binding.seqCopy(src, dst, -1, -1);
		});
		this.#setLength(dst, this.sequenceLength(src));
	}

	/**
	 * Each lane is a sequence with a KV stream of its own (engine/playground.h): the fork copies
	 * the context's cells into it, so its tokens sit where a single run's would and a lane in a
	 * batch gets a single run's logits bit for bit. Lanes are dropped together at the end.
	 */
	async forkSequences(count: number): Promise<void> {
		const binding = this.#require();
		if (!Number.isInteger(count) || count < 1 || count > this.maxSequences) {
			throw new RangeError(`A fork holds 1–${this.maxSequences} lanes, not ${count}`);
		}
		if (this.#used === 0) throw new RangeError('Fork a context that holds tokens');
		await this.endSequences();
		for (let lane = 1; lane <= count; lane++) {
			this.#call(binding, 'copying the context to a lane', () => {
				// A branch explore kept there is dropped, so the copy is the lane's only content.
				if (this.#lengths[lane] > 0) binding.seqRemove(lane, 0);
				this.#lengths[lane] = 0;
				binding.seqCopy(SEQ, lane, -1, -1);
			});
			this.#lengths[lane] = this.#used;
		}
		this.#lanes = count;
		const { vocabSize } = this.#info as ModelInfo;
		if (this.#laneLogits[0]?.length !== vocabSize) this.#laneLogits = [];
		while (this.#laneLogits.length < count) this.#laneLogits.push(new Float32Array(vocabSize));
	}

	async evaluateSequences(steps: readonly SequenceStep[]): Promise<Float32Array[]> {
		const binding = this.#require();
		const info = this.#info as ModelInfo;
		const lengths = this.#lengths;
		const n = steps.length;
		if (n === 0) throw new RangeError('evaluateSequences() needs at least one step');
		const seen = new Set<number>();
		for (const { lane, id } of steps) {
			if (!Number.isInteger(lane) || lane < 0 || lane >= this.#lanes || seen.has(lane)) {
				throw new RangeError(`Lane ${lane} is not a live lane of this fork, or is given twice`);
			}
			seen.add(lane);
			if (!Number.isInteger(id) || id < 0 || id >= info.vocabSize) {
				throw new RangeError(`Token ${id} is outside the vocabulary (0–${info.vocabSize - 1})`);
			}
			if (lengths[lane + 1] >= info.contextLength) {
				throw new ContextFullError(`Lane ${lane} fills the context (${info.contextLength} tokens)`);
			}
		}
		await nextTask();
		if (this.#binding !== binding) throw this.#crash ?? new ModelNotLoadedError();
		let batch = this.#laneBatches[n];
		if (!batch) {
			batch = batchOf(n);
			batch.logits.fill(true);
			this.#laneBatches[n] = batch;
		}
		for (let row = 0; row < n; row++) {
			const { lane, id } = steps[row];
			batch.tokens[row] = id;
			batch.positions[row] = lengths[lane + 1];
			batch.seqs[row] = lane + 1;
		}
		this.#call(binding, `decoding ${n} lane${n === 1 ? '' : 's'}`, () => binding.decode(batch));
		const out: Float32Array[] = [];
		this.#summaries.clear();
		for (let row = 0; row < n; row++) {
			const { lane } = steps[row];
			lengths[lane + 1]++;
			const logits = this.#laneLogits[lane];
			logits.set(this.#call(binding, 'reading the logits', () => binding.logits(row)));
			this.#summarize(binding, logits, row);
			out.push(logits);
		}
		return out;
	}

	async endSequences(): Promise<void> {
		const count = this.#lanes;
		this.#lanes = 0;
		const binding = this.#binding;
		if (!binding || binding.aborted || count === 0) return;
		for (let lane = 1; lane <= count; lane++) {
			this.#lengths[lane] = 0;
			this.#call(binding, 'dropping a lane', () => binding.seqRemove(lane, 0));
		}
	}

	#checkSequence(seq: number): void {
		if (!Number.isInteger(seq) || seq < 0 || seq > this.maxSequences) {
			throw new RangeError(`Sequence ${seq} is not one of 0–${this.maxSequences}`);
		}
	}

	#setLength(seq: number, length: number): void {
		if (seq === SEQ) this.#used = length;
		else this.#lengths[seq] = length;
	}

	/** Drops sequence `seq`'s tokens from `length` on, emptying every sequence when that fails. */
	#dropFrom(binding: LlamaBinding, seq: number, length: number): void {
		try {
			binding.seqRemove(seq, length);
		} catch {
			try {
				binding.clear();
			} catch {
				// Nothing more to try; the next load replaces the instance.
			}
			this.#used = 0;
			this.#lengths.fill(0);
		}
	}

	#require(): LlamaBinding {
		if (this.#crash) throw this.#crash;
		if (!this.#binding || !this.#info) throw new ModelNotLoadedError();
		return this.#binding;
	}

	/**
	 * Runs one call into the module. A checked failure becomes an error of the same kind saying
	 * what failed; an aborted instance makes this engine fail every call until the next load,
	 * which starts a new instance.
	 */
	#call<T>(binding: LlamaBinding, what: string, fn: () => T): T {
		try {
			return fn();
		} catch (error) {
			const message = `${capitalize(what)} failed: ${messageOf(error)}`;
			if (binding.aborted) {
				this.#crash = new EngineCrashedError(message, { cause: error });
				this.#info = null;
				this.#used = 0;
				this.#lengths.fill(0);
				throw this.#crash;
			}
			if (error instanceof ContextFullError) throw new ContextFullError(message, { cause: error });
			throw new Error(message, { cause: error });
		}
	}
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
