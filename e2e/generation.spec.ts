import { expect, test } from '@playwright/test';
import { ORACLE_GREEDY_40, fillForm, openWithTestModel, run } from './fixtures';

test.describe('generation with stories260K in the worker', () => {
	test('greedy completion of "Once upon a time" matches the reference text', async ({ page }) => {
		await openWithTestModel(page);
		const result = await run(page, { temperature: '0', maxTokens: '40' });
		expect(result.text).toBe(ORACLE_GREEDY_40);
		expect(result.finishReason).toBe('max-tokens');
		expect(result.tokens).toBe(40);
	});

	test('tokenizes "Once upon a time" as the reference does', async ({ page }) => {
		await openWithTestModel(page);
		await page.getByTestId('prompt').fill('Once upon a time');
		await page.getByTestId('tokenize').click();
		// As the model is fed it: BOS (1) first.
		await expect(page.getByTestId('tokens')).toHaveText('[1,403,407,261,378]');
	});

	test('the same seed gives the same text at temperature 1; another seed differs', async ({
		page
	}) => {
		await openWithTestModel(page);
		const first = await run(page, { temperature: '1', seed: '42', maxTokens: '60' });
		const again = await run(page, { temperature: '1', seed: '42', maxTokens: '60' });
		const other = await run(page, { temperature: '1', seed: '7', maxTokens: '60' });
		expect(first.seed).toBe('42');
		expect(first.text.length).toBeGreaterThan(0);
		expect(again.text).toBe(first.text);
		expect(other.text).not.toBe(first.text);
	});

	test('a random seed is resolved, shown, and reproduces the run when reused', async ({ page }) => {
		await openWithTestModel(page);
		const first = await run(page, { temperature: '1', seed: '', maxTokens: '30' });
		expect(first.seed).toMatch(/^\d+$/);
		const again = await run(page, { temperature: '1', seed: first.seed ?? '', maxTokens: '30' });
		expect(again.text).toBe(first.text);
	});

	test('Stop ends a long generation, and the next run works', async ({ page }) => {
		await openWithTestModel(page);
		await fillForm(page, { temperature: '1', seed: '1', maxTokens: '2000', banEos: true });
		await page.getByTestId('generate').click();
		await expect
			.poll(async () => Number(await page.getByTestId('token-count').textContent()))
			.toBeGreaterThanOrEqual(5);
		await page.getByTestId('stop').click();
		await expect(page.getByTestId('finish-reason')).toHaveText('stopped');
		expect(Number(await page.getByTestId('token-count').textContent())).toBeLessThan(2000);

		const next = await run(page, { temperature: '0', maxTokens: '40' });
		expect(next.text).toBe(ORACLE_GREEDY_40);
	});

	test('invalid parameters are rejected with a message naming the field, and nothing runs', async ({
		page
	}) => {
		await openWithTestModel(page);
		await fillForm(page, { temperature: 'abc' });
		await expect(page.getByTestId('temperature-error')).toHaveText(
			'Temperature: “abc” is not a number; enter a number in [0, 2].'
		);
		await page.getByTestId('generate').click();
		await expect(page.getByTestId('error')).toContainText('Temperature: “abc” is not a number');
		await expect(page.getByTestId('output')).toBeEmpty();
		await expect(page.getByTestId('finish-reason')).toBeEmpty();

		await fillForm(page, { temperature: '5' });
		await page.getByTestId('generate').click();
		await expect(page.getByTestId('error')).toContainText(
			'Temperature must be a number in [0, 2]; got 5.'
		);
		await expect(page.getByTestId('finish-reason')).toBeEmpty();

		await page.getByTestId('topK').fill('600');
		await expect(page.getByTestId('topK-error')).toHaveText(
			'Top-k must be an integer in [0, 512]; got 600.'
		);
		await page.getByTestId('seed').fill('-3');
		await expect(page.getByTestId('seed-error')).toContainText('Seed must be an integer');
		await expect(page.getByTestId('finish-reason')).toBeEmpty();
	});
});
