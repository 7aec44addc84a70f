import path from 'node:path';
import { expect, test } from '@playwright/test';
import { openWithTestModel, run } from './fixtures';
import { makeTestModel } from './generated-models';

/**
 * Models the project generates itself (tools/gguf): llama and the catalogue's other
 * architectures, random weights, real vocabulary sizes and quantization types, written at test
 * time and served from the app's models folder. Each must load in the CPU engine and generate
 * with the app.
 */

const cases = [
	{ vocab: 32_000, type: 'Q8_0', shown: '32,000' },
	{ vocab: 512, type: 'Q4_0', shown: '512' },
	{ vocab: 512, type: 'F16', shown: '512' }
] as const;

for (const { vocab, type, shown } of cases) {
	test(`a generated ${shown}-token ${type} llama model loads and generates 10 greedy tokens`, async ({
		page
	}) => {
		const started = performance.now();
		const made = await makeTestModel({ vocab, type });
		// Generating at test time must stay cheap.
		expect(performance.now() - started).toBeLessThan(10_000);
		const file = path.basename(made.path);

		await openWithTestModel(page);
		await page.getByTestId('model-select').selectOption(`local:${file}`);
		// The app's own GGUF check reads the header before loading.
		await expect(page.getByTestId('remote-facts')).toHaveText(
			new RegExp(
				`^${file}: llama · [\\d.]+ [KM] parameters · ${type} · trained context 2048 · vocabulary ${vocab} · no chat template$`
			)
		);
		await page.getByTestId('load').click();
		const status = page.getByTestId('model-status');
		await expect(status).toHaveAttribute('data-state', 'loaded', { timeout: 30_000 });
		await expect(status).toContainText(`vocabulary ${shown}`);

		const result = await run(page, { temperature: '0', maxTokens: '10', banEos: true });
		expect(result.finishReason).toBe('max-tokens');
		expect(result.tokens).toBe(10);
		expect(result.text.length).toBeGreaterThan(0);
	});
}

// The chat-model architectures the catalogue lists, as tools/gguf lays them out (tied
// embeddings, q/k/v biases, q/k norms, post-norms, a sliding window), in our own engine.
const architectures = [
	{ arch: 'qwen2', shape: {} },
	{ arch: 'qwen3', shape: { headDim: 32 } },
	{ arch: 'gemma3', shape: { headDim: 32, kvHeads: 1 } }
] as const;

for (const { arch, shape } of architectures) {
	test(`a generated ${arch} model loads in our engine and generates 10 greedy tokens`, async ({
		page
	}) => {
		const made = await makeTestModel({ vocab: 512, type: 'Q8_0', arch, ...shape });
		const file = path.basename(made.path);

		await openWithTestModel(page);
		await page.getByTestId('cpu-engine').selectOption('llama');
		await page.getByTestId('model-select').selectOption(`local:${file}`);
		await expect(page.getByTestId('remote-facts')).toHaveText(
			new RegExp(`^${file}: ${arch} · [\\d.]+ [KM] parameters · Q8_0 · trained context 2048 · `)
		);
		await page.getByTestId('load').click();
		const status = page.getByTestId('model-status');
		await expect(status).toHaveAttribute('data-state', 'loaded', { timeout: 30_000 });
		await expect(status).toContainText('our llama.cpp build');
		await expect(status).toContainText('vocabulary 512');

		const result = await run(page, { temperature: '0', maxTokens: '10', banEos: true });
		expect(result.finishReason).toBe('max-tokens');
		expect(result.tokens).toBe(10);
		const again = await run(page, { temperature: '0', maxTokens: '10', banEos: true });
		expect(again.text).toBe(result.text);
	});
}

test('the catalogue gives cited sizes in bytes and marks the others "size not verified"', async ({
	page
}) => {
	await openWithTestModel(page);
	const select = page.getByTestId('model-select');
	await expect(select.locator('option[value="gemma-3-1b-it-q4km"]')).toHaveText(
		/Gemma 3 1B Instruct \(Q4_K_M\) · ~806 MB, size not verified/
	);
	await expect(select.locator('option[value="qwen3-0.6b-q8"]')).toHaveText(
		/^\s*Qwen3 0\.6B \(Q8_0\) · 639 MB\s*$/
	);
	await select.selectOption('gemma-3-1b-it-q4km');
	const note = page.getByTestId('catalogue-file');
	await expect(note).toHaveAttribute('data-verified', 'false');
	await expect(note).toContainText('Size not verified (about 806 MB)');
	await expect(note).toContainText('not checked against a checksum');
	await select.selectOption('llama-3.2-1b-instruct-q4km');
	await expect(note).toHaveAttribute('data-verified', 'true');
	await expect(note).toContainText("807,690,656 bytes, from wllama's example model list");
	await expect(note).toContainText('not checked against a checksum');
	await select.selectOption('qwen3-0.6b-q8');
	await expect(note).toContainText('639,447,744 bytes, from the Git LFS sha256 and size');
	await expect(note).toContainText('A download is checked against sha256 e150ed544dfe…');
});
