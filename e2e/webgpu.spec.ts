import { expect, test } from '@playwright/test';
import {
	ORACLE_GREEDY_40,
	blockForeignRequests,
	openWithTestModel,
	run,
	webLlmOptions
} from './fixtures';

test.describe('with a software WebGPU adapter', () => {
	test('capabilities are detected and shown; f16 models are marked unavailable', async ({
		page
	}) => {
		await openWithTestModel(page);
		const status = page.getByTestId('webgpu-status');
		await expect(status).toHaveAttribute('data-available', 'true');
		await expect(status).toContainText('swiftshader');
		await expect(page.getByTestId('shader-f16')).toHaveText(
			'no shader-f16 (f16 models unavailable)'
		);

		const options = await webLlmOptions(page);
		expect(options.length).toBeGreaterThanOrEqual(10);
		for (const option of options) {
			expect(option.disabled, option.id).toBe(/f16/.test(option.id));
			expect(option.text).toMatch(/GPU memory/);
			if (option.disabled) expect(option.text).toContain('needs shader-f16, which this GPU lacks');
		}
		expect(options.find((o) => o.id === 'SmolLM2-135M-Instruct-q0f32-MLC')?.text).toMatch(
			/≈538 MB · 719 MB GPU memory$/
		);
	});

	test('loading a WebLLM model offline fails with a clear message; the CPU engine keeps working', async ({
		page,
		context,
		baseURL
	}) => {
		await blockForeignRequests(context, baseURL);
		await openWithTestModel(page);
		await page.getByTestId('model-select').selectOption('webllm:SmolLM2-135M-Instruct-q0f32-MLC');
		await page.getByTestId('load').click();
		await expect(page.getByTestId('error')).toHaveText(
			'The model could not be downloaded. Check the connection (and the model URLs); a model that was loaded once before works offline.',
			{ timeout: 30_000 }
		);
		await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'none');

		await page.getByTestId('model-select').selectOption('stories260k');
		await page.getByTestId('load').click();
		await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
		expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
	});

	test('a custom WebLLM model is validated before it is offered', async ({ page }) => {
		await openWithTestModel(page);
		await page.getByText('Add a WebLLM model').click();
		await page.getByTestId('custom-id').fill('my model');
		await page.getByTestId('custom-modelUrl').fill('not a url');
		await page.getByTestId('custom-modelLibUrl').fill('https://example.test/lib.js');
		await page.getByRole('button', { name: 'Add' }).click();
		await expect(page.getByTestId('custom-id-error')).toContainText('Model id:');
		await expect(page.getByTestId('custom-modelUrl-error')).toHaveText(
			'Model URL: “not a url” is not an absolute http(s) URL.'
		);
		await expect(page.getByTestId('custom-modelLibUrl-error')).toContainText('.wasm file');
		expect(await webLlmOptions(page)).not.toContainEqual(
			expect.objectContaining({ id: 'my model' })
		);

		await page.getByTestId('custom-id').fill('My-Model-q4f32_1-MLC');
		await page.getByTestId('custom-modelUrl').fill('https://example.test/My-Model-q4f32_1-MLC');
		await page.getByTestId('custom-modelLibUrl').fill('https://example.test/My-Model-webgpu.wasm');
		await page.getByRole('button', { name: 'Add' }).click();
		await expect(page.getByTestId('model-select')).toHaveValue('webllm:My-Model-q4f32_1-MLC');

		// It is still there after a reload.
		await page.reload();
		await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
		const ids = (await webLlmOptions(page)).map((o) => o.id);
		expect(ids).toContain('My-Model-q4f32_1-MLC');
	});
});
