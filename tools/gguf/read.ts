/**
 * Decodes a GGUF header completely: every metadata value (arrays as JS arrays) and every tensor
 * info. The app's checker (src/lib/models/gguf.ts) only returns facts; the writer's tests and
 * the model generator's tests use this to see each value written. Pure, over bytes in memory.
 */
import { TENSOR_TYPES, type TensorTypeName } from './quantize';
import { DEFAULT_ALIGNMENT, GgufType } from './writer';

export type DecodedValue = number | bigint | boolean | string | DecodedValue[];

export interface DecodedTensor {
	name: string;
	shape: number[];
	/** The type's name for the four types the writer knows, else `type <id>`. */
	type: TensorTypeName | `type ${number}`;
	/** From the start of the data section. */
	offset: number;
}

export interface DecodedGguf {
	version: number;
	metadata: Map<string, DecodedValue>;
	/** Each key's GGUF value type (for arrays, `9`). */
	types: Map<string, number>;
	tensors: DecodedTensor[];
	alignment: number;
	/** Where the data section starts in the file. */
	dataStart: number;
}

const TYPE_NAMES = new Map(
	Object.entries(TENSOR_TYPES).map(([name, info]) => [info.id, name as TensorTypeName])
);

/** Reads the header at the start of `bytes` (which must hold at least the whole header). */
export function decodeGguf(bytes: Uint8Array): DecodedGguf {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const decoder = new TextDecoder('utf-8', { fatal: true });
	let pos = 0;
	const u32 = () => ((pos += 4), view.getUint32(pos - 4, true));
	const u64 = () => ((pos += 8), Number(view.getBigUint64(pos - 8, true)));
	const string = () => {
		const length = u64();
		pos += length;
		return decoder.decode(bytes.subarray(pos - length, pos));
	};
	const value = (type: number): DecodedValue => {
		switch (type) {
			case GgufType.Uint8:
				return view.getUint8(pos++);
			case GgufType.Int8:
				return view.getInt8(pos++);
			case GgufType.Uint16:
				return ((pos += 2), view.getUint16(pos - 2, true));
			case GgufType.Int16:
				return ((pos += 2), view.getInt16(pos - 2, true));
			case GgufType.Uint32:
				return u32();
			case GgufType.Int32:
				return ((pos += 4), view.getInt32(pos - 4, true));
			case GgufType.Float32:
				return ((pos += 4), view.getFloat32(pos - 4, true));
			case GgufType.Bool:
				return view.getUint8(pos++) === 1;
			case GgufType.String:
				return string();
			case GgufType.Uint64:
				return ((pos += 8), view.getBigUint64(pos - 8, true));
			case GgufType.Int64:
				return ((pos += 8), view.getBigInt64(pos - 8, true));
			case GgufType.Float64:
				return ((pos += 8), view.getFloat64(pos - 8, true));
			case GgufType.Array: {
				const itemType = u32();
				const length = u64();
				return Array.from({ length }, () => value(itemType));
			}
			default:
				throw new Error(`unknown GGUF value type ${type} at byte ${pos}`);
		}
	};
	if (u32() !== 0x46554747) throw new Error('not a GGUF file');
	const version = u32();
	const tensorCount = u64();
	const kvCount = u64();
	const metadata = new Map<string, DecodedValue>();
	const types = new Map<string, number>();
	for (let i = 0; i < kvCount; i++) {
		const key = string();
		const type = u32();
		types.set(key, type);
		metadata.set(key, value(type));
	}
	const tensors: DecodedTensor[] = [];
	for (let i = 0; i < tensorCount; i++) {
		const name = string();
		const dims = u32();
		const shape = Array.from({ length: dims }, () => u64());
		const typeId = u32();
		const offset = u64();
		tensors.push({ name, shape, type: TYPE_NAMES.get(typeId) ?? `type ${typeId}`, offset });
	}
	const alignment = Number(metadata.get('general.alignment') ?? DEFAULT_ALIGNMENT);
	return {
		version,
		metadata,
		types,
		tensors,
		alignment,
		dataStart: Math.ceil(pos / alignment) * alignment
	};
}
