import path from 'node:path';
import { expect, test } from '@playwright/test';
import { openWithTestModel, run } from './fixtures';
import { makeTestModel } from './generated-models';

/**
 * Models the project generates itself (tools/gguf): llama architecture, random weights, real
 * vocabulary sizes and quantization types, written at test time and served from the app's
 * models folder. Each must load in the CPU engine and generate with the app.
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
