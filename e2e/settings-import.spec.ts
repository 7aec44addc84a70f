import path from 'node:path';
import { expect, test } from '@playwright/test';
import { openWithTestModel } from './fixtures';

/**
 * Settings people already have: a text-generation-webui preset pasted and a SillyTavern preset
 * file read onto the parameter panel, a bad value refused naming its field, and the panel copied
 * back out as a llama.cpp request.
 */

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

const fixtures = path.join(import.meta.dirname, '../src/lib/formats/fixtures');

test('imports presets onto the panel, refuses bad values, and copies a llama.cpp request', async ({
	page
}) => {
	await openWithTestModel(page);
	await page.getByTestId('import-settings').click();

	await page
		.getByTestId('import-text')
		.fill(
			'temperature: 1.3\nmin_p: 0.1\ntop_k: 0\nmirostat_mode: 2\nguidance_scale: 1.5\ntypical_p: 1\n'
		);
	await page.getByTestId('import-apply').click();
	await expect(page.getByTestId('temperature')).toHaveValue('1.3');
	await expect(page.getByTestId('minP')).toHaveValue('0.1');
	await expect(page.getByTestId('topK')).toHaveValue('0');
	const report = page.getByTestId('import-report');
	await expect(report).toContainText('text-generation-webui preset');
	await expect(report).toContainText('Not supported here: guidance_scale (1.5)');
	// Mirostat's mode is read, and switches the stage on.
	await expect(page.getByTestId('mirostatMode')).toHaveValue('2');
	await expect(page.getByRole('checkbox', { name: 'Use the Mirostat stage' })).toBeChecked();
	await expect(report).toContainText('mirostat_mode 2 switched Mirostat on');
	await expect(report).toContainText('off anyway: typical_p');

	await page.getByTestId('import-text').fill('{"temperature": 0.5, "min_p": 1.5}');
	await page.getByTestId('import-apply').click();
	await expect(page.getByTestId('import-problems')).toHaveText(
		'min_p (Min-p) must be a number in [0, 1); got 1.5'
	);
	await expect(page.getByTestId('temperature')).toHaveValue('1.3');

	await page
		.getByTestId('import-file')
		.setInputFiles(path.join(fixtures, 'sillytavern-preset.json'));
	await expect(page.getByTestId('import-report')).toContainText('SillyTavern preset');
	await expect(page.getByTestId('temperature')).toHaveValue('0.7');
	await expect(page.getByTestId('repeatPenalty')).toHaveValue('1.15');
	await expect(page.getByTestId('import-problems')).toHaveCount(0);

	await page.getByTestId('copy-llama-request').click();
	await expect(page.getByRole('status').filter({ hasText: 'Copied' })).toBeVisible();
	const request = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
	expect(request).toMatchObject({
		temperature: 0.7,
		top_k: 20,
		top_p: 0.9,
		min_p: 0.02,
		repeat_penalty: 1.15,
		repeat_last_n: 1024,
		frequency_penalty: 0.1,
		presence_penalty: 0.2
	});
	expect(request.samplers).toEqual(['penalties', 'top_k', 'top_p', 'min_p', 'temperature']);
});
