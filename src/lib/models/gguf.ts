/**
 * Reads and checks a GGUF file's header before an engine sees the file: magic, version, counts
 * and string lengths against the file size, every metadata value type, every tensor's extent,
 * and the architecture against the list the caller supports. Returns the model's facts
 * (architecture, parameters, quantization, context, vocabulary, chat template).
 * Pure: it reads byte ranges from a `ByteSource` (a Blob, or anything that serves ranges).
 * Called by the CPU engine before loading and by the page before it sends a file to the worker.
 * Layout from the GGUF specification (ggml's docs/gguf.md).
 */

/** A malformed or unsupported GGUF file; the message says what is wrong. */
export class GgufError extends Error {
	override name = 'GgufError';
}

/** Byte ranges of a file. */
export interface ByteSource {
	readonly size: number;
	/** How many bytes the reader asks for at a time at least; 1 MiB when omitted. */
	readonly window?: number;
	read(offset: number, length: number): Promise<Uint8Array>;
}

export function blobSource(blob: Blob): ByteSource {
	return {
		size: blob.size,
		read: async (offset, length) =>
			new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer())
	};
}

export interface GgufFacts {
	version: number;
	architecture: string;
	name: string | null;
	/** Sum of every tensor's element count. */
	parameterCount: number;
	/**
	 * `general.file_type` by its llama.cpp name (e.g. `Q4_K_M`); without it, the tensor type
	 * holding most parameters (e.g. `F32`).
	 */
	fileType: string | null;
	/** The trained context length, when the file states it. */
	contextLength: number | null;
	vocabSize: number | null;
	hasChatTemplate: boolean;
	tensorCount: number;
	alignment: number;
	fileSize: number;
}

export interface GgufCheckOptions {
	/** Architectures the engine can run; any architecture passes when omitted. */
	supportedArchitectures?: readonly string[];
}

const MAGIC = 'GGUF';
const SUPPORTED_VERSIONS = [2, 3];
const DEFAULT_ALIGNMENT = 32;
const MAX_DIMS = 4;
const MAX_KEY_BYTES = 65_535;
const MAX_ARRAY_DEPTH = 8;
/** Strings longer than this are skipped, not decoded: the caller only needs short values. */
const KEPT_STRING_BYTES = 4096;
const WINDOW = 1 << 20;

/** Metadata value types (gguf_metadata_value_type). */
export const ValueType = {
	Uint8: 0,
	Int8: 1,
	Uint16: 2,
	Int16: 3,
	Uint32: 4,
	Int32: 5,
	Float32: 6,
	Bool: 7,
	String: 8,
	Array: 9,
	Uint64: 10,
	Int64: 11,
	Float64: 12
} as const;

const FIXED_VALUE_BYTES: Partial<Record<number, number>> = {
	[ValueType.Uint8]: 1,
	[ValueType.Int8]: 1,
	[ValueType.Uint16]: 2,
	[ValueType.Int16]: 2,
	[ValueType.Uint32]: 4,
	[ValueType.Int32]: 4,
	[ValueType.Float32]: 4,
	[ValueType.Bool]: 1,
	[ValueType.Uint64]: 8,
	[ValueType.Int64]: 8,
	[ValueType.Float64]: 8
};

/** ggml tensor types: name, elements per block, bytes per block. */
const TENSOR_TYPES: Partial<Record<number, readonly [string, number, number]>> = {
	0: ['F32', 1, 4],
	1: ['F16', 1, 2],
	2: ['Q4_0', 32, 18],
	3: ['Q4_1', 32, 20],
	6: ['Q5_0', 32, 22],
	7: ['Q5_1', 32, 24],
	8: ['Q8_0', 32, 34],
	9: ['Q8_1', 32, 36],
	10: ['Q2_K', 256, 84],
	11: ['Q3_K', 256, 110],
	12: ['Q4_K', 256, 144],
	13: ['Q5_K', 256, 176],
	14: ['Q6_K', 256, 210],
	15: ['Q8_K', 256, 292],
	16: ['IQ2_XXS', 256, 66],
	17: ['IQ2_XS', 256, 74],
	18: ['IQ3_XXS', 256, 98],
	19: ['IQ1_S', 256, 50],
	20: ['IQ4_NL', 32, 18],
	21: ['IQ3_S', 256, 110],
	22: ['IQ2_S', 256, 82],
	23: ['IQ4_XS', 256, 136],
	24: ['I8', 1, 1],
	25: ['I16', 1, 2],
	26: ['I32', 1, 4],
	27: ['I64', 1, 8],
	28: ['F64', 1, 8],
	29: ['IQ1_M', 256, 56],
	30: ['BF16', 1, 2],
	34: ['TQ1_0', 256, 54],
	35: ['TQ2_0', 256, 66],
	39: ['MXFP4', 32, 17],
	40: ['NVFP4', 64, 36]
};

/** llama.cpp's `general.file_type` values (llama_ftype). */
const FILE_TYPES: Partial<Record<number, string>> = {
	0: 'F32',
	1: 'F16',
	2: 'Q4_0',
	3: 'Q4_1',
	7: 'Q8_0',
	8: 'Q5_0',
	9: 'Q5_1',
	10: 'Q2_K',
	11: 'Q3_K_S',
	12: 'Q3_K_M',
	13: 'Q3_K_L',
	14: 'Q4_K_S',
	15: 'Q4_K_M',
	16: 'Q5_K_S',
	17: 'Q5_K_M',
	18: 'Q6_K',
	19: 'IQ2_XXS',
	20: 'IQ2_XS',
	21: 'Q2_K_S',
	22: 'IQ3_XS',
	23: 'IQ3_XXS',
	24: 'IQ1_S',
	25: 'IQ4_NL',
	26: 'IQ3_S',
	27: 'IQ3_M',
	28: 'IQ2_S',
	29: 'IQ2_M',
	30: 'IQ4_XS',
	31: 'IQ1_M',
	32: 'BF16',
	36: 'TQ1_0',
	37: 'TQ2_0',
	38: 'MXFP4_MOE'
};

/** How many architectures a refusal names before "and N more". */
const NAMED_ARCHITECTURES = 12;

function describeStart(bytes: Uint8Array): string {
	const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
	const printable = bytes.length > 0 && bytes.every((b) => b >= 0x20 && b < 0x7f);
	return printable ? `"${String.fromCharCode(...bytes)}" (${hex})` : hex || 'nothing';
}

/** Reads forwards through a ByteSource, a window at a time. */
class Cursor {
	pos = 0;
	#window: Uint8Array = new Uint8Array(0);
	#windowStart = 0;
	readonly #decoder = new TextDecoder('utf-8', { fatal: true });

	constructor(private readonly source: ByteSource) {}

	get size(): number {
		return this.source.size;
	}

	/** Makes `n` bytes from `pos` readable; `what` names them if the file ends first. */
	async #need(n: number, what: string): Promise<DataView> {
		if (this.pos + n > this.size) {
			throw new GgufError(
				`truncated: ${what} needs bytes ${this.pos}–${this.pos + n}, the file has ${this.size}`
			);
		}
		const start = this.pos - this.#windowStart;
		if (start < 0 || start + n > this.#window.length) {
			this.#windowStart = this.pos;
			this.#window = await this.source.read(
				this.pos,
				Math.min(Math.max(n, this.source.window ?? WINDOW), this.size - this.pos)
			);
		}
		const offset = this.pos - this.#windowStart;
		this.pos += n;
		return new DataView(this.#window.buffer, this.#window.byteOffset + offset, n);
	}

	async u32(what: string): Promise<number> {
		return (await this.#need(4, what)).getUint32(0, true);
	}

	async u64(what: string): Promise<bigint> {
		return (await this.#need(8, what)).getBigUint64(0, true);
	}

	/** A u64 that must fit in a JS number exactly (sizes and counts within a file). */
	async count(what: string): Promise<number> {
		const value = await this.u64(what);
		if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
			throw new GgufError(`${what} is ${value}, more than any file can hold`);
		}
		return Number(value);
	}

	async bytes(n: number, what: string): Promise<Uint8Array> {
		const view = await this.#need(n, what);
		return new Uint8Array(view.buffer, view.byteOffset, n);
	}

	skip(n: number, what: string): void {
		if (this.pos + n > this.size) {
			throw new GgufError(
				`truncated: ${what} ends at byte ${this.pos + n}, the file has ${this.size}`
			);
		}
		this.pos += n;
	}

	/** A GGUF string; decoded when at most `keep` bytes long, else skipped (null). */
	async string(what: string, keep = KEPT_STRING_BYTES): Promise<string | null> {
		const length = await this.count(`the length of ${what}`);
		if (this.pos + length > this.size) {
			throw new GgufError(
				`truncated: ${what} is ${length} bytes long and would end at byte ${this.pos + length}, the file has ${this.size}`
			);
		}
		if (length > keep) {
			this.pos += length;
			return null;
		}
		const raw = await this.bytes(length, what);
		try {
			return this.#decoder.decode(raw);
		} catch {
			throw new GgufError(`${what} is not valid UTF-8`);
		}
	}

	async scalar(type: number, what: string): Promise<number | bigint | boolean> {
		const size = FIXED_VALUE_BYTES[type] ?? 0;
		const view = await this.#need(size, what);
		switch (type) {
			case ValueType.Uint8:
				return view.getUint8(0);
			case ValueType.Int8:
				return view.getInt8(0);
			case ValueType.Uint16:
				return view.getUint16(0, true);
			case ValueType.Int16:
				return view.getInt16(0, true);
			case ValueType.Uint32:
				return view.getUint32(0, true);
			case ValueType.Int32:
				return view.getInt32(0, true);
			case ValueType.Float32:
				return view.getFloat32(0, true);
			case ValueType.Uint64:
				return view.getBigUint64(0, true);
			case ValueType.Int64:
				return view.getBigInt64(0, true);
			case ValueType.Float64:
				return view.getFloat64(0, true);
			default: {
				const byte = view.getUint8(0);
				if (byte > 1)
					throw new GgufError(`${what} is a boolean stored as ${byte} (must be 0 or 1)`);
				return byte === 1;
			}
		}
	}
}

type MetaValue =
	| { kind: 'scalar'; value: number | bigint | boolean }
	| { kind: 'string'; value: string | null }
	| { kind: 'array'; type: number; length: number };

function isKnownValueType(type: number): boolean {
	return (
		type === ValueType.String || type === ValueType.Array || FIXED_VALUE_BYTES[type] !== undefined
	);
}

async function readValue(
	cursor: Cursor,
	type: number,
	what: string,
	depth = 0
): Promise<MetaValue> {
	if (!isKnownValueType(type)) {
		throw new GgufError(`${what} has unknown value type ${type}`);
	}
	if (type === ValueType.String) return { kind: 'string', value: await cursor.string(what) };
	if (type !== ValueType.Array) return { kind: 'scalar', value: await cursor.scalar(type, what) };
	if (depth >= MAX_ARRAY_DEPTH) throw new GgufError(`${what} nests arrays too deeply`);
	const elementType = await cursor.u32(`the element type of ${what}`);
	if (!isKnownValueType(elementType)) {
		throw new GgufError(`${what} is an array of unknown value type ${elementType}`);
	}
	const length = await cursor.count(`the length of ${what}`);
	const fixed = FIXED_VALUE_BYTES[elementType];
	if (fixed !== undefined) {
		const start = cursor.pos;
		cursor.skip(length * fixed, `${what} (${length} elements)`);
		if (elementType === ValueType.Bool) {
			cursor.pos = start;
			for (let i = 0; i < length; i++) await cursor.scalar(elementType, `${what}[${i}]`);
		}
	} else {
		// Every string or array element takes at least 8 bytes: refuse absurd lengths at once.
		if (cursor.pos + length * 8 > cursor.size) {
			throw new GgufError(
				`${what} claims ${length} elements, which cannot fit in a file of ${cursor.size} bytes`
			);
		}
		for (let i = 0; i < length; i++) {
			if (elementType === ValueType.String) await cursor.string(`${what}[${i}]`, 0);
			else await readValue(cursor, elementType, `${what}[${i}]`, depth + 1);
		}
	}
	return { kind: 'array', type: elementType, length };
}

function numberOf(value: MetaValue | undefined): number | null {
	if (value?.kind !== 'scalar' || typeof value.value === 'boolean') return null;
	const n = Number(value.value);
	return Number.isFinite(n) ? n : null;
}

function describeArchitectures(supported: readonly string[]): string {
	const named = supported.slice(0, NAMED_ARCHITECTURES).join(', ');
	const more = supported.length - NAMED_ARCHITECTURES;
	return more > 0 ? `${named} and ${more} more` : named;
}

/**
 * Reads the header of the GGUF file `input` and checks it as described above. Throws a
 * `GgufError` naming the first problem found.
 */
export async function readGguf(
	input: ByteSource | Blob,
	options: GgufCheckOptions = {}
): Promise<GgufFacts> {
	const source = input instanceof Blob ? blobSource(input) : input;
	const cursor = new Cursor(source);
	const size = source.size;
	const start = await source.read(0, Math.min(4, size));
	if (start.length < 4 || String.fromCharCode(...start) !== MAGIC) {
		throw new GgufError(`not a GGUF file: it starts with ${describeStart(start)}, not "GGUF"`);
	}
	cursor.pos = 4;
	const version = await cursor.u32('the version');
	if (!SUPPORTED_VERSIONS.includes(version)) {
		throw new GgufError(`GGUF version ${version} is not supported (2 or 3)`);
	}
	const tensorCount = await cursor.u64('the tensor count');
	const kvCount = await cursor.u64('the metadata count');
	// A tensor's description takes at least 24 bytes, a metadata entry at least 13.
	const rest = BigInt(size - cursor.pos);
	if (tensorCount * 24n > rest) {
		throw new GgufError(
			`the header claims ${tensorCount} tensors, which cannot fit in a file of ${size} bytes`
		);
	}
	if (kvCount * 13n > rest) {
		throw new GgufError(
			`the header claims ${kvCount} metadata entries, which cannot fit in a file of ${size} bytes`
		);
	}

	const metadata = new Map<string, MetaValue>();
	for (let i = 0; i < Number(kvCount); i++) {
		const key = await cursor.string(`the key of metadata entry ${i}`, MAX_KEY_BYTES);
		if (key === null)
			throw new GgufError(`the key of metadata entry ${i} is longer than 65535 bytes`);
		if (metadata.has(key)) throw new GgufError(`metadata key ${key} appears twice`);
		const type = await cursor.u32(`the value type of ${key}`);
		metadata.set(key, await readValue(cursor, type, `metadata ${key}`));
	}

	let alignment = DEFAULT_ALIGNMENT;
	const alignmentValue = metadata.get('general.alignment');
	if (alignmentValue) {
		const a = numberOf(alignmentValue);
		if (a === null || !Number.isInteger(a) || a <= 0 || (a & (a - 1)) !== 0) {
			throw new GgufError(
				`general.alignment must be a power of two, not ${String(a ?? 'that value')}`
			);
		}
		alignment = a;
	}

	const architectureValue = metadata.get('general.architecture');
	if (architectureValue?.kind !== 'string' || !architectureValue.value) {
		throw new GgufError('the file does not name its architecture (general.architecture)');
	}
	const architecture = architectureValue.value;
	const supported = options.supportedArchitectures;
	if (supported && !supported.includes(architecture)) {
		throw new GgufError(
			`architecture ${architecture} is not supported; supported: ${describeArchitectures(supported)}`
		);
	}

	const tensors: { name: string; offset: number; bytes: number }[] = [];
	const names = new Set<string>();
	let parameterCount = 0;
	const elementsByType = new Map<string, number>();
	for (let i = 0; i < Number(tensorCount); i++) {
		const name = (await cursor.string(`the name of tensor ${i}`, MAX_KEY_BYTES)) ?? `#${i}`;
		if (names.has(name)) throw new GgufError(`tensor ${name} appears twice`);
		names.add(name);
		const dims = await cursor.u32(`the dimensions of tensor ${name}`);
		if (dims < 1 || dims > MAX_DIMS) {
			throw new GgufError(`tensor ${name} has ${dims} dimensions (1 to ${MAX_DIMS} are allowed)`);
		}
		const shape: number[] = [];
		let elements = 1n;
		for (let d = 0; d < dims; d++) {
			const extent = await cursor.u64(`the shape of tensor ${name}`);
			elements *= extent;
			if (elements > BigInt(size) * 8n) {
				throw new GgufError(
					`tensor ${name} claims more elements than a file of ${size} bytes can hold`
				);
			}
			shape.push(Number(extent));
		}
		const typeId = await cursor.u32(`the type of tensor ${name}`);
		const type = TENSOR_TYPES[typeId];
		if (!type) throw new GgufError(`tensor ${name} has unknown type ${typeId}`);
		const [typeName, blockElements, blockBytes] = type;
		if (shape[0] % blockElements !== 0) {
			throw new GgufError(
				`tensor ${name} has rows of ${shape[0]} values, not a multiple of ${typeName}'s block of ${blockElements}`
			);
		}
		const offset = await cursor.count(`the offset of tensor ${name}`);
		if (offset % alignment !== 0) {
			throw new GgufError(
				`tensor ${name} starts at offset ${offset}, not a multiple of ${alignment}`
			);
		}
		const count = Number(elements);
		parameterCount += count;
		elementsByType.set(typeName, (elementsByType.get(typeName) ?? 0) + count);
		tensors.push({ name, offset, bytes: (count / blockElements) * blockBytes });
	}

	const dataStart = Math.ceil(cursor.pos / alignment) * alignment;
	for (const tensor of tensors) {
		const end = dataStart + tensor.offset + tensor.bytes;
		if (end > size) {
			throw new GgufError(
				`truncated: tensor ${tensor.name} ends at byte ${end}, the file has ${size}`
			);
		}
	}

	const nameValue = metadata.get('general.name');
	const fileTypeId = numberOf(metadata.get('general.file_type'));
	const mainType = [...elementsByType].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
	const tokens = metadata.get('tokenizer.ggml.tokens');
	const vocabSize =
		numberOf(metadata.get(`${architecture}.vocab_size`)) ??
		(tokens?.kind === 'array' ? tokens.length : null);
	return {
		version,
		architecture,
		name: nameValue?.kind === 'string' ? nameValue.value : null,
		parameterCount,
		fileType: fileTypeId === null ? mainType : (FILE_TYPES[fileTypeId] ?? `type ${fileTypeId}`),
		contextLength: numberOf(metadata.get(`${architecture}.context_length`)),
		vocabSize,
		hasChatTemplate: metadata.get('tokenizer.chat_template')?.kind === 'string',
		tensorCount: tensors.length,
		alignment,
		fileSize: size
	};
}

function formatCount(n: number): string {
	if (n < 1e3) return String(n);
	if (n < 1e6) return `${(n / 1e3).toFixed(1)} K`;
	if (n < 1e9) return `${(n / 1e6).toFixed(1)} M`;
	return `${(n / 1e9).toFixed(1)} B`;
}

/** One line for the model picker: architecture, parameters, quantization, context, vocabulary. */
export function describeGgufFacts(facts: GgufFacts): string {
	const parts = [facts.architecture, `${formatCount(facts.parameterCount)} parameters`];
	if (facts.fileType) parts.push(facts.fileType);
	if (facts.contextLength !== null) parts.push(`trained context ${facts.contextLength}`);
	if (facts.vocabSize !== null) parts.push(`vocabulary ${facts.vocabSize}`);
	parts.push(facts.hasChatTemplate ? 'chat template' : 'no chat template');
	return parts.join(' · ');
}
