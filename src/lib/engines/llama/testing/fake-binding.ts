import type {
	ChatTurn,
	LlamaBatch,
	LlamaBinding,
	LlamaLoadParams,
	LlamaModelFacts
} from '../binding';

/**
 * A stand-in for our llama.cpp module with a tiny model, for the adapter's unit tests: tokens
 * 0–255 are single bytes, 256 is BOS, 257 EOS, 258 end-of-turn. `logitsOf(sequence)` plays the
 * model on the tokens a sequence holds. Like wasm memory, the logits' backing buffer is replaced
 * on every decode (as when memory grows), so a caller holding an old view sees stale numbers.
 */
export const FAKE_VOCAB = 260;
export const FAKE_BOS = 256;
export const FAKE_EOS = 257;
export const FAKE_EOT = 258;

export interface FakeBindingScript {
	logitsOf?: (tokens: readonly number[]) => Float32Array;
	/** Makes `loadModel` fail with this (checked) message. */
	loadError?: string;
	/** Makes the next `decode` fail with this (checked) message. */
	decodeError?: string;
	/** Makes this call abort the instance (a wasm trap), once. */
	trap?: 'loadModel' | 'decode' | 'tokenize';
	/** Leaves out `applyChatTemplate`, as a module without it would. */
	noChatTemplate?: boolean;
	chatTemplate?: string | null;
}

/** Logits that depend on the last token and the length, so every step differs. */
export function defaultLogits(tokens: readonly number[]): Float32Array {
	const out = new Float32Array(FAKE_VOCAB);
	const last = tokens.at(-1) ?? 0;
	for (let i = 0; i < FAKE_VOCAB; i++) out[i] = Math.sin(i * 0.37 + last * 0.11 + tokens.length);
	return out;
}

class Trap extends Error {
	readonly trap = true;
}

export class FakeBinding implements LlamaBinding {
	readonly calls: string[] = [];
	loadedWith: { bytes: Uint8Array; params: LlamaLoadParams } | null = null;
	disposed = false;
	/** Each sequence's tokens by position. */
	readonly sequences = new Map<number, number[]>();
	#rows: Float32Array[] = [];
	#aborted = false;
	readonly applyChatTemplate?: (messages: readonly ChatTurn[], addAssistant: boolean) => string;

	constructor(readonly script: FakeBindingScript = {}) {
		if (!script.noChatTemplate) {
			this.applyChatTemplate = (messages, addAssistant) => {
				this.#enter('applyChatTemplate');
				const turns = messages.map((m) => `<|${m.role}|>${m.content}<|end|>`).join('');
				return turns + (addAssistant ? '<|assistant|>' : '');
			};
		}
	}

	#enter(call: string): void {
		this.calls.push(call);
		if (this.#aborted) throw new WebAssembly.RuntimeError('unreachable (instance already aborted)');
		if (this.script.trap === call) {
			this.script.trap = undefined;
			this.#aborted = true;
			throw new Trap('wasm trap: unreachable');
		}
	}

	loadModel(bytes: Uint8Array, params: LlamaLoadParams): LlamaModelFacts {
		this.#enter('loadModel');
		if (this.script.loadError) throw new Error(this.script.loadError);
		this.loadedWith = { bytes, params };
		return {
			architecture: 'llama',
			name: 'Fake GGUF',
			vocabSize: FAKE_VOCAB,
			trainedContextLength: 4096,
			bosId: FAKE_BOS,
			eosId: FAKE_EOS,
			eotId: FAKE_EOT,
			eogIds: [FAKE_EOS, FAKE_EOT],
			addBos: true,
			chatTemplate:
				this.script.chatTemplate === undefined ? '{{ chatml }}' : this.script.chatTemplate
		};
	}

	tokenize(text: string, special: boolean): Int32Array {
		this.#enter('tokenize');
		const ids: number[] = [];
		let rest = text;
		while (rest.length > 0) {
			if (special && rest.startsWith('<eos>')) {
				ids.push(FAKE_EOS);
				rest = rest.slice(5);
				continue;
			}
			for (const byte of new TextEncoder().encode(rest[0])) ids.push(byte);
			rest = rest.slice(1);
		}
		return Int32Array.from(ids);
	}

	tokenPiece(id: number): Uint8Array {
		this.#enter('tokenPiece');
		if (id < 256) return Uint8Array.of(id);
		return new TextEncoder().encode(['<s>', '<eos>', '<eot>', '<unused>'][id - 256]);
	}

	decode(batch: LlamaBatch): void {
		this.#enter('decode');
		if (this.script.decodeError) {
			const message = this.script.decodeError;
			this.script.decodeError = undefined;
			throw new Error(message);
		}
		const logitsOf = this.script.logitsOf ?? defaultLogits;
		this.#rows = [];
		for (let i = 0; i < batch.tokens.length; i++) {
			const seq = batch.seqIds[i];
			const tokens = this.sequences.get(seq) ?? [];
			if (batch.positions[i] !== tokens.length) {
				throw new Error(`position ${batch.positions[i]} is not next in sequence ${seq}`);
			}
			tokens.push(batch.tokens[i]);
			this.sequences.set(seq, tokens);
			// A new buffer per decode, as if wasm memory grew.
			this.#rows[i] = batch.logits[i] ? new Float32Array(logitsOf(tokens)) : new Float32Array(0);
		}
	}

	logits(row: number): Float32Array {
		this.#enter('logits');
		const view = this.#rows[row];
		if (!view || view.length === 0) throw new Error(`no logits for row ${row}`);
		return view;
	}

	seqRemove(seq: number, from: number, to: number): void {
		this.#enter(`seqRemove ${seq} ${from} ${to}`);
		const tokens = this.sequences.get(seq) ?? [];
		if (to !== -1) throw new Error('the fake removes only to the end');
		tokens.length = Math.min(tokens.length, from);
	}

	seqCopy(src: number, dst: number, from: number, to: number): void {
		this.#enter(`seqCopy ${src} ${dst} ${from} ${to}`);
		this.sequences.set(dst, [...(this.sequences.get(src) ?? [])]);
	}

	clear(): void {
		this.#enter('clear');
		this.sequences.clear();
	}

	dispose(): void {
		this.#enter('dispose');
		this.disposed = true;
	}
}
