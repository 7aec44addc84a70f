import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Route } from '@playwright/test';
import { recordCspViolations } from './csp-violations';
import { ORACLE_GREEDY_40, openWithTestModel, run } from './fixtures';

/** A model's facts read from its header with HTTP ranges, before a download or load starts. */

const modelsDir = path.resolve(process.env.MODELS_DIR ?? 'models');
const model = readFileSync(path.join(modelsDir, 'stories260K.gguf'));
const SMOLLM_FILE = /smollm2-135m-instruct-q8_0\.gguf/;
const CORS = {
	'access-control-allow-origin': '*',
	'access-control-expose-headers': 'content-range, content-length'
};

/** The test model with its architecture renamed, followed by zeros up to `size` bytes. */
function badModel(size: number): Buffer {
	const out = Buffer.alloc(size);
	model.copy(out);
	const key = out.indexOf('general.architecture');
	out.write('zzzzz', key + 'general.architecture'.length + 4 + 8);
	return out;
}

/** Serves `file` as a server with Range support would; counts the bytes it sent. */
function rangeServer(file: Buffer) {
	const served = { bytes: 0, ranges: [] as (string | null)[] };
	const handle = async (route: Route) => {
		const range = route.request().headers()['range'] ?? null;
		served.ranges.push(range);
		const match = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
		if (!match) {
			served.bytes += file.length;
			return route.fulfill({ status: 200, headers: CORS, body: file });
		}
		const start = Number(match[1]);
		const end = Math.min(Number(match[2]), file.length - 1);
		const body = file.subarray(start, end + 1);
		served.bytes += body.length;
		await route.fulfill({
			status: 206,
			headers: { ...CORS, 'content-range': `bytes ${start}-${end}/${file.length}` },
			contentType: 'application/octet-stream',
			body
		});
	};
	return { served, handle };
}

test('the app’s model server answers a range request with 206', async ({ request }) => {
	const response = await request.get('/models/stories260K.gguf', {
		headers: { Range: 'bytes=0-99' }
	});
	expect(response.status()).toBe(206);
	expect(response.headers()['content-range']).toBe(`bytes 0-99/${model.length}`);
	expect((await response.body()).equals(model.subarray(0, 100))).toBe(true);
	const past = await request.get('/models/stories260K.gguf', {
		headers: { Range: `bytes=${model.length}-` }
	});
	expect(past.status()).toBe(416);
});

test('the test model’s facts are read with a range request before it loads', async ({ page }) => {
	const csp = await recordCspViolations(page);
	const requests: { range: string | null; status: number }[] = [];
	page.on('response', (response) => {
		if (!response.url().endsWith('/models/stories260K.gguf')) return;
		requests.push({
			range: response.request().headers()['range'] ?? null,
			status: response.status()
		});
	});
	await openWithTestModel(page);
	await expect(page.getByTestId('remote-facts')).toHaveText(
		'stories260K.gguf: llama · 292.8 K parameters · F32 · trained context 2048 · vocabulary 512 · no chat template'
	);
	await expect(page.getByTestId('remote-facts')).toHaveAttribute('data-state', 'read');
	// The header first, by a range, then the download that loads it.
	expect(requests[0]).toEqual({ range: 'bytes=0-262143', status: 206 });
	expect(requests.slice(1)).toEqual([{ range: null, status: 200 }]);
	expect(await csp.all()).toEqual([]);
});

test('a bad remote file is refused from its header, without downloading it whole', async ({
	page,
	context
}) => {
	const file = badModel(20 * 1024 * 1024);
	const server = rangeServer(file);
	await context.route(SMOLLM_FILE, server.handle);
	await openWithTestModel(page);
	await page.getByTestId('model-select').selectOption('smollm2-135m-instruct-q8');
	const facts = page.getByTestId('remote-facts');
	await expect(facts).toHaveAttribute('data-state', 'refused');
	await expect(facts).toHaveText(
		/^smollm2-135m-instruct-q8_0\.gguf cannot be loaded: architecture zzzzz is not supported; supported: llama, qwen2, .* and \d+ more\.$/
	);
	await page.getByTestId('load').click();
	await expect(page.getByTestId('error')).toHaveText(
		/^The model file cannot be loaded: architecture zzzzz is not supported; supported: llama, qwen2, .* and \d+ more\.$/
	);
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
	await expect(page.getByTestId('model-status')).toContainText('TinyStories 260K');
	expect(server.served.ranges.every((range) => range !== null)).toBe(true);
	expect(server.served.bytes).toBeLessThan(1024 * 1024);
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
});

test('a server that ignores Range still shows the facts; one that fails still downloads', async ({
	page,
	context
}) => {
	await context.route(SMOLLM_FILE, (route) =>
		route.fulfill({ status: 200, headers: CORS, body: model })
	);
	await context.route(/smollm2-360m-instruct-q8_0\.gguf/, (route) =>
		route.fulfill({ status: 503, headers: CORS, body: 'busy' })
	);
	await openWithTestModel(page);
	await page.getByTestId('model-select').selectOption('smollm2-135m-instruct-q8');
	await expect(page.getByTestId('remote-facts')).toHaveText(
		'smollm2-135m-instruct-q8_0.gguf: llama · 292.8 K parameters · F32 · trained context 2048 · vocabulary 512 · no chat template'
	);

	await page.getByTestId('model-select').selectOption('smollm2-360m-instruct-q8');
	await expect(page.getByTestId('remote-facts')).toHaveText(
		'The facts of smollm2-360m-instruct-q8_0.gguf could not be read before downloading it (HTTP 503 Service Unavailable); it can still be loaded.'
	);
	await page.getByTestId('load').click();
	await expect(page.getByTestId('error')).toContainText('failed: HTTP 503');
});
