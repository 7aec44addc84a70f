import { expect, test, type Page } from '@playwright/test';
import {
	ORACLE_GREEDY_40,
	blockForeignRequests,
	fillForm,
	openWithTestModel,
	run
} from './fixtures';

async function runLanes(page: Page, values: string) {
	await page.getByTestId('tab-compare').click();
	await page.getByTestId('sweep-param').selectOption('seed');
	await page.getByTestId('sweep-values').fill(values);
	await page.getByTestId('run-lanes').click();
	await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });
}

async function laneTexts(page: Page): Promise<string[]> {
	return page
		.getByTestId('lane')
		.evaluateAll((lanes) => lanes.map((l) => l.getAttribute('data-text') ?? ''));
}

test('four seeds at temperature 1 give four outputs from one prompt evaluation', async ({
	page
}) => {
	await openWithTestModel(page);
	await fillForm(page, { temperature: '1', maxTokens: '40' });
	await runLanes(page, '1, 2, 3, 4');
	const lanes = page.getByTestId('lane');
	await expect(lanes).toHaveCount(4);
	await expect(page.getByTestId('lane-label')).toHaveText(['seed 1', 'seed 2', 'seed 3', 'seed 4']);
	for (const status of await lanes.evaluateAll((ls) =>
		ls.map((l) => l.getAttribute('data-status'))
	)) {
		expect(status).toBe('done');
	}
	const texts = await laneTexts(page);
	expect(new Set(texts).size).toBe(4);
	expect(texts.every((t) => t.length > 0)).toBe(true);
	await expect(page.getByTestId('distinct-count')).toHaveText('4 lanes gave 4 distinct texts.');
	await expect(page.getByTestId('prompt-evaluations')).toContainText('evaluated 1 time');
	// On our llama.cpp engine (the default) the lanes decode together.
	await expect(page.getByTestId('prompt-evaluations')).toContainText('decoded together');
	// Lanes that differ from the reference (seed 1) mark their first different token.
	await expect(page.locator('[data-testid=lane] mark')).toHaveCount(3);
});

test('a lane gives exactly the text of a single run with the same seed', async ({ page }) => {
	await openWithTestModel(page);
	const single = await run(page, { temperature: '1', seed: '3', maxTokens: '40' });
	await runLanes(page, '3, 4');
	expect((await laneTexts(page))[0]).toBe(single.text);
});

test('lanes with equal parameters and seed are identical and grouped', async ({ page }) => {
	await openWithTestModel(page);
	await fillForm(page, { temperature: '1', maxTokens: '40' });
	await runLanes(page, '9, 9');
	const [a, b] = await laneTexts(page);
	expect(a).toBe(b);
	await expect(page.getByTestId('distinct-count')).toHaveText('2 lanes gave 1 distinct text.');
	await expect(page.getByTestId('group')).toHaveText(['×2 seed 9, seed 9']);
});

test('at temperature 0 every seed gives the same greedy text', async ({ page }) => {
	await openWithTestModel(page);
	await fillForm(page, { temperature: '0', maxTokens: '40' });
	await runLanes(page, '1, 2, 3, 4');
	expect(new Set(await laneTexts(page))).toEqual(new Set([ORACLE_GREEDY_40]));
	await expect(page.getByTestId('distinct-count')).toHaveText('4 lanes gave 1 distinct text.');
	await expect(page.getByTestId('shared-prefix')).toContainText(
		'All lanes begin with 40 identical tokens'
	);
});

test('a grid of more than 16 lanes is refused and nothing runs', async ({ page }) => {
	await openWithTestModel(page);
	await page.getByTestId('tab-compare').click();
	await page.getByTestId('sweep-values').fill('1, 2, 3, 4, 5');
	await page.getByTestId('sweep-second').check();
	await page.getByTestId('sweep-param-2').selectOption('temperature');
	await page.getByTestId('sweep-values-2').fill('0.2 to 0.8 step 0.2');
	const message = 'This sweep makes 20 lanes (5 × 4); at most 16 fit side by side.';
	await expect(page.getByTestId('sweep-summary')).toHaveText(message);
	await page.getByTestId('run-lanes').click();
	await expect(page.getByTestId('compare-error')).toHaveText(message);
	await expect(page.getByTestId('lane')).toHaveCount(0);

	await page.getByTestId('sweep-values-2').fill('0.5, 3');
	await expect(page.getByTestId('sweep-summary')).toHaveText(
		'Temperature: 3 is not allowed; it must be a number in [0, 2].'
	);
});

test('"N seeds" builds the lanes in one click', async ({ page }) => {
	await openWithTestModel(page);
	await page.getByTestId('tab-compare').click();
	await page.getByTestId('n-seeds').click();
	await expect(page.getByTestId('sweep-values')).toHaveValue('1, 2, 3, 4, 5, 6, 7, 8');
	await expect(page.getByTestId('sweep-summary')).toContainText('8 lanes: seed 1, seed 2');
});

test('Stop ends every lane', async ({ page }) => {
	await openWithTestModel(page);
	await fillForm(page, { temperature: '1', maxTokens: '2000', banEos: true });
	await page.getByTestId('tab-compare').click();
	// Eight long lanes, so Stop lands while lanes remain even on a slow, busy machine.
	await page.getByTestId('sweep-values').fill('1, 2, 3, 4, 5, 6, 7, 8');
	await page.getByTestId('run-lanes').click();
	const first = page.getByTestId('lane').first();
	await expect
		.poll(async () => Number(await first.getByTestId('lane-tokens').textContent()))
		.toBeGreaterThan(5);
	await page.getByTestId('stop-lanes').click();
	await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 10_000 });
	const statuses = await page
		.getByTestId('lane')
		.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-status')));
	expect(statuses).toEqual(Array(8).fill('stopped'));
	// The next run works.
	await page.getByTestId('tab-single').click();
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
});

test('a lane that fails shows its error and the other lanes go on', async ({ page }) => {
	await openWithTestModel(page);
	await fillForm(page, { temperature: '1', seed: '4', maxTokens: '20' });
	await page.getByTestId('tab-compare').click();
	await page.getByTestId('sweep-param').selectOption('topK');
	// Top-k 600 is more than this model's 512 tokens: only that lane can fail.
	await page.getByTestId('sweep-values').fill('10, 600, 20');
	await page.getByTestId('run-lanes').click();
	await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });
	const statuses = await page
		.getByTestId('lane')
		.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-status')));
	expect(statuses).toEqual(['done', 'failed', 'done']);
	await expect(page.getByTestId('lane-error')).toHaveText(
		/topK must be an integer in \[0, 512\]; got 600/
	);
});

test('lanes can run on different models, each saying where it ran', async ({
	page,
	context,
	baseURL
}) => {
	// Nothing may be downloaded from elsewhere: the second model's download must fail.
	await blockForeignRequests(context, baseURL);
	await openWithTestModel(page);
	await fillForm(page, { temperature: '0', maxTokens: '40' });
	await page.getByTestId('tab-compare').click();
	await page.getByTestId('sweep-param').selectOption('model');
	await expect(page.getByTestId('model-ids')).toContainText('stories260k');
	await page.getByTestId('sweep-values').fill('stories260k, smollm2-135m-instruct-q8');
	await page.getByTestId('run-lanes').click();
	await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });
	const lanes = page.getByTestId('lane');
	await expect(lanes.nth(0)).toHaveAttribute('data-status', 'done');
	await expect(lanes.nth(0)).toContainText('TinyStories 260K · our llama.cpp build');
	await expect(lanes.nth(0)).toHaveAttribute('data-text', ORACLE_GREEDY_40);
	// Its download fails, so the other model's lane fails and says why.
	await expect(lanes.nth(1)).toHaveAttribute('data-status', 'failed');
	await expect(lanes.nth(1).getByTestId('lane-error')).toContainText('could not be downloaded');
	// The user's model is loaded again afterwards.
	await expect(page.getByTestId('model-status')).toContainText('TinyStories 260K');
});
