import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ORACLE_GREEDY_40, blockForeignRequests, openWithTestModel, run } from './fixtures';

test('the page makes no request to any other origin', async ({ page, context, baseURL }) => {
	const origin = new URL(baseURL ?? '').origin;
	const foreign: string[] = [];
	const seen: string[] = [];
	context.on('request', (request) => {
		const url = new URL(request.url());
		seen.push(url.pathname);
		if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin !== origin) {
			foreign.push(request.url());
		}
	});
	// Anything foreign would also be blocked, so a leak cannot reach the network.
	await blockForeignRequests(context, baseURL);
	await openWithTestModel(page);
	await run(page, { temperature: '1', seed: '3', maxTokens: '20' });
	expect(foreign).toEqual([]);
	// The observer does see the workers' own requests (model file and wasm).
	expect(seen).toContain('/models/stories260K.gguf');
	expect(seen).toContain('/engine/playground-llama.wasm');
});

test('the app is cross-origin isolated and serves the model folder listing', async ({ page }) => {
	await page.goto('/');
	expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
	const listing = await page.evaluate(async () => (await fetch('models/index.json')).json());
	expect(listing.models).toContainEqual(
		expect.objectContaining({ file: 'stories260K.gguf', sizeBytes: 1_185_376 })
	);
	const missing = await page.evaluate(async () => (await fetch('models/nope.gguf')).status);
	expect(missing).toBe(404);
});

test('wllama, the second CPU engine, gives the same greedy text on two threads', async ({
	page
}) => {
	await openWithTestModel(page, '?cpuEngine=wllama&threads=2');
	await expect(page.getByTestId('model-status')).toContainText('wllama');
	await expect(page.getByTestId('model-status')).toContainText('2 threads');
	const result = await run(page, { temperature: '0', maxTokens: '40' });
	expect(result.text).toBe(ORACLE_GREEDY_40);
});

test("native mode on wllama: llama.cpp's own sampler gives the greedy text at temperature 0, and a seeded run repeats itself", async ({
	page
}) => {
	await openWithTestModel(page, '?cpuEngine=wllama');
	await page
		.getByTestId('sampling-mode')
		.getByLabel(/Native/)
		.check();
	await expect(page.getByTestId('native-note')).toContainText("llama.cpp's own sampler");
	const greedy = await run(page, { temperature: '0', maxTokens: '40' });
	expect(greedy.text).toBe(ORACLE_GREEDY_40);
	await expect(page.getByTestId('ignored-params')).toContainText('seeds once when the model loads');
	const first = await run(page, { temperature: '1', seed: '5', maxTokens: '30' });
	const again = await run(page, { temperature: '1', seed: '5', maxTokens: '30' });
	expect(again.text).toBe(first.text);
	expect(first.tokens).toBeGreaterThan(0);
	// Our own engine has no native mode: loading on it runs exact sampling again.
	await page.getByTestId('cpu-engine').selectOption('llama');
	await page.getByTestId('load').click();
	await expect(page.getByTestId('model-status')).toContainText('our llama.cpp build');
	await expect(page.getByTestId('sampling-mode')).toHaveCount(0);
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
});

test('a crashed worker is restarted, the page says so, and generation works again', async ({
	page
}) => {
	await openWithTestModel(page, '?testHooks');
	await page.getByTestId('crash').click();
	await expect(page.getByTestId('worker-notice')).toContainText('restarted');
	const result = await run(page, { temperature: '0', maxTokens: '40' });
	expect(result.text).toBe(ORACLE_GREEDY_40);
});

test('a .gguf file opened from disk loads and generates the same text', async ({ page }) => {
	await openWithTestModel(page);
	const modelsDir = path.resolve(process.env.MODELS_DIR ?? 'models');
	await page.getByTestId('model-file').setInputFiles(path.join(modelsDir, 'stories260K.gguf'));
	await expect(page.getByTestId('model-status')).toContainText('stories260K.gguf');
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
	const result = await run(page, { temperature: '0', maxTokens: '40' });
	expect(result.text).toBe(ORACLE_GREEDY_40);
});
