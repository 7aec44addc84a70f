import { describe, expect, it } from 'vitest';
import { readGguf } from '../../src/lib/models/gguf';
import { decodeTensor, encodeTensor } from './quantize';
import { decodeGguf } from './read';
import {
	encodeHeader,
	gguf,
	GgufType,
	writeGgufBytes as write,
	type GgufLayout,
	type TensorData
} from './writer';

const allTypes: [string, ReturnType<typeof gguf.u8>][] = [
	['general.architecture', gguf.str('llama')],
	['t.u8', gguf.u8(255)],
	['t.i8', gguf.i8(-128)],
	['t.u16', gguf.u16(65535)],
	['t.i16', gguf.i16(-32768)],
	['t.u32', gguf.u32(4294967295)],
	['t.i32', gguf.i32(-2147483648)],
	['t.f32', gguf.f32(0.5)],
	['t.bool', gguf.bool(true)],
	['t.str', gguf.str('héllo ▁ wörld')],
	['t.u64', gguf.u64(2n ** 64n - 1n)],
	['t.i64', gguf.i64(-(2n ** 63n))],
	['t.f64', gguf.f64(Math.PI)],
	['t.strings', gguf.array(GgufType.String, ['<s>', '', '▁the'])],
	['t.floats', gguf.array(GgufType.Float32, [0, -1.5, 2])],
	[
		't.nested',
		gguf.arrays([gguf.array(GgufType.Int32, [1, -2]), gguf.array(GgufType.Bool, [false])])
	]
];

describe('GGUF writer', () => {
	it('writes metadata of every GGUF type that reads back the same', async () => {
		const bytes = await write({ metadata: allTypes, tensors: [] }, () => []);
		const file = decodeGguf(bytes);
		expect(file.version).toBe(3);
		expect(file.tensors).toEqual([]);
		expect(Object.fromEntries(file.metadata)).toEqual({
			'general.architecture': 'llama',
			't.u8': 255,
			't.i8': -128,
			't.u16': 65535,
			't.i16': -32768,
			't.u32': 4294967295,
			't.i32': -2147483648,
			't.f32': 0.5,
			't.bool': true,
			't.str': 'héllo ▁ wörld',
			't.u64': 2n ** 64n - 1n,
			't.i64': -(2n ** 63n),
			't.f64': Math.PI,
			't.strings': ['<s>', '', '▁the'],
			't.floats': [0, -1.5, 2],
			't.nested': [[1, -2], [false]]
		});
		expect(file.types.get('t.nested')).toBe(GgufType.Array);
		expect(file.types.get('t.u64')).toBe(GgufType.Uint64);
		// The project's own checker accepts it too.
		const facts = await readGguf(new Blob([bytes]));
		expect(facts).toMatchObject({ version: 3, architecture: 'llama', tensorCount: 0 });
	});

	it('refuses a value outside its type', () => {
		const bad = (value: ReturnType<typeof gguf.u8>) => () =>
			encodeHeader({ metadata: [['k', value]], tensors: [] });
		expect(bad(gguf.u8(256))).toThrow(/metadata k: 256 is not a value of GGUF type 0/);
		expect(bad(gguf.i32(1.5))).toThrow(/not a value/);
		expect(bad({ type: GgufType.Uint32, value: 'x' })).toThrow(/not a value/);
		expect(bad(gguf.array(GgufType.Uint16, [1, -1]))).toThrow(/-1 is not a value/);
	});

	it('places tensors at aligned offsets, pads each, and streams their data in pieces', async () => {
		const a = Float32Array.from({ length: 3 * 32 }, (_, i) => Math.sin(i));
		const b = Float32Array.from({ length: 64 }, (_, i) => i / 10);
		const layout: GgufLayout = {
			metadata: [['general.architecture', gguf.str('llama')]],
			tensors: [
				{ name: 'a', shape: [32, 3], type: 'Q4_0' },
				{ name: 'b', shape: [64], type: 'F16' }
			]
		};
		const data: TensorData = function* (tensor) {
			if (tensor.name === 'a') {
				for (let row = 0; row < 3; row++)
					yield encodeTensor('Q4_0', a.subarray(row * 32, row * 32 + 32));
			} else yield encodeTensor('F16', b);
		};
		const bytes = await write(layout, data);
		const file = decodeGguf(bytes);
		expect(file.tensors).toEqual([
			{ name: 'a', shape: [32, 3], type: 'Q4_0', offset: 0 },
			{ name: 'b', shape: [64], type: 'F16', offset: 64 } // 54 bytes padded to 64
		]);
		expect(file.dataStart % 32).toBe(0);
		expect(bytes.length).toBe(file.dataStart + 64 + 128);
		expect(bytes.length).toBe(encodeHeader(layout).fileSize);
		const at = (offset: number, length: number) =>
			bytes.subarray(file.dataStart + offset, file.dataStart + offset + length);
		expect(decodeTensor('Q4_0', at(0, 54))).toEqual(decodeTensor('Q4_0', encodeTensor('Q4_0', a)));
		expect(decodeTensor('F16', at(64, 128))).toEqual(decodeTensor('F16', encodeTensor('F16', b)));
		expect(await readGguf(new Blob([bytes]))).toMatchObject({
			tensorCount: 2,
			parameterCount: 160
		});
	});

	it('writes general.alignment for another alignment and honours it', async () => {
		const layout: GgufLayout = {
			metadata: [['general.architecture', gguf.str('llama')]],
			tensors: [
				{ name: 'x', shape: [3], type: 'F32' },
				{ name: 'y', shape: [1], type: 'F32' }
			],
			alignment: 64
		};
		const bytes = await write(layout, (t) => [encodeTensor('F32', new Float32Array(t.shape[0]))]);
		const file = decodeGguf(bytes);
		expect(file.metadata.get('general.alignment')).toBe(64);
		expect(file.types.get('general.alignment')).toBe(GgufType.Uint32);
		expect(file.dataStart % 64).toBe(0);
		expect(file.tensors.map((t) => t.offset)).toEqual([0, 64]);
		expect((await readGguf(new Blob([bytes]))).alignment).toBe(64);
		expect(() => encodeHeader({ ...layout, alignment: 48 })).toThrow(/power of two/);
	});

	it('refuses tensor data of the wrong size and rows that are not whole blocks', async () => {
		const layout: GgufLayout = {
			metadata: [],
			tensors: [{ name: 'x', shape: [32], type: 'Q8_0' }]
		};
		await expect(write(layout, () => [new Uint8Array(33)])).rejects.toThrow(
			/tensor x needs 34 bytes of data, got 33/
		);
		await expect(write(layout, () => [new Uint8Array(40)])).rejects.toThrow(/got 40 or more/);
		expect(() =>
			encodeHeader({ metadata: [], tensors: [{ name: 'x', shape: [16, 2], type: 'Q8_0' }] })
		).toThrow(/rows of 16 are not whole Q8_0 blocks of 32/);
		expect(() =>
			encodeHeader({
				metadata: [],
				tensors: [
					{ name: 'x', shape: [1], type: 'F32' },
					{ name: 'x', shape: [1], type: 'F32' }
				]
			})
		).toThrow(/appears twice/);
	});
});
