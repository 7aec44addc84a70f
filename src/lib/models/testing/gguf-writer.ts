/**
 * Builds small GGUF files for tests of the GGUF reader (`models/gguf.ts`): a valid model by
 * default, with options to break one thing at a time.
 */
import { ValueType } from '../gguf';

export type TestValue =
	| { type: 'u32'; value: number }
	| { type: 'u64'; value: bigint }
	| { type: 'f32'; value: number }
	| { type: 'bool'; value: number }
	| { type: 'string'; value: string }
	| { type: 'strings'; value: readonly string[] }
	| { type: 'raw'; valueType: number; bytes: readonly number[] };

export interface TestTensor {
	name: string;
	shape: number[];
	/** ggml type id; F32 (0) by default. */
	type?: number;
}

export interface TestGgufOptions {
	version?: number;
	metadata?: Record<string, TestValue>;
	tensors?: TestTensor[];
	/** Written in place of the real counts. */
	tensorCount?: bigint;
	kvCount?: bigint;
	alignment?: number;
	/** Ends the file after the header (for tensors too large to write). */
	omitData?: boolean;
}

export const TEST_METADATA: Record<string, TestValue> = {
	'general.architecture': { type: 'string', value: 'llama' },
	'general.name': { type: 'string', value: 'test' },
	'general.file_type': { type: 'u32', value: 0 },
	'llama.context_length': { type: 'u32', value: 128 },
	'tokenizer.ggml.tokens': { type: 'strings', value: ['<unk>', '<s>', '</s>', 'a', 'b'] },
	'tokenizer.chat_template': { type: 'string', value: '{{ messages }}' }
};

export const TEST_TENSORS: TestTensor[] = [
	{ name: 'token_embd.weight', shape: [8, 5] },
	{ name: 'blk.0.attn_q.weight', shape: [32, 8], type: 8 },
	{ name: 'blk.3.ffn_down.weight', shape: [8, 8] },
	{ name: 'output_norm.weight', shape: [8] }
];

/** Bytes of one tensor of these types (F32 and Q8_0 are enough for tests). */
function tensorBytes(tensor: TestTensor): number {
	const elements = tensor.shape.reduce((a, b) => a * b, 1);
	return tensor.type === 8 ? (elements / 32) * 34 : elements * 4;
}

class Writer {
	bytes: number[] = [];
	u8(v: number) {
		this.bytes.push(v & 0xff);
	}
	u32(v: number) {
		const b = new Uint8Array(4);
		new DataView(b.buffer).setUint32(0, v, true);
		this.bytes.push(...b);
	}
	u64(v: bigint | number) {
		const b = new Uint8Array(8);
		new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
		this.bytes.push(...b);
	}
	string(s: string) {
		const b = new TextEncoder().encode(s);
		this.u64(b.length);
		this.bytes.push(...b);
	}
	pad(alignment: number) {
		while (this.bytes.length % alignment !== 0) this.u8(0);
	}
}

function writeValue(w: Writer, value: TestValue): void {
	switch (value.type) {
		case 'u32':
			w.u32(ValueType.Uint32);
			w.u32(value.value);
			return;
		case 'u64':
			w.u32(ValueType.Uint64);
			w.u64(value.value);
			return;
		case 'f32': {
			w.u32(ValueType.Float32);
			const b = new Uint8Array(4);
			new DataView(b.buffer).setFloat32(0, value.value, true);
			w.bytes.push(...b);
			return;
		}
		case 'bool':
			w.u32(ValueType.Bool);
			w.u8(value.value);
			return;
		case 'string':
			w.u32(ValueType.String);
			w.string(value.value);
			return;
		case 'strings':
			w.u32(ValueType.Array);
			w.u32(ValueType.String);
			w.u64(value.value.length);
			for (const s of value.value) w.string(s);
			return;
		case 'raw':
			w.u32(value.valueType);
			w.bytes.push(...value.bytes);
	}
}

export function writeTestGguf(options: TestGgufOptions = {}): Uint8Array<ArrayBuffer> {
	const metadata = options.metadata ?? TEST_METADATA;
	const tensors = options.tensors ?? TEST_TENSORS;
	const alignment = options.alignment ?? 32;
	const entries = Object.entries(metadata);
	const w = new Writer();
	w.bytes.push(...new TextEncoder().encode('GGUF'));
	w.u32(options.version ?? 3);
	w.u64(options.tensorCount ?? BigInt(tensors.length));
	w.u64(options.kvCount ?? BigInt(entries.length));
	for (const [key, value] of entries) {
		w.string(key);
		writeValue(w, value);
	}
	let offset = 0;
	for (const tensor of tensors) {
		w.string(tensor.name);
		w.u32(tensor.shape.length);
		for (const extent of tensor.shape) w.u64(extent);
		w.u32(tensor.type ?? 0);
		w.u64(offset);
		offset += Math.ceil(tensorBytes(tensor) / alignment) * alignment;
	}
	w.pad(alignment);
	const out = new Uint8Array(w.bytes.length + (options.omitData ? 0 : offset));
	out.set(w.bytes);
	return out;
}
