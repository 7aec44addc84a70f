import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { ORACLE_GREEDY_40, fillForm, openWithTestModel, run } from './fixtures';

/** The token view's tokens as ids, in order. */
async function tokenIds(page: Page): Promise<number[]> {
	return page
		.getByTestId('token')
		.evaluateAll((buttons) => buttons.map((b) => Number(b.getAttribute('data-token-id'))));
}

/** Mirostat v2 at τ = 2 bits, the only stage that cuts (temperature 1 leaves the rest alone). */
async function mirostatOn(page: Page) {
	await page.getByRole('checkbox', { name: 'Use the Mirostat stage' }).check();
	await page.getByTestId('mirostatMode').fill('2');
	await page.getByTestId('mirostatTau').fill('2');
	await page.getByTestId('mirostatEta').fill('0.5');
	await page.getByTestId('topK').fill('0');
	await page.getByTestId('topP').fill('1');
	await page.getByTestId('minP').fill('0');
}

// A fact reads "4 bits", with the typographic minus.
const number = (text: string | null) => Number.parseFloat(text!.replace('−', '-'));

test.describe('Mirostat', () => {
	test.beforeEach(async ({ page }) => {
		await page.setViewportSize({ width: 1440, height: 900 });
		await openWithTestModel(page);
		await mirostatOn(page);
	});

	test('shows μ before and after each token, its threshold, and μ over the run', async ({
		page
	}) => {
		await run(page, { temperature: '1', seed: '5', maxTokens: '8' });
		const fact = async (step: number, key: string) => {
			await page.getByTestId('token').nth(step).click();
			const detail = page
				.locator('[data-testid="why-chart"][data-stage="mirostat"]')
				.getByTestId('stage-detail');
			return number(await detail.locator(`[data-fact="${key}"] dd`).textContent());
		};
		// μ starts at 2τ; each step starts from where the one before left it.
		expect(await fact(0, 'mu')).toBe(4);
		expect(await fact(0, 'threshold')).toBe(4);
		const after = await fact(2, 'muAfter');
		expect(await fact(3, 'mu')).toBeCloseTo(after, 2);
		const rows = page
			.locator('[data-testid="why-chart"][data-stage="mirostat"]')
			.locator('[data-testid="stage-measure"] li');
		expect(await rows.count()).toBeGreaterThan(0);

		await expect(page.getByTestId('timeline-mu')).toBeVisible();
		await page.getByTestId('timeline').getByText('As a table').click();
		await expect(
			page.getByTestId('timeline-table').getByRole('columnheader', { name: 'Mirostat μ (bits)' })
		).toBeVisible();
		const results = await new AxeBuilder({ page })
			.include('[data-testid="why-panel"]')
			.include('[data-testid="timeline"]')
			.analyze();
		expect(
			results.violations
				.filter((v) => v.impact === 'serious' || v.impact === 'critical')
				.map((v) => v.id)
		).toEqual([]);
	});

	test('step mode, token by token, draws what the run drew', async ({ page }) => {
		await run(page, { temperature: '1', seed: '7', maxTokens: '8' });
		const whole = await tokenIds(page);
		await fillForm(page, { temperature: '1', seed: '7', maxTokens: '8' });
		await page.getByTestId('step-start').click();
		for (let i = 1; i <= whole.length; i++) {
			await page.getByTestId('step-once').click();
			await expect(page.getByTestId('token')).toHaveCount(i);
		}
		expect(await tokenIds(page)).toEqual(whole);
	});
});

test("native mode on wllama runs llama.cpp's own Mirostat: τ = 0 with η = 0 keeps only the best token", async ({
	page
}) => {
	await openWithTestModel(page, '?cpuEngine=wllama');
	await page.getByRole('checkbox', { name: 'Use the Mirostat stage' }).check();
	await page.getByTestId('mirostatMode').fill('2');
	await page.getByTestId('mirostatTau').fill('0');
	await page.getByTestId('mirostatEta').fill('0');
	// Our sampler: μ stays at 0 bits, so only the best token is ever kept, even at temperature 1.
	expect((await run(page, { temperature: '1', seed: '4', maxTokens: '40' })).text).toBe(
		ORACLE_GREEDY_40
	);
	await page
		.getByTestId('sampling-mode')
		.getByLabel(/Native/)
		.check();
	expect((await run(page, { temperature: '1', seed: '4', maxTokens: '40' })).text).toBe(
		ORACLE_GREEDY_40
	);
	// llama.cpp then runs only logit bias, temperature and Mirostat: top-k and the rest do not.
	await expect(page.getByTestId('ignored-params')).toContainText(
		'With Mirostat on, llama.cpp runs only logit bias, temperature and Mirostat'
	);
	// Without it, llama.cpp's draw at temperature 1 leaves the greedy path.
	await page.getByTestId('mirostatMode').fill('0');
	expect((await run(page, { temperature: '1', seed: '4', maxTokens: '40' })).text).not.toBe(
		ORACLE_GREEDY_40
	);
});
