import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DEFAULT_SPEC, llamaModel } from '../tools/gguf/llama';
import { writeGguf } from '../tools/gguf/writer';
import { ORACLE_GREEDY_40, openWithTestModel, run } from './fixtures';

/** Malformed GGUF files, made from the test model's bytes, each refused with what is wrong. */

const modelsDir = path.resolve(process.env.MODELS_DIR ?? 'models');
const model = readFileSync(path.join(modelsDir, 'stories260K.gguf'));

function randomBytes(n: number): Buffer {
	const out = Buffer.alloc(n);
	let x = 7;
	for (let i = 0; i < n; i++) {
		x = (x * 1103515245 + 12345) >>> 0;
		out[i] = x >>> 24;
	}
	out.set([0x50, 0x4b, 0x03, 0x04]);
	return out;
}

function patched(offset: number, bytes: Buffer): Buffer {
	const copy = Buffer.from(model);
	bytes.copy(copy, offset);
	return copy;
}

function u64(value: bigint): Buffer {
	const b = Buffer.alloc(8);
	b.writeBigUInt64LE(value);
	return b;
}

/** The model with its `general.architecture` value ("llama") renamed. */
function withArchitecture(name: string): Buffer {
	const key = model.indexOf('general.architecture');
	// key, then the value type (u32) and the string length (u64), then the string.
	const value = key + 'general.architecture'.length + 4 + 8;
	expect(model.subarray(value, value + 5).toString()).toBe('llama');
	return patched(value, Buffer.from(name));
}

const cut = (fraction: number) => model.subarray(0, Math.floor(model.length * fraction));
const truncated = (size: number) =>
	new RegExp(`: truncated: tensor \\S+ ends at byte \\d+, the file has ${size}\\.$`);

const CASES: { name: string; bytes: Buffer; message: string | RegExp }[] = [
	{
		name: 'random.gguf',
		bytes: randomBytes(64 * 1024),
		message:
			'“random.gguf” cannot be loaded: not a GGUF file: it starts with 50 4b 03 04, not "GGUF".'
	},
	{ name: 'cut-10.gguf', bytes: cut(0.1), message: truncated(cut(0.1).length) },
	{ name: 'cut-50.gguf', bytes: cut(0.5), message: truncated(cut(0.5).length) },
	{ name: 'cut-99.gguf', bytes: cut(0.99), message: truncated(cut(0.99).length) },
	{
		name: 'tensors.gguf',
		bytes: patched(8, u64(1n << 62n)),
		message: `“tensors.gguf” cannot be loaded: the header claims ${1n << 62n} tensors, which cannot fit in a file of ${model.length} bytes.`
	},
	{
		name: 'keys.gguf',
		bytes: patched(16, u64(0xffffffffn)),
		message: `“keys.gguf” cannot be loaded: the header claims 4294967295 metadata entries, which cannot fit in a file of ${model.length} bytes.`
	},
	{
		name: 'arch.gguf',
		bytes: withArchitecture('zzzzz'),
		message:
			/^“arch\.gguf” cannot be loaded: architecture zzzzz is not supported; supported: llama, qwen2, .* and \d+ more\.$/
	},
	{
		name: 'v99.gguf',
		bytes: patched(4, Buffer.from([99, 0, 0, 0])),
		message: '“v99.gguf” cannot be loaded: GGUF version 99 is not supported (2 or 3).'
	}
];

async function open(page: Page, file: { name: string; buffer: Buffer } | string) {
	await page
		.getByTestId('model-file')
		.setInputFiles(
			typeof file === 'string' ? file : { ...file, mimeType: 'application/octet-stream' }
		);
}

test('each kind of malformed GGUF file is refused by what is wrong, and the model stays', async ({
	page
}, testInfo) => {
	test.setTimeout(120_000);
	await openWithTestModel(page);
	// These files are refused before any engine sees them; the model kept is on our engine.
	await expect(page.getByTestId('model-status')).toContainText('our llama.cpp build');
	for (const { name, bytes, message } of CASES) {
		await open(page, { name, buffer: bytes });
		await expect(page.getByTestId('error')).toHaveText(message);
		await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
		await expect(page.getByTestId('model-status')).toContainText('TinyStories 260K');
	}
	// 50 MB of zeros (too large to hand over as a buffer: written to a file).
	const zeros = testInfo.outputPath('zeros.gguf');
	writeFileSync(zeros, Buffer.alloc(50 * 1024 * 1024));
	await open(page, zeros);
	await expect(page.getByTestId('error')).toHaveText(
		'“zeros.gguf” cannot be loaded: not a GGUF file: it starts with 00 00 00 00, not "GGUF".'
	);
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
});

test('a good GGUF file shows its facts and loads', async ({ page }) => {
	await openWithTestModel(page);
	await open(page, { name: 'mine.gguf', buffer: model });
	await expect(page.getByTestId('model-facts')).toHaveText(
		'mine.gguf: llama · 292.8 K parameters · F32 · trained context 2048 · vocabulary 512 · no chat template'
	);
	await expect(page.getByTestId('model-status')).toContainText('mine.gguf');
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
});

test('a downloaded file that is malformed is refused the same way, and the model stays', async ({
	page,
	context
}) => {
	const bad = cut(0.5);
	await context.route(/smollm2-135m-instruct-q8_0\.gguf/, (route) =>
		route.fulfill({ status: 200, contentType: 'application/octet-stream', body: bad })
	);
	await openWithTestModel(page);
	await page.getByTestId('model-select').selectOption('smollm2-135m-instruct-q8');
	await page.getByTestId('load').click();
	await expect(page.getByTestId('error')).toHaveText(
		new RegExp(
			`^The model file cannot be loaded: truncated: tensor \\S+ ends at byte \\d+, the file has ${bad.length}\\.$`
		)
	);
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
	await expect(page.getByTestId('model-status')).toContainText('TinyStories 260K');
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
});

test("handed straight to the worker, past the page's check, a malformed file is refused by our engine itself, which keeps its model", async ({
	page
}) => {
	await openWithTestModel(page, '?testHooks');
	await expect(page.getByTestId('model-status')).toContainText('our llama.cpp build');
	const outcome = await page.evaluate(async (base64) => {
		type Client = {
			loadModel(source: object, options: object): Promise<unknown>;
		};
		const { client } = (window as unknown as { __playground: { client: Client } }).__playground;
		const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
		const blob = new Blob([bytes]);
		return client.loadModel({ kind: 'blob', blob, name: 'cut.gguf' }, { cpuEngine: 'llama' }).then(
			() => 'loaded',
			(error: Error) => `${error.name}: ${error.message}`
		);
	}, cut(0.5).toString('base64'));
	expect(outcome).toMatch(/^GgufError: truncated: tensor \S+ ends at byte \d+, the file has \d+$/);
	// The worker kept the model on our engine: the page runs on it as before.
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
});

/**
 * The test model's architecture with one tensor of the wrong shape: its header and bounds are
 * sound, so the page's check and our C API's let it through, and llama.cpp's loader then
 * throws, which aborts the wasm instance (this build has no exception runtime).
 */
async function wrongShapeModel(): Promise<Buffer> {
	const spec = { ...DEFAULT_SPEC, vocab: 512, layers: 1 };
	const { layout, data } = llamaModel(spec);
	const tensors = layout.tensors.map((tensor) =>
		tensor.name === 'blk.0.attn_q.weight'
			? { ...tensor, shape: [spec.embedding, spec.embedding / 2] }
			: tensor
	);
	const pieces: Uint8Array[] = [];
	await writeGguf({ ...layout, tensors }, data, (bytes) => {
		pieces.push(bytes.slice());
	});
	return Buffer.concat(pieces);
}

test('a file that aborts our engine inside llama.cpp says why, and the next load and run work', async ({
	page
}) => {
	await openWithTestModel(page);
	await expect(page.getByTestId('model-status')).toContainText('our llama.cpp build');
	await open(page, { name: 'wrong-shape.gguf', buffer: await wrongShapeModel() });
	const error = page.getByTestId('error');
	await expect(error).toContainText('llama.cpp failed and the engine stopped');
	await expect(error).toContainText('blk.0.attn_q.weight');
	await expect(error).toContainText('wrong shape');
	await expect(page.getByTestId('model-status')).not.toHaveAttribute('data-state', 'loaded');

	// A new instance replaces the aborted one at the next load.
	await page.getByTestId('model-select').selectOption('stories260k');
	await page.getByTestId('load').click();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await expect(page.getByTestId('model-status')).toContainText('our llama.cpp build');
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
	await expect(page.getByTestId('error')).toHaveCount(0);
});
