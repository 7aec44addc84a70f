import { expect, test, type Page } from '@playwright/test';
import { openWithTestModel, run } from './fixtures';

/**
 * The parameter panel's "More samplers": the stages off by default fold under one remembered,
 * keyboard-usable section (folded, it still shows the stages that are on); a stage is switched
 * on from its switch or by setting one of its values (which says so), the chain order then
 * lists it, and a reload (which reopens the last run) keeps the section open and the stages on.
 */

const chainRows = (page: Page) =>
	page
		.getByTestId('stage-order')
		.locator('li')
		.evaluateAll((rows) =>
			rows
				.filter((row) => row.querySelector<HTMLInputElement>('input[type="checkbox"]')?.checked)
				.map((row) => row.textContent?.replace(/[↑↓]/g, '').trim())
		);

test('switches stages on from a value and from their switch, in the chain order, kept over a reload', async ({
	page
}) => {
	await openWithTestModel(page);
	const toggle = page.getByTestId('more-samplers-toggle');
	await expect(toggle).toHaveAttribute('aria-expanded', 'false');
	await expect(toggle).toContainText(/0 of \d+ on/);
	await expect(page.getByTestId('switch-top-a')).toBeHidden();

	// Opened from the keyboard.
	await toggle.focus();
	await page.keyboard.press('Enter');
	await expect(toggle).toHaveAttribute('aria-expanded', 'true');
	await expect(page.getByTestId('more-stage-top-a')).toContainText('Drops tokens less likely');

	// A value on a stage that is off switches it on, and the panel says so.
	const switchTopA = page.getByTestId('switch-top-a');
	await expect(switchTopA).not.toBeChecked();
	await expect(page.getByTestId('topA')).toBeHidden();
	await page.getByTestId('show-top-a').click();
	await expect(page.getByTestId('more-stage-top-a')).toContainText('switches it on');
	await page.getByTestId('topA').fill('0.2');
	await expect(switchTopA).toBeChecked();
	await expect(page.getByTestId('note-top-a')).toContainText('Top-a switched on');
	await expect(page.getByTestId('show-top-a')).toHaveCount(0);
	await expect(page.getByTestId('topA')).toBeVisible();
	expect((await chainRows(page)).at(-1)).toBe('Top-a');

	// The switch, from the keyboard: the stage's fields open and it joins the chain last.
	await page.getByTestId('switch-top-n-sigma').focus();
	await page.keyboard.press('Space');
	await expect(page.getByTestId('switch-top-n-sigma')).toBeChecked();
	await page.getByTestId('topNSigma').fill('1.5');
	await expect(page.getByTestId('note-top-n-sigma')).toBeEmpty();
	expect((await chainRows(page)).slice(-2)).toEqual(['Top-a', 'Top-nσ']);
	await expect(toggle).toContainText(/2 of \d+ on/);

	// A run records the chain; a reload reopens it, and the section stays open.
	await run(page, { temperature: '1', seed: '7', maxTokens: '6' });
	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await expect(toggle).toHaveAttribute('aria-expanded', 'true');
	await expect(switchTopA).toBeChecked();
	await expect(page.getByTestId('topA')).toHaveValue('0.2');
	await expect(page.getByTestId('topNSigma')).toHaveValue('1.5');
	expect((await chainRows(page)).slice(-2)).toEqual(['Top-a', 'Top-nσ']);

	// Switched off: its fields fold away and the chain drops it. Folded, the section still shows
	// the stages that are on, with their values.
	await switchTopA.uncheck();
	await expect(page.getByTestId('topA')).toBeHidden();
	expect(await chainRows(page)).not.toContain('Top-a');
	await toggle.click();
	await expect(toggle).toHaveAttribute('aria-expanded', 'false');
	await expect(page.getByTestId('more-stage-top-a')).toBeHidden();
	await expect(page.getByTestId('more-stage-eta-cutoff')).toBeHidden();
	await expect(page.getByTestId('topNSigma')).toHaveValue('1.5');
	// A stage switched on in the chain order shows up there too.
	await page.getByRole('checkbox', { name: 'Use the Eta cutoff stage' }).check();
	await expect(page.getByTestId('etaCutoff')).toBeVisible();
	await page.reload();
	await expect(toggle).toHaveAttribute('aria-expanded', 'false');
});
