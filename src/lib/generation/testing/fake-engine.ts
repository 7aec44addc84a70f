import type { ChatMessage } from '#lib/core/prompt';
import type {
	DistributionSummary,
	Engine,
	MultiSequenceEngine,
	SequenceStep
} from '#lib/engines/types';
import type { ModelInfo } from '#lib/core/model';

/**
 * A deterministic stand-in engine for tests: tokens 0–255 are single bytes, 256 is BOS and 257
 * is EOS. `next(context)` decides which token the "model" prefers after a context; the
 * distribution puts log-probability 0 there and -10 on every other token.
 */
export const FAKE_BOS = 256;
export const FAKE_EOS = 257;
export const FAKE_VOCAB = 258;

export interface FakeEngineOptions {
	next: (context: readonly number[]) => number;
	contextLength?: number;
	addBos?: boolean;
	/** Runs inside every evaluate() call, before it returns (e.g. to abort mid-generation). */
	onEvaluate?: (ids: readonly number[]) => void;
	/** Rollback re-evaluates the kept tokens, as WebLLM's does (recorded in `evaluated`). */
	rollbackReplays?: boolean;
	/** Replaces the distribution evaluate() returns (after the preferred token is set). */
	shape?: (distribution: Float32Array, context: readonly number[]) => void;
	/** evaluate() overwrites and returns one array, as our llama.cpp engine does. */
	reuseArray?: boolean;
	/** Makes the engine summarize its distributions (Engine.summaryOf) with this. */
	summaryOf?: (distribution: Float32Array) => DistributionSummary | null;
}

export class FakeEngine implements Engine {
	readonly engineId = 'wllama' as const;
	readonly rollbackReplays: boolean;
	readonly calls: string[] = [];
	readonly evaluated: number[][] = [];
	context: number[] = [];
	readonly model: ModelInfo;
	#options: FakeEngineOptions;
	#array = new Float32Array(FAKE_VOCAB);
	readonly summaryOf?: (distribution: Float32Array) => DistributionSummary | null;

	constructor(options: FakeEngineOptions) {
		this.#options = options;
		this.summaryOf = options.summaryOf;
		this.rollbackReplays = options.rollbackReplays ?? false;
		this.model = {
			name: 'fake',
			vocabSize: FAKE_VOCAB,
			contextLength: options.contextLength ?? 64,
			trainedContextLength: null,
			bosId: FAKE_BOS,
			eosId: FAKE_EOS,
			stopIds: [FAKE_EOS],
			addBos: options.addBos ?? true,
			chatTemplate: null,
			sha256: null,
			sizeBytes: null,
			storage: null,
			distribution: 'logprobs',
			backend: 'fake'
		};
	}

	get contextUsed(): number {
		return this.context.length;
	}

	async load(): Promise<ModelInfo> {
		this.calls.push('load');
		return this.model;
	}

	async unload(): Promise<void> {
		this.calls.push('unload');
	}

	async tokenize(text: string, options: { special?: boolean } = {}): Promise<number[]> {
		this.calls.push('tokenize');
		const ids: number[] = [];
		let rest = text;
		while (rest.length > 0) {
			if (options.special && rest.startsWith('<s>')) {
				ids.push(FAKE_BOS);
				rest = rest.slice(3);
				continue;
			}
			const char = String.fromCodePoint(rest.codePointAt(0) ?? 0);
			ids.push(...new TextEncoder().encode(char));
			rest = rest.slice(char.length);
		}
		return ids;
	}

	async tokenBytes(ids: readonly number[]): Promise<Uint8Array> {
		this.calls.push('tokenBytes');
		return new Uint8Array(ids.filter((id) => id < 256));
	}

	async formatChat(messages: readonly ChatMessage[]): Promise<string> {
		this.calls.push('formatChat');
		return messages.map((m) => `[${m.role}]${m.content}`).join('') + '[assistant]';
	}

	async evaluate(ids: readonly number[]): Promise<Float32Array> {
		this.calls.push('evaluate');
		if (this.context.length + ids.length > this.model.contextLength) {
			throw new Error('context full');
		}
		this.evaluated.push([...ids]);
		this.context.push(...ids);
		this.#options.onEvaluate?.(ids);
		return this.distribution(this.context, this.#options.reuseArray ? this.#array : undefined);
	}

	/** What the "model" gives after `context`. */
	protected distribution(context: readonly number[], into = new Float32Array(FAKE_VOCAB)) {
		into.fill(-10);
		into[this.#options.next(context)] = 0;
		this.#options.shape?.(into, context);
		return into;
	}

	async rollback(length: number): Promise<void> {
		this.calls.push('rollback');
		if (length >= this.context.length) return;
		const keep = this.context.slice(0, length);
		this.context = keep;
		if (this.rollbackReplays && keep.length > 0) this.evaluated.push([...keep]);
	}
}

/** Bytes of `text` as fake token ids, then EOS: a "model" that says exactly `text`. */
export function scripted(promptLength: number, reply: Uint8Array | string) {
	const bytes = typeof reply === 'string' ? new TextEncoder().encode(reply) : reply;
	return (context: readonly number[]) => bytes[context.length - promptLength] ?? FAKE_EOS;
}

/**
 * The fake engine with sequences: sequence 0 is `context`, sequences 1…maxSequences are kept in
 * `sequences`. A fork copies the context to each lane (lane i is sequence i + 1), and every
 * evaluateSequences() call is one "batch" (recorded in `batches`, as the lanes it fed). The
 * single-sequence calls record what they fed in `evaluated` as `evaluate` does, and the copies
 * in `copies`.
 */
export class FakeSequenceEngine extends FakeEngine implements MultiSequenceEngine {
	maxSequences: number;
	/** Tokens of sequences 1…maxSequences (index 0 unused: sequence 0 is `context`). */
	readonly sequences: number[][];
	readonly batches: SequenceStep[][] = [];
	readonly copies: [number, number][] = [];
	#lanes = 0;
	/** Runs inside every batch, before it returns (e.g. to abort mid-sweep). */
	onBatch?: (steps: readonly SequenceStep[]) => void;

	constructor(options: FakeEngineOptions & { maxSequences?: number }) {
		super(options);
		this.maxSequences = options.maxSequences ?? 16;
		this.sequences = Array.from({ length: this.maxSequences + 1 }, () => []);
	}

	/** The live lanes' tokens. */
	get lanes(): number[][] {
		return this.sequences.slice(1, 1 + this.#lanes);
	}

	async forkSequences(count: number): Promise<void> {
		this.calls.push('forkSequences');
		for (let lane = 1; lane <= count; lane++) this.sequences[lane] = [...this.context];
		this.#lanes = count;
	}

	async evaluateSequences(steps: readonly SequenceStep[]): Promise<Float32Array[]> {
		this.calls.push('evaluateSequences');
		this.batches.push(steps.map((s) => ({ ...s })));
		const rows = steps.map(({ lane, id }) => {
			if (lane >= this.#lanes) throw new Error(`no lane ${lane}`);
			const context = this.sequences[lane + 1];
			context.push(id);
			return this.distribution(context);
		});
		this.onBatch?.(steps);
		return rows;
	}

	async endSequences(): Promise<void> {
		this.calls.push('endSequences');
		for (let lane = 1; lane <= this.#lanes; lane++) this.sequences[lane] = [];
		this.#lanes = 0;
	}

	sequenceLength(seq: number): number {
		return this.#sequence(seq).length;
	}

	async copySequence(src: number, dst: number): Promise<void> {
		this.calls.push('copySequence');
		await this.endSequences();
		this.copies.push([src, dst]);
		const tokens = [...this.#sequence(src)];
		this.#sequence(dst);
		if (dst === 0) this.context = tokens;
		else this.sequences[dst] = tokens;
	}

	async rollbackSequence(seq: number, length: number): Promise<void> {
		if (seq === 0) return this.rollback(length);
		this.calls.push('rollbackSequence');
		await this.endSequences();
		this.#sequence(seq).length = Math.min(length, this.#sequence(seq).length);
	}

	async evaluateSequence(seq: number, ids: readonly number[]): Promise<Float32Array> {
		if (seq === 0) return this.evaluate(ids);
		this.calls.push('evaluateSequence');
		await this.endSequences();
		const context = this.#sequence(seq);
		if (context.length + ids.length > this.model.contextLength) throw new Error('context full');
		this.evaluated.push([...ids]);
		context.push(...ids);
		return this.distribution(context);
	}

	#sequence(seq: number): number[] {
		if (!Number.isInteger(seq) || seq < 0 || seq > this.maxSequences) {
			throw new Error(`no sequence ${seq}`);
		}
		return seq === 0 ? this.context : this.sequences[seq];
	}
}
