import { expect, test } from '@playwright/test';
import { chromiumPath, offlineRootArgs } from './browser';
import { ORACLE_GREEDY_40, openWithTestModel, run, webLlmOptions } from './fixtures';

// This file's browser starts without --enable-unsafe-webgpu, so it has no WebGPU adapter.
test.use({ launchOptions: { executablePath: chromiumPath, args: offlineRootArgs } });

test('without WebGPU the app says why and runs models on the CPU engine', async ({ page }) => {
	await openWithTestModel(page);
	const status = page.getByTestId('webgpu-status');
	await expect(status).toHaveAttribute('data-available', 'false');
	await expect(status).toContainText('Models run on the CPU engine instead.');
	const options = await webLlmOptions(page);
	expect(options.length).toBeGreaterThan(0);
	expect(options.every((o) => o.disabled && o.text.endsWith('unavailable: needs WebGPU'))).toBe(
		true
	);
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
});
