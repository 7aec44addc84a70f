/**
 * Writes GGUF version 3 files: the header (magic, version, counts), metadata key/values of every
 * GGUF value type (arrays included, nested or of strings), tensor infos, then each tensor's data
 * at its aligned offset. The header is built in memory; tensor data is streamed from the caller,
 * so a file much larger than memory can be written. Layout from ggml's docs/gguf.md.
 * Called by the synthetic model generator (tools/gguf/llama.ts, tools/gguf/make-model.ts).
 */
import { tensorBytes, TENSOR_TYPES, type TensorTypeName } from './quantize';
import { ValueType } from '../../src/lib/models/gguf';

/** gguf_metadata_value_type: the same table the app's GGUF checker reads files with. */
export const GgufType = ValueType;

export type GgufScalarType = Exclude<(typeof GgufType)[keyof typeof GgufType], 9>;

export type GgufValue =
	| { type: GgufScalarType; value: number | bigint | boolean | string }
	| {
			type: typeof GgufType.Array;
			itemType: GgufScalarType;
			items: readonly (number | bigint | boolean | string)[];
	  }
	| { type: typeof GgufType.Array; itemType: typeof GgufType.Array; items: readonly GgufValue[] };

/** Shorthands for metadata values. */
export const gguf = {
	u8: (value: number): GgufValue => ({ type: GgufType.Uint8, value }),
	i8: (value: number): GgufValue => ({ type: GgufType.Int8, value }),
	u16: (value: number): GgufValue => ({ type: GgufType.Uint16, value }),
	i16: (value: number): GgufValue => ({ type: GgufType.Int16, value }),
	u32: (value: number): GgufValue => ({ type: GgufType.Uint32, value }),
	i32: (value: number): GgufValue => ({ type: GgufType.Int32, value }),
	f32: (value: number): GgufValue => ({ type: GgufType.Float32, value }),
	bool: (value: boolean): GgufValue => ({ type: GgufType.Bool, value }),
	str: (value: string): GgufValue => ({ type: GgufType.String, value }),
	u64: (value: bigint | number): GgufValue => ({ type: GgufType.Uint64, value }),
	i64: (value: bigint | number): GgufValue => ({ type: GgufType.Int64, value }),
	f64: (value: number): GgufValue => ({ type: GgufType.Float64, value }),
	array: (
		itemType: GgufScalarType,
		items: readonly (number | bigint | boolean | string)[]
	): GgufValue => ({ type: GgufType.Array, itemType, items }),
	arrays: (items: readonly GgufValue[]): GgufValue => ({
		type: GgufType.Array,
		itemType: GgufType.Array,
		items
	})
};

export interface TensorInfo {
	name: string;
	/** ggml order: the first extent is the row (the contiguous one). */
	shape: readonly number[];
	type: TensorTypeName;
}

export interface GgufLayout {
	metadata: ReadonlyMap<string, GgufValue> | readonly (readonly [string, GgufValue])[];
	tensors: readonly TensorInfo[];
	/** Tensor data alignment; written as `general.alignment` when not the default 32. */
	alignment?: number;
}

export const DEFAULT_ALIGNMENT = 32;
const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const VERSION = 3;

/** A growable little-endian byte buffer. */
class Bytes {
	#buf = new Uint8Array(1 << 16);
	#view = new DataView(this.#buf.buffer);
	length = 0;
	readonly #encoder = new TextEncoder();

	#room(n: number): number {
		if (this.length + n > this.#buf.length) {
			const next = new Uint8Array(Math.max(this.#buf.length * 2, this.length + n));
			next.set(this.#buf.subarray(0, this.length));
			this.#buf = next;
			this.#view = new DataView(next.buffer);
		}
		const at = this.length;
		this.length += n;
		return at;
	}

	u8(v: number) {
		const at = this.#room(1); // before reading #view: #room may replace it
		this.#view.setUint8(at, v);
	}
	u32(v: number) {
		const at = this.#room(4);
		this.#view.setUint32(at, v, true);
	}
	u64(v: number | bigint) {
		const at = this.#room(8);
		this.#view.setBigUint64(at, BigInt(v), true);
	}
	raw(bytes: Uint8Array) {
		const at = this.#room(bytes.length);
		this.#buf.set(bytes, at);
	}
	string(s: string) {
		const bytes = this.#encoder.encode(s);
		this.u64(bytes.length);
		this.raw(bytes);
	}
	pad(alignment: number) {
		const target = Math.ceil(this.length / alignment) * alignment;
		this.#room(target - this.length);
	}
	scalar(type: GgufScalarType, value: number | bigint | boolean | string, key: string) {
		const fail = () => {
			throw new TypeError(`metadata ${key}: ${String(value)} is not a value of GGUF type ${type}`);
		};
		if (type === GgufType.String) return typeof value === 'string' ? this.string(value) : fail();
		if (type === GgufType.Bool) return typeof value === 'boolean' ? this.u8(value ? 1 : 0) : fail();
		if (typeof value === 'string' || typeof value === 'boolean') return fail();
		if (type === GgufType.Uint64 || type === GgufType.Int64) {
			const big = BigInt(value);
			const at = this.#room(8);
			if (type === GgufType.Uint64) this.#view.setBigUint64(at, big, true);
			else this.#view.setBigInt64(at, big, true);
			return;
		}
		const n = Number(value);
		const integer = type !== GgufType.Float32 && type !== GgufType.Float64;
		if (integer && !Number.isInteger(n)) fail();
		const ranges: Partial<Record<GgufScalarType, readonly [number, number]>> = {
			[GgufType.Uint8]: [0, 0xff],
			[GgufType.Int8]: [-0x80, 0x7f],
			[GgufType.Uint16]: [0, 0xffff],
			[GgufType.Int16]: [-0x8000, 0x7fff],
			[GgufType.Uint32]: [0, 0xffffffff],
			[GgufType.Int32]: [-0x80000000, 0x7fffffff]
		};
		const range = ranges[type];
		if (range && (n < range[0] || n > range[1])) fail();
		const setters: Record<number, (at: number) => void> = {
			[GgufType.Uint8]: (at) => this.#view.setUint8(at, n),
			[GgufType.Int8]: (at) => this.#view.setInt8(at, n),
			[GgufType.Uint16]: (at) => this.#view.setUint16(at, n, true),
			[GgufType.Int16]: (at) => this.#view.setInt16(at, n, true),
			[GgufType.Uint32]: (at) => this.#view.setUint32(at, n, true),
			[GgufType.Int32]: (at) => this.#view.setInt32(at, n, true),
			[GgufType.Float32]: (at) => this.#view.setFloat32(at, n, true),
			[GgufType.Float64]: (at) => this.#view.setFloat64(at, n, true)
		};
		const size = type === GgufType.Float64 ? 8 : [1, 1, 2, 2, 4, 4, 4][type];
		setters[type](this.#room(size));
	}
	value(value: GgufValue, key: string) {
		this.u32(value.type);
		this.body(value, key);
	}
	body(value: GgufValue, key: string) {
		if (value.type !== GgufType.Array) return this.scalar(value.type, value.value, key);
		this.u32(value.itemType);
		this.u64(value.items.length);
		if (value.itemType === GgufType.Array) {
			for (const item of value.items as readonly GgufValue[]) {
				if (item.type !== GgufType.Array) {
					throw new TypeError(`metadata ${key}: an array of arrays holds a non-array`);
				}
				this.body(item, key);
			}
		} else {
			const itemType = value.itemType;
			for (const item of value.items as readonly (number | bigint | boolean | string)[]) {
				this.scalar(itemType, item, key);
			}
		}
	}
	bytes(): Uint8Array {
		return this.#buf.subarray(0, this.length);
	}
}

export interface EncodedHeader {
	/** Everything before the tensor data, padded to the alignment. */
	header: Uint8Array;
	/** Each tensor's offset from the start of the data section. */
	offsets: number[];
	/** Each tensor's size in bytes (without padding). */
	sizes: number[];
	/** Bytes of the whole file (every tensor padded to the alignment, the last one too). */
	fileSize: number;
	alignment: number;
}

/** The header of a GGUF file with `layout`'s metadata and tensors, and where each tensor goes. */
export function encodeHeader(layout: GgufLayout): EncodedHeader {
	const alignment = layout.alignment ?? DEFAULT_ALIGNMENT;
	if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
		throw new RangeError(`alignment must be a power of two, not ${alignment}`);
	}
	const metadata = new Map(layout.metadata);
	if (metadata.has('general.alignment')) {
		throw new TypeError('set the alignment with the layout’s alignment, not general.alignment');
	}
	if (alignment !== DEFAULT_ALIGNMENT) metadata.set('general.alignment', gguf.u32(alignment));
	const out = new Bytes();
	out.u32(MAGIC);
	out.u32(VERSION);
	out.u64(layout.tensors.length);
	out.u64(metadata.size);
	for (const [key, value] of metadata) {
		out.string(key);
		out.value(value, key);
	}
	const offsets: number[] = [];
	const sizes: number[] = [];
	const names = new Set<string>();
	let offset = 0;
	for (const tensor of layout.tensors) {
		if (names.has(tensor.name)) throw new TypeError(`tensor ${tensor.name} appears twice`);
		names.add(tensor.name);
		if (tensor.shape.length < 1 || tensor.shape.length > 4) {
			throw new RangeError(`tensor ${tensor.name} must have 1 to 4 dimensions`);
		}
		const elements = tensor.shape.reduce((a, b) => a * b, 1);
		const { blockValues } = TENSOR_TYPES[tensor.type];
		if (tensor.shape[0] % blockValues !== 0) {
			throw new RangeError(
				`tensor ${tensor.name}: rows of ${tensor.shape[0]} are not whole ${tensor.type} blocks of ${blockValues}`
			);
		}
		out.string(tensor.name);
		out.u32(tensor.shape.length);
		for (const extent of tensor.shape) out.u64(extent);
		out.u32(TENSOR_TYPES[tensor.type].id);
		out.u64(offset);
		offsets.push(offset);
		const size = tensorBytes(tensor.type, elements);
		sizes.push(size);
		offset += Math.ceil(size / alignment) * alignment;
	}
	out.pad(alignment);
	const header = out.bytes();
	return { header, offsets, sizes, fileSize: header.length + offset, alignment };
}

/** Receives the file's bytes in order. */
export type ByteSink = (bytes: Uint8Array) => Promise<void> | void;

/** A tensor's data in order, in pieces of any size. */
export type TensorData = (
	tensor: TensorInfo,
	index: number
) => Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Writes a whole GGUF file to `sink`: the header, then each tensor's data from `data`, each
 * padded to the alignment. Throws when a tensor's data is not exactly its size.
 */
export async function writeGguf(
	layout: GgufLayout,
	data: TensorData,
	sink: ByteSink
): Promise<EncodedHeader> {
	const encoded = encodeHeader(layout);
	await sink(encoded.header);
	const { alignment } = encoded;
	for (const [i, tensor] of layout.tensors.entries()) {
		let written = 0;
		for await (const piece of data(tensor, i)) {
			written += piece.length;
			if (written > encoded.sizes[i]) break;
			await sink(piece);
		}
		if (written !== encoded.sizes[i]) {
			throw new RangeError(
				`tensor ${tensor.name} needs ${encoded.sizes[i]} bytes of data, got ${written}${written > encoded.sizes[i] ? ' or more' : ''}`
			);
		}
		// ggml pads after the last tensor too: its reader reads the data section as whole padded tensors.
		const padding = Math.ceil(written / alignment) * alignment - written;
		if (padding > 0) await sink(new Uint8Array(padding));
	}
	return encoded;
}

/** The whole GGUF file in memory (tests and small models). */
export async function writeGgufBytes(
	layout: GgufLayout,
	data: TensorData
): Promise<Uint8Array<ArrayBuffer>> {
	const pieces: Uint8Array[] = [];
	await writeGguf(layout, data, (bytes) => void pieces.push(bytes.slice()));
	const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const piece of pieces) {
		out.set(piece, at);
		at += piece.length;
	}
	return out;
}
