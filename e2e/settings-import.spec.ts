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
			'temperature: 1.3\nmin_p: 0.1\ntop_k: 0\nmirostat_mode: 2\nguidance_scale: 1.5\ntypical_p: 0.9\npenalty_alpha: 0\n'
		);
	await page.getByTestId('import-apply').click();
	await expect(page.getByTestId('temperature')).toHaveValue('1.3');
	await expect(page.getByTestId('minP')).toHaveValue('0.1');
	await expect(page.getByTestId('topK')).toHaveValue('0');
	// typical_p is read onto the panel now that the playground has the stage.
	await expect(page.getByTestId('typicalP')).toHaveValue('0.9');
	const report = page.getByTestId('import-report');
	await expect(report).toContainText('text-generation-webui preset');
	await expect(report).toContainText('Not supported here: guidance_scale (1.5)');
	// Mirostat's mode is read, and switches the stage on.
	await expect(page.getByTestId('mirostatMode')).toHaveValue('2');
	await expect(page.getByRole('checkbox', { name: 'Use the Mirostat stage' })).toBeChecked();
	await expect(report).toContainText('mirostat_mode 2 switched Mirostat on');
	await expect(report).toContainText('off anyway: penalty_alpha');

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
		presence_penalty: 0.2,
		dry_multiplier: 0.8,
		dry_penalty_last_n: -1,
		dry_sequence_breakers: ['\n', ':', '"', '*']
	});
	// The preset's samplers list names DRY, typical-p, TFS and xtc; only DRY is set to do something
	// (dry_multiplier 0.8; typical_p and tfs 1, xtc_probability 0), so only DRY joins the chain,
	// after the penalties as in llama.cpp; the others' values are still written.
	expect(request.samplers).toEqual(['penalties', 'dry', 'top_k', 'top_p', 'min_p', 'temperature']);
	expect(request).toMatchObject({ typical_p: 1, tfs_z: 1, xtc_probability: 0, xtc_threshold: 0.1 });
});

test('an imported value of a stage off by default switches that stage on, and the report says so', async ({
	page
}) => {
	await openWithTestModel(page);
	await page.getByTestId('import-settings').click();
	await page.getByTestId('import-text').fill('top_a: 0.2\nepsilon_cutoff: 3\ntop_n_sigma: 0\n');
	await page.getByTestId('import-apply').click();
	const report = page.getByTestId('import-report');
	await expect(report).toContainText('top_a 0.2 switched Top-a on');
	await expect(report).toContainText('epsilon_cutoff 3 read as Epsilon cutoff 0.0003');
	await expect(page.getByTestId('more-samplers-toggle')).toContainText(/2 of \d+ on/);
	await page.getByTestId('more-samplers-toggle').click();
	await expect(page.getByTestId('switch-top-a')).toBeChecked();
	await expect(page.getByTestId('switch-epsilon-cutoff')).toBeChecked();
	await expect(page.getByTestId('switch-top-n-sigma')).not.toBeChecked();
	await expect(page.getByTestId('topA')).toHaveValue('0.2');
	await expect(page.getByTestId('epsilonCutoff')).toHaveValue('0.0003');

	// A recipe preset switches its stage on too, and says what it is.
	await page.getByTestId('preset').selectOption('top-n-sigma');
	await expect(page.getByTestId('preset-note')).toContainText('Tang et al., 2024');
	await expect(page.getByTestId('switch-top-n-sigma')).toBeChecked();
	await expect(page.getByTestId('switch-top-a')).not.toBeChecked();
	await expect(page.getByTestId('topNSigma')).toHaveValue('1');
	await page.getByTestId('preset').selectOption('min-p-creative');
	await expect(page.getByTestId('preset-note')).toContainText('min-p paper');
	await expect(page.getByTestId('switch-top-n-sigma')).not.toBeChecked();
	const chain = await page
		.getByTestId('stage-order')
		.locator('li')
		.evaluateAll((rows) =>
			rows
				.filter((row) => row.querySelector('input:checked'))
				.map((row) => row.textContent?.replace(/[↑↓]/g, '').trim())
		);
	expect(chain.slice(-2)).toEqual(['Min-p', 'Temperature']);
});
