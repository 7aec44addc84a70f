import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeGgufFacts, GgufError, readGguf, ValueType } from './gguf';
import { TEST_METADATA, writeTestGguf } from './testing/gguf-writer';

const supportedArchitectures = [
	'llama',
	'qwen2',
	'qwen3',
	...Array.from({ length: 20 }, (_, i) => `arch${i}`)
];
const check = (bytes: Uint8Array<ArrayBuffer>) =>
	readGguf(new Blob([bytes]), { supportedArchitectures });
const realModel = new Uint8Array(readFileSync('models/stories260K.gguf'));

async function failure(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
	const error = await check(bytes).then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(GgufError);
	return (error as GgufError).message;
}

function randomBytes(n: number, seed = 1): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(n);
	let x = seed;
	for (let i = 0; i < n; i++) {
		x = (x * 1103515245 + 12345) >>> 0;
		out[i] = x >>> 24;
	}
	return out;
}

describe('readGguf on synthetic files', () => {
	it('reads the facts of a valid file', async () => {
		const facts = await check(writeTestGguf());
		expect(facts).toMatchObject({
			version: 3,
			architecture: 'llama',
			name: 'test',
			fileType: 'F32',
			contextLength: 128,
			vocabSize: 5,
			hasChatTemplate: true,
			tensorCount: 4,
			alignment: 32,
			parameterCount: 8 * 5 + 32 * 8 + 8 * 8 + 8
		});
	});

	it('accepts version 2 and a custom alignment', async () => {
		const metadata = { ...TEST_METADATA, 'general.alignment': { type: 'u32', value: 64 } } as const;
		const facts = await check(writeTestGguf({ version: 2, metadata, alignment: 64 }));
		expect(facts.alignment).toBe(64);
		expect(facts.version).toBe(2);
	});

	it('refuses random bytes, naming how the file starts', async () => {
		const bytes = randomBytes(4096);
		bytes.set([0x50, 0x4b, 0x03, 0x04]);
		expect(await failure(bytes)).toBe('not a GGUF file: it starts with 50 4b 03 04, not "GGUF"');
		expect(await failure(new TextEncoder().encode('<html>'))).toBe(
			'not a GGUF file: it starts with "<htm" (3c 68 74 6d), not "GGUF"'
		);
	});

	it('refuses a file of zeros and an empty file', async () => {
		expect(await failure(new Uint8Array(1 << 16))).toBe(
			'not a GGUF file: it starts with 00 00 00 00, not "GGUF"'
		);
		expect(await failure(new Uint8Array(0))).toBe(
			'not a GGUF file: it starts with nothing, not "GGUF"'
		);
	});

	it('refuses version 99', async () => {
		expect(await failure(writeTestGguf({ version: 99 }))).toBe(
			'GGUF version 99 is not supported (2 or 3)'
		);
	});

	it('refuses absurd tensor and metadata counts', async () => {
		const bytes = writeTestGguf({ tensorCount: 1n << 60n });
		expect(await failure(bytes)).toBe(
			`the header claims ${1n << 60n} tensors, which cannot fit in a file of ${bytes.length} bytes`
		);
		const kv = writeTestGguf({ kvCount: 0xffffffffffffffffn });
		expect(await failure(kv)).toMatch(/^the header claims 18446744073709551615 metadata entries/);
	});

	it('refuses a string longer than the file', async () => {
		const bytes = writeTestGguf();
		// The first key's length (bytes 24..32).
		new DataView(bytes.buffer).setBigUint64(24, 1n << 40n, true);
		expect(await failure(bytes)).toBe(
			`truncated: the key of metadata entry 0 is ${1n << 40n} bytes long and would end at byte ${32 + 2 ** 40}, the file has ${bytes.length}`
		);
	});

	it('refuses an unknown value type and a bad boolean', async () => {
		const metadata = {
			...TEST_METADATA,
			'x.y': { type: 'raw', valueType: 77, bytes: [] }
		} as const;
		expect(await failure(writeTestGguf({ metadata }))).toBe(
			'metadata x.y has unknown value type 77'
		);
		const bools = { ...TEST_METADATA, 'x.flag': { type: 'bool', value: 7 } } as const;
		expect(await failure(writeTestGguf({ metadata: bools }))).toBe(
			'metadata x.flag is a boolean stored as 7 (must be 0 or 1)'
		);
	});

	it('reads every value type', async () => {
		const scalars: [number, number[]][] = [
			[ValueType.Uint8, [1]],
			[ValueType.Int8, [0xff]],
			[ValueType.Uint16, [1, 0]],
			[ValueType.Int16, [1, 0]],
			[ValueType.Int32, [1, 0, 0, 0]],
			[ValueType.Int64, [1, 0, 0, 0, 0, 0, 0, 0]],
			[ValueType.Float64, [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]]
		];
		const metadata: Parameters<typeof writeTestGguf>[0] = {
			metadata: {
				...TEST_METADATA,
				...Object.fromEntries(
					scalars.map(([valueType, bytes]) => [
						`x.t${valueType}`,
						{ type: 'raw', valueType, bytes }
					])
				),
				// An array of arrays of u16: [[1, 2]].
				'x.nested': {
					type: 'raw',
					valueType: ValueType.Array,
					bytes: [
						9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0
					]
				},
				'x.f': { type: 'f32', value: 0.5 },
				'x.u64': { type: 'u64', value: 7n }
			}
		};
		await expect(check(writeTestGguf(metadata))).resolves.toMatchObject({ architecture: 'llama' });
	});

	it('refuses an array that claims more elements than the file holds', async () => {
		const metadata = {
			...TEST_METADATA,
			'x.list': {
				type: 'raw',
				valueType: ValueType.Array,
				bytes: [8, 0, 0, 0, 0x40, 0x42, 0x0f, 0, 0, 0, 0, 0]
			}
		} as const;
		const bytes = writeTestGguf({ metadata });
		expect(await failure(bytes)).toBe(
			`metadata x.list claims 1000000 elements, which cannot fit in a file of ${bytes.length} bytes`
		);
	});

	it('refuses an architecture the engine does not run, naming those it does', async () => {
		const metadata = {
			...TEST_METADATA,
			'general.architecture': { type: 'string', value: 'zzzzz' }
		} as const;
		const message = await failure(writeTestGguf({ metadata }));
		expect(message).toMatch(
			/^architecture zzzzz is not supported; supported: llama, qwen2, qwen3, /
		);
		expect(message).toMatch(/ arch8 and 11 more$/);
		const without = { ...TEST_METADATA };
		delete without['general.architecture'];
		expect(await failure(writeTestGguf({ metadata: without }))).toBe(
			'the file does not name its architecture (general.architecture)'
		);
	});

	it('refuses tensors of an unknown type, odd alignment or too many dimensions', async () => {
		expect(await failure(writeTestGguf({ tensors: [{ name: 'a', shape: [4], type: 4 }] }))).toBe(
			'tensor a has unknown type 4'
		);
		expect(await failure(writeTestGguf({ tensors: [{ name: 'a', shape: [1, 1, 1, 1, 1] }] }))).toBe(
			'tensor a has 5 dimensions (1 to 4 are allowed)'
		);
		expect(await failure(writeTestGguf({ tensors: [{ name: 'a', shape: [40], type: 8 }] }))).toBe(
			"tensor a has rows of 40 values, not a multiple of Q8_0's block of 32"
		);
		const absurd = writeTestGguf({
			tensors: [{ name: 'a', shape: [2 ** 40, 2 ** 40] }],
			omitData: true
		});
		expect(await failure(absurd)).toBe(
			`tensor a claims more elements than a file of ${absurd.length} bytes can hold`
		);
	});

	it('names the first tensor that runs past the end of a truncated file', async () => {
		const whole = writeTestGguf();
		// The last two tensors (8×8 and 8 F32 values) take the last 256 + 32 bytes.
		const cut = whole.slice(0, whole.length - 33);
		expect(await failure(cut)).toBe(
			`truncated: tensor blk.3.ffn_down.weight ends at byte ${whole.length - 32}, the file has ${cut.length}`
		);
	});
});

describe('readGguf on the test model', () => {
	it('reads its facts', async () => {
		const facts = await check(realModel);
		expect(facts).toMatchObject({
			version: 3,
			architecture: 'llama',
			vocabSize: 512,
			tensorCount: 48,
			contextLength: 2048,
			hasChatTemplate: false,
			fileType: 'F32',
			parameterCount: 292_800,
			fileSize: realModel.length
		});
	});

	it('describes them in one line', async () => {
		expect(describeGgufFacts(await check(realModel))).toBe(
			'llama · 292.8 K parameters · F32 · trained context 2048 · vocabulary 512 · no chat template'
		);
		expect(describeGgufFacts(await check(writeTestGguf()))).toBe(
			'llama · 368 parameters · F32 · trained context 128 · vocabulary 5 · chat template'
		);
	});

	it.each([0.1, 0.5, 0.99])('says which tensor a copy cut at %s ends in', async (fraction) => {
		const cut = realModel.slice(0, Math.floor(realModel.length * fraction));
		expect(await failure(cut)).toMatch(
			new RegExp(`^truncated: tensor \\S+ ends at byte \\d+, the file has ${cut.length}$`)
		);
	});

	it('says where the header is cut when the cut falls inside it', async () => {
		const cut = realModel.slice(0, 2000);
		expect(await failure(cut)).toBe(
			'metadata tokenizer.ggml.tokens claims 512 elements, which cannot fit in a file of 2000 bytes'
		);
		const inString = realModel.slice(0, 5000);
		expect(await failure(inString)).toMatch(/^truncated: .*, the file has 5000$/);
	});
});
