/**
 * Encodes float values as ggml tensor data: F32, F16, and the block formats Q8_0 and Q4_0, with
 * the matching decoders (to check the encoders). Block layouts from ggml's `ggml-common.h`:
 * Q8_0 is 32 values as an f16 scale `d` then 32 int8 `q` (value = q·d, d = max|x|/127);
 * Q4_0 is 32 values as an f16 scale `d` then 16 bytes of 4-bit `q` (value = (q − 8)·d,
 * d = the value of largest magnitude / −8), where byte j holds value j in its low nibble and
 * value j + 16 in its high nibble. The arithmetic follows ggml's reference quantizers in float32,
 * so the bytes match what llama.cpp's own quantizer writes for the same input.
 * Called by the GGUF writer's model generators (tools/gguf/llama.ts).
 */
import { f16ToF32, f32ToF16 } from './f16';

export type TensorTypeName = 'F32' | 'F16' | 'Q4_0' | 'Q8_0';

export interface TensorTypeInfo {
	/** ggml_type id stored in a GGUF tensor info. */
	id: number;
	/** Values per block (1 for plain floats). */
	blockValues: number;
	blockBytes: number;
}

export const TENSOR_TYPES: Readonly<Record<TensorTypeName, TensorTypeInfo>> = {
	F32: { id: 0, blockValues: 1, blockBytes: 4 },
	F16: { id: 1, blockValues: 1, blockBytes: 2 },
	Q4_0: { id: 2, blockValues: 32, blockBytes: 18 },
	Q8_0: { id: 8, blockValues: 32, blockBytes: 34 }
};

export const TENSOR_TYPE_NAMES = Object.keys(TENSOR_TYPES) as TensorTypeName[];

const QK = 32;
const fround = Math.fround;

/** Bytes `count` values take as `type`; `count` must be a whole number of blocks. */
export function tensorBytes(type: TensorTypeName, count: number): number {
	const { blockValues, blockBytes } = TENSOR_TYPES[type];
	if (count % blockValues !== 0) {
		throw new RangeError(`${type} stores values in blocks of ${blockValues}, not ${count}`);
	}
	return (count / blockValues) * blockBytes;
}

/** C's roundf: halves away from zero. */
function roundHalfAway(x: number): number {
	return x < 0 ? -Math.round(-x) : Math.round(x);
}

function encodeF32(values: Float32Array, out: DataView): void {
	for (let i = 0; i < values.length; i++) out.setFloat32(i * 4, values[i], true);
}

function encodeF16(values: Float32Array, out: DataView): void {
	for (let i = 0; i < values.length; i++) out.setUint16(i * 2, f32ToF16(values[i]), true);
}

function encodeQ8_0(values: Float32Array, out: DataView): void {
	for (let b = 0; b < values.length / QK; b++) {
		const base = b * QK;
		let amax = 0;
		for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(values[base + j]));
		const d = fround(amax / 127);
		const id = d !== 0 ? fround(1 / d) : 0;
		const at = b * 34;
		out.setUint16(at, f32ToF16(d), true);
		for (let j = 0; j < QK; j++)
			out.setInt8(at + 2 + j, roundHalfAway(fround(values[base + j] * id)));
	}
}

function encodeQ4_0(values: Float32Array, out: DataView): void {
	for (let b = 0; b < values.length / QK; b++) {
		const base = b * QK;
		let amax = 0;
		let max = 0;
		for (let j = 0; j < QK; j++) {
			const v = values[base + j];
			if (amax < Math.abs(v)) {
				amax = Math.abs(v);
				max = v;
			}
		}
		const d = fround(max / -8);
		const id = d !== 0 ? fround(1 / d) : 0;
		const at = b * 18;
		out.setUint16(at, f32ToF16(d), true);
		for (let j = 0; j < QK / 2; j++) {
			const lo = Math.min(15, Math.trunc(fround(fround(values[base + j] * id) + 8.5)));
			const hi = Math.min(15, Math.trunc(fround(fround(values[base + QK / 2 + j] * id) + 8.5)));
			out.setUint8(at + 2 + j, lo | (hi << 4));
		}
	}
}

/** `values` as `type`'s bytes (a whole number of blocks). */
export function encodeTensor(type: TensorTypeName, values: Float32Array): Uint8Array {
	const bytes = new Uint8Array(tensorBytes(type, values.length));
	const view = new DataView(bytes.buffer);
	if (type === 'F32') encodeF32(values, view);
	else if (type === 'F16') encodeF16(values, view);
	else if (type === 'Q8_0') encodeQ8_0(values, view);
	else encodeQ4_0(values, view);
	return bytes;
}

/** The values `bytes` of `type` stand for, as ggml's dequantizers compute them. */
export function decodeTensor(type: TensorTypeName, bytes: Uint8Array): Float32Array {
	const { blockValues, blockBytes } = TENSOR_TYPES[type];
	if (bytes.length % blockBytes !== 0) {
		throw new RangeError(`${bytes.length} bytes are not a whole number of ${type} blocks`);
	}
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const blocks = bytes.length / blockBytes;
	const out = new Float32Array(blocks * blockValues);
	for (let b = 0; b < blocks; b++) {
		const at = b * blockBytes;
		if (type === 'F32') out[b] = view.getFloat32(at, true);
		else if (type === 'F16') out[b] = f16ToF32(view.getUint16(at, true));
		else if (type === 'Q8_0') {
			const d = f16ToF32(view.getUint16(at, true));
			for (let j = 0; j < QK; j++) out[b * QK + j] = view.getInt8(at + 2 + j) * d;
		} else {
			const d = f16ToF32(view.getUint16(at, true));
			for (let j = 0; j < QK / 2; j++) {
				const byte = view.getUint8(at + 2 + j);
				out[b * QK + j] = ((byte & 0x0f) - 8) * d;
				out[b * QK + QK / 2 + j] = ((byte >> 4) - 8) * d;
			}
		}
	}
	return out;
}
