import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { confidenceColour } from '#lib/explore/token-metrics';
import { fillForm, openWithTestModel, run } from './fixtures';

/** The token view's tokens as ids, in order. */
async function tokenIds(page: Page): Promise<number[]> {
	const ids = await page
		.getByTestId('token')
		.evaluateAll((buttons) => buttons.map((b) => Number(b.getAttribute('data-token-id'))));
	return ids;
}

test.describe('every token explained', () => {
	test.beforeEach(async ({ page }) => {
		await openWithTestModel(page);
	});

	test('a greedy step shows “,” first at about 0.969, and top-k 1 leaves one survivor', async ({
		page
	}) => {
		await run(page, { temperature: '0', maxTokens: '10' });
		const first = page.getByTestId('token').first();
		await expect(first).toHaveAttribute('data-token-id', '432');
		await first.click();
		// The same numbers as the tables showed before the charts came: ask for the tables.
		await page.getByTestId('tables-toggle').check();
		const raw = page.locator('[data-testid="why-stage"][data-stage="raw"]');
		await expect(raw.locator('tbody tr').first()).toContainText(',');
		const p = Number(await raw.locator('tbody tr').first().locator('.value').textContent());
		expect(p).toBeCloseTo(0.969, 2);
		await expect(page.getByTestId('why-summary')).toContainText('Greedy');

		await page.getByTestId('topK').fill('1');
		await run(page, { temperature: '1', seed: '3', maxTokens: '5' });
		await page.getByTestId('token').nth(2).click();
		await expect(page.locator('[data-testid="why-stage"][data-stage="top-k"]')).toHaveAttribute(
			'data-survivors',
			'1'
		);
		await expect(page.locator('[data-testid="why-candidate"]:not(.removed)')).toHaveCount(1);
		// The charts say the same: one token left after top-k, one segment for the draw.
		await page.getByTestId('tables-toggle').uncheck();
		await expect(
			page.locator('[data-testid="why-chart"][data-stage="top-k"] figcaption')
		).toContainText('1 token left');
		await expect(page.locator('[data-testid="why-cumulative"] .segment')).toHaveCount(1);
	});

	test('hovering or focusing a token shows its top candidates', async ({ page }) => {
		await run(page, { temperature: '0', maxTokens: '5' });
		await page.getByTestId('token').first().focus();
		const tip = page.getByTestId('token-tooltip');
		await expect(tip).toBeVisible();
		await expect(tip.locator('tbody tr')).toHaveCount(8);
		await page.getByTestId('token').nth(1).hover();
		await expect(tip).toContainText('Top candidates at step 2');
		await page.getByTestId('colour-by').selectOption('rank');
		await expect(page.getByTestId('token').first()).toHaveAttribute('aria-label', /rank 1/);
	});

	test('picking another candidate branches, continues from it, and the tree shows both', async ({
		page
	}) => {
		await run(page, { temperature: '0', maxTokens: '7' });
		const longer = await tokenIds(page);
		await run(page, { temperature: '0', maxTokens: '6' });
		const original = await tokenIds(page);
		expect(original).toEqual(longer.slice(0, 6));
		await page.getByTestId('token').nth(2).click();
		await page.getByTestId('tables-toggle').check();
		const alternative = page.getByTestId('pick-candidate').and(page.locator(':enabled')).first();
		const picked = Number(
			await alternative.locator('xpath=ancestor::tr').getAttribute('data-token-id')
		);
		await alternative.click();
		await expect(page.getByTestId('token').nth(2)).toHaveAttribute('data-picked-by', 'user');
		await expect(page.getByTestId('token').nth(2)).toHaveAttribute('data-token-id', String(picked));
		expect((await tokenIds(page)).slice(0, 2)).toEqual(original.slice(0, 2));

		await page.getByTestId('step-once').click();
		await expect(page.getByTestId('token')).toHaveCount(4);
		await expect(page.getByTestId('branch')).toHaveCount(2);

		// Walk back to the original branch and forward again.
		await page.getByTestId('branch').first().click();
		expect(await tokenIds(page)).toEqual(original);
		await page.getByTestId('step-back').click();
		await expect(page.getByTestId('token')).toHaveCount(original.length - 1);
		await page.getByTestId('step-forward').click();
		await expect(page.getByTestId('token')).toHaveCount(original.length);
		// Continuing the original branch after the detour gives what a longer run gave.
		await page.getByTestId('step-once').click();
		await expect(page.getByTestId('token')).toHaveCount(longer.length);
		expect(await tokenIds(page)).toEqual(longer);
	});

	test('step mode generates one token at a time from the prompt', async ({ page }) => {
		await fillForm(page, { temperature: '0', maxTokens: '5' });
		await page.getByTestId('step-start').click();
		await page.getByTestId('step-once').click();
		await expect(page.getByTestId('token')).toHaveCount(1);
		await expect(page.getByTestId('token').first()).toHaveAttribute('data-token-id', '432');
		await page.getByTestId('step-once').click();
		await expect(page.getByTestId('token')).toHaveCount(2);
	});

	test('a picked low-probability token shows its own model p and colour; the Output box follows', async ({
		page
	}) => {
		await fillForm(page, { temperature: '0', maxTokens: '5' });
		await page.getByTestId('step-start').click();
		await page.getByTestId('step-once').click();
		await page.getByTestId('step-once').click();
		const tokens = page.getByTestId('token');
		await expect(tokens).toHaveCount(2);
		await expect(page.getByTestId('token-count')).toHaveText('2');
		const firstLabel = (await tokens.first().getAttribute('aria-label')) ?? '';
		const firstPiece = /“(.*)”/s.exec(firstLabel)![1];
		expect((await page.getByTestId('output').textContent())!.startsWith(firstPiece)).toBe(true);

		// The second token is selected; in the draw table, find its least likely candidate by model p.
		await page.getByTestId('raw-toggle').check();
		await page.getByTestId('tables-toggle').check();
		const rows = page.getByTestId('why-candidate');
		const listed = await rows.evaluateAll((trs) =>
			trs.map((tr) => ({
				id: Number(tr.getAttribute('data-token-id')),
				p: tr.querySelector('td')!.textContent!.trim()
			}))
		);
		// Least likely, but not so unlikely that it reads p 0.000.
		const least = listed
			.filter((c) => Number(c.p) > 0)
			.reduce((a, b) => (Number(b.p) < Number(a.p) ? b : a));
		const drawnLabel = (await tokens.nth(1).getAttribute('aria-label')) ?? '';
		expect(drawnLabel).not.toContain(`p ${least.p},`);
		const row = page.locator(`[data-testid="why-candidate"][data-token-id="${least.id}"]`);
		const pickLabel = (await row.getByTestId('pick-candidate').getAttribute('aria-label')) ?? '';
		const piece = /“(.*)”/s.exec(pickLabel)![1];
		await row.getByTestId('pick-candidate').click();

		const picked = tokens.nth(1);
		await expect(picked).toHaveAttribute('data-token-id', String(least.id));
		await expect(picked).toHaveAttribute(
			'aria-label',
			new RegExp(`, p ${least.p}, picked by you$`)
		);
		// Coloured by that p: the same background as the scale's colour for it.
		const expected = await page.evaluate(
			(background) => {
				const probe = document.createElement('span');
				probe.style.background = background;
				document.body.append(probe);
				const colour = getComputedStyle(probe).backgroundColor;
				probe.remove();
				return colour;
			},
			confidenceColour(Number(least.p))
		);
		await expect(picked).toHaveCSS('background-color', expected);
		await expect(page.getByTestId('output')).toHaveText(firstPiece + piece);
		await expect(page.getByTestId('token-count')).toHaveText('2');
	});

	test('a what-if re-samples from stored distributions without a model call', async ({ page }) => {
		await run(page, { temperature: '0.8', seed: '7', maxTokens: '30', banEos: true });
		const original = await tokenIds(page);
		await page.getByTestId('whatif-toggle').check();
		await expect(page.getByTestId('whatif-status')).toContainText(
			`${original.length} steps from stored distributions`
		);
		expect(await tokenIds(page)).toEqual(original);

		await page.getByTestId('temperature').fill('1.6');
		await expect.poll(() => tokenIds(page)).not.toEqual(original);
		await expect(page.getByTestId('whatif-status')).toContainText('Re-sampled');
		const after = await tokenIds(page);
		const firstChanged = after.findIndex((id, i) => id !== original[i]);
		expect(firstChanged).toBeGreaterThanOrEqual(0);
		const sources = await page
			.getByTestId('token')
			.evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-source')));
		expect(sources.slice(0, firstChanged + 1).every((s) => s === 'stored')).toBe(true);
		expect(sources.slice(firstChanged + 1).every((s) => s === 'model')).toBe(true);
	});

	test('a point of the uncertainty timeline opens its step', async ({ page }) => {
		await run(page, { temperature: '1', seed: '5', maxTokens: '8' });
		await page.getByTestId('timeline-point').nth(3).click();
		await expect(page.getByRole('heading', { name: /at step 4\?/ })).toBeVisible();
		await page.getByTestId('timeline-point').nth(1).focus();
		await page.keyboard.press('Enter');
		await expect(page.getByRole('heading', { name: /at step 2\?/ })).toBeVisible();
	});

	test('the token view and charts have no serious or critical accessibility violations', async ({
		page
	}) => {
		await run(page, { temperature: '1', seed: '5', maxTokens: '8' });
		await page.getByTestId('token').nth(1).click();
		await page.getByTestId('token').nth(1).focus();
		const results = await new AxeBuilder({ page }).include('[data-testid="explore"]').analyze();
		const serious = results.violations.filter(
			(v) => v.impact === 'serious' || v.impact === 'critical'
		);
		expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
	});
});
