import { ContextFullError, EngineCrashedError } from '../../errors';
import type { LlamaBatch, LlamaBinding, LlamaFacts, LlamaLoadOptions } from '../binding';
import type { ModelFileReader } from '../module';

/**
 * A stand-in for our llama.cpp module's class with a tiny model, for the adapter's unit tests:
 * tokens 0–255 are single bytes, 256 is BOS, 257 EOS, 258 end-of-turn, 259 a control token.
 * `logitsOf(tokens)` plays the model on the tokens sequence 0 holds. As with wasm memory, the
 * view `logits()` returns is replaced at every decode, so a caller holding an old view would
 * see stale numbers. Failures and traps behave as the real class's (`LlamaWasm`) do.
 */
export const FAKE_VOCAB = 260;
export const FAKE_BOS = 256;
export const FAKE_EOS = 257;
export const FAKE_EOT = 258;

export interface FakeBindingScript {
	logitsOf?: (tokens: readonly number[]) => Float32Array;
	/** Makes `load` fail with this (checked) message. */
	loadError?: string;
	/** Makes the next `decode` fail with this (checked) message. */
	decodeError?: string;
	/** Makes this call abort the instance (a wasm trap), once. */
	trap?: 'load' | 'decode' | 'tokenize';
	/** The model's chat template (Jinja). */
	chatTemplate?: string | null;
}

/** Logits that depend on the last token and the length, so every step differs. */
export function defaultLogits(tokens: readonly number[]): Float32Array {
	const out = new Float32Array(FAKE_VOCAB);
	const last = tokens.at(-1) ?? 0;
	for (let i = 0; i < FAKE_VOCAB; i++) out[i] = Math.sin(i * 0.37 + last * 0.11 + tokens.length);
	return out;
}

class LlamaError extends Error {
	override name = 'LlamaError';
}

export class FakeBinding implements LlamaBinding {
	readonly calls: string[] = [];
	loadedWith: { bytes: Uint8Array; options: LlamaLoadOptions } | null = null;
	unloaded = false;
	/** Every batch decoded, as given. */
	readonly batches: LlamaBatch[] = [];
	/** Sequence 0's tokens by position. */
	readonly tokens: number[] = [];
	#rows: Float32Array[] = [];
	#crashed: string | null = null;

	constructor(readonly script: FakeBindingScript = {}) {}

	get aborted(): boolean {
		return this.#crashed !== null;
	}

	#enter(call: string): void {
		this.calls.push(call);
		if (this.#crashed !== null) throw new EngineCrashedError(this.#crashed);
		if (this.script.trap === call) {
			this.script.trap = undefined;
			this.#crashed = 'the llama.cpp engine stopped (unreachable); it must be restarted';
			throw new EngineCrashedError(this.#crashed);
		}
	}

	load(file: ModelFileReader | Uint8Array, options: LlamaLoadOptions): LlamaFacts {
		this.#enter('load');
		const bytes = file instanceof Uint8Array ? file : readWhole(file, options.onRead);
		if (this.script.loadError) throw new LlamaError(this.script.loadError);
		this.loadedWith = { bytes, options };
		return {
			architecture: 'llama',
			nVocab: FAKE_VOCAB,
			nCtx: options.nCtx,
			nCtxTrain: 4096,
			nSeqMax: options.nSeqMax ?? 1,
			bos: FAKE_BOS,
			eos: FAKE_EOS,
			eot: FAKE_EOT,
			sep: -1,
			nl: 10,
			pad: -1,
			addBos: true,
			chatTemplate: this.script.chatTemplate === undefined ? null : this.script.chatTemplate
		};
	}

	meta(key: string): string | null {
		this.#enter('meta');
		return key === 'general.name' ? 'Fake GGUF' : null;
	}

	endOfGenerationTokens(): Int32Array {
		this.#enter('endOfGenerationTokens');
		return Int32Array.of(FAKE_EOS, FAKE_EOT);
	}

	isControl(token: number): boolean {
		this.#enter('isControl');
		if (!Number.isInteger(token) || token < 0 || token >= FAKE_VOCAB) {
			throw new LlamaError(`token ${token} is outside the vocabulary`);
		}
		return token >= FAKE_BOS;
	}

	tokenize(text: string, options: { addBos: boolean; parseSpecial: boolean }): Int32Array {
		this.#enter('tokenize');
		const ids: number[] = options.addBos ? [FAKE_BOS] : [];
		let rest = text;
		while (rest.length > 0) {
			if (options.parseSpecial && rest.startsWith('<eos>')) {
				ids.push(FAKE_EOS);
				rest = rest.slice(5);
				continue;
			}
			for (const byte of new TextEncoder().encode(rest[0])) ids.push(byte);
			rest = rest.slice(1);
		}
		return Int32Array.from(ids);
	}

	tokenBytes(token: number, special = false): Uint8Array {
		this.#enter('tokenBytes');
		if (token < 256) return Uint8Array.of(token);
		return special
			? new TextEncoder().encode(['<s>', '<eos>', '<eot>', '<ctl>'][token - 256])
			: new Uint8Array(0);
	}

	decode(batch: LlamaBatch): void {
		this.#enter('decode');
		if (this.script.decodeError) {
			const message = this.script.decodeError;
			this.script.decodeError = undefined;
			throw new LlamaError(message);
		}
		this.batches.push(batch);
		const n = batch.tokens.length;
		if (this.tokens.length + n > (this.loadedWith?.options.nCtx ?? 0)) {
			throw new ContextFullError('no room in the KV cache');
		}
		const logitsOf = this.script.logitsOf ?? defaultLogits;
		this.#rows = [];
		for (let i = 0; i < n; i++) {
			if (batch.seqs[i] !== 0) throw new LlamaError(`sequence ${batch.seqs[i]} out of range`);
			if (batch.positions[i] !== this.tokens.length) {
				throw new LlamaError(`position ${batch.positions[i]} does not continue sequence 0`);
			}
			this.tokens.push(batch.tokens[i]);
			this.#rows[i] = batch.logits[i] ? logitsOf(this.tokens) : new Float32Array(0);
		}
	}

	seqCopy(src: number, dst: number): void {
		this.#enter('seqCopy');
		throw new LlamaError(`sequences ${src} → ${dst}: this fake holds sequence 0 only`);
	}

	logits(row: number): Float32Array {
		this.#enter('logits');
		const view = this.#rows[row];
		if (!view || view.length === 0) throw new LlamaError(`row ${row} has no logits`);
		return view;
	}

	/** In f64 from the row's logits, as the module does in f32. */
	logitsSummary(row: number): { max: number; logSum: number; meanShift: number } {
		this.#enter('logitsSummary');
		const logits = this.#rows[row];
		if (!logits || logits.length === 0) throw new LlamaError(`row ${row} has no logits`);
		const max = logits.reduce((a, b) => Math.max(a, b), -Infinity);
		if (!Number.isFinite(max)) throw new LlamaError(`row ${row} has no finite logit`);
		let sum = 0;
		let weighted = 0;
		for (const x of logits) {
			const e = Math.exp(x - max);
			sum += e;
			if (e > 0) weighted += e * (x - max);
		}
		return { max, logSum: Math.log(sum), meanShift: weighted / sum };
	}

	seqRemove(seq: number, from: number): void {
		this.#enter(`seqRemove ${seq} ${from}`);
		this.tokens.length = Math.min(this.tokens.length, from);
	}

	clear(): void {
		this.#enter('clear');
		this.tokens.length = 0;
	}

	unload(): void {
		this.#enter('unload');
		this.unloaded = true;
	}
}

/** The whole file through its reader, in the pieces it hands over, reporting progress. */
function readWhole(file: ModelFileReader, onRead?: (bytesRead: number) => void): Uint8Array {
	const bytes = new Uint8Array(file.size);
	let at = 0;
	while (at < file.size) {
		const n = file.read(at, bytes.subarray(at));
		if (n <= 0) throw new LlamaError(`the model file ended at ${at} of ${file.size} bytes`);
		at += n;
		onRead?.(at);
	}
	return bytes;
}
