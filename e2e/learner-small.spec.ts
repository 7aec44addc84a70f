import { expect, test } from '@playwright/test';
import { openWithTestModel, run } from './fixtures';

test('a banner about an input goes once the input is valid; a run error goes once a run succeeds', async ({
	page
}) => {
	await openWithTestModel(page);
	const banner = page.getByTestId('error');

	await page.getByTestId('temperature').fill('5');
	await page.getByTestId('generate').click();
	await expect(banner).toHaveText('Temperature must be a number in [0, 2]; got 5.');
	await expect(page.getByTestId('temperature-error')).toHaveText(
		'Temperature must be a number in [0, 2]; got 5.'
	);
	// A tab switch does not fix the field: the banner stays while the field is invalid.
	await page.getByTestId('tab-compare').click();
	await page.getByTestId('tab-single').click();
	await expect(banner).toHaveText('Temperature must be a number in [0, 2]; got 5.');
	await page.getByTestId('temperature').fill('0.7');
	await expect(banner).toHaveCount(0);
	await expect(page.getByTestId('temperature-error')).toHaveCount(0);

	// Reset fixes it too.
	await page.getByTestId('temperature').fill('5');
	await page.getByTestId('generate').click();
	await expect(banner).toHaveText('Temperature must be a number in [0, 2]; got 5.');
	await page.getByTestId('reset-params').click();
	await expect(banner).toHaveCount(0);

	// A run the engine refuses shows its error until a run succeeds.
	await page.getByTestId('prompt').fill('Once upon a time '.repeat(700));
	await page.getByTestId('generate').click();
	await expect(banner).toContainText('leaving no room to generate');
	const done = await run(page, { temperature: '0', maxTokens: '10' });
	expect(done.tokens).toBe(10);
	await expect(banner).toHaveCount(0);
});

test('a normal visit has a favicon, no console error and no failed request', async ({ page }) => {
	const problems: string[] = [];
	page.on('console', (message) => {
		if (message.type() === 'error') problems.push(`console: ${message.text()}`);
	});
	page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
	page.on('requestfailed', (request) =>
		problems.push(`failed: ${request.url()} (${request.failure()?.errorText})`)
	);
	page.on('response', (response) => {
		if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
	});
	await openWithTestModel(page);
	const icon = await page.locator('link[rel="icon"]').getAttribute('href');
	expect(icon).toBeTruthy();
	const iconResponse = await page.request.get(new URL(icon!, page.url()).href);
	expect(iconResponse.status()).toBe(200);
	await run(page, { temperature: '0', maxTokens: '20' });
	expect(problems).toEqual([]);
});

test('the seed box shows a full 32-bit seed, beside the last seed', async ({ page }) => {
	for (const width of [1440, 390]) {
		await page.setViewportSize({ width, height: 900 });
		await openWithTestModel(page);
		// "Reuse last (4294967295)" beside the box takes room from it.
		await run(page, { temperature: '1', seed: '4294967295', maxTokens: '2' });
		const seed = page.getByTestId('seed');
		await seed.fill('4294967295');
		const fits = await seed.evaluate((input) => input.scrollWidth <= input.clientWidth);
		expect(fits, `at ${width} px wide`).toBe(true);
	}
});
