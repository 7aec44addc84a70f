import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { contrastRatio, relativeLuminance } from '#lib/explore/contrast';
import { SETTING_LABELS } from '#lib/params/fields';
import { THEME_STORAGE_KEY } from '#lib/platform/theme';
import { openWithTestModel, run } from './fixtures';

/** A computed `rgb(r, g, b)` as `#rrggbb`. */
function hex(rgb: string): string {
	const channels = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(rgb);
	if (!channels) throw new Error(`not an rgb colour: ${rgb}`);
	return (
		'#' +
		channels
			.slice(1, 4)
			.map((c) => Number(c).toString(16).padStart(2, '0'))
			.join('')
	);
}

/** The page's and the parameter panel's colours as the browser computes them. */
async function pageColours(page: Page) {
	const raw = await page.evaluate(() => {
		const body = getComputedStyle(document.body);
		const panel = getComputedStyle(document.querySelector('[data-testid="parameters-panel"]')!);
		return { background: body.backgroundColor, text: body.color, panel: panel.backgroundColor };
	});
	return { background: hex(raw.background), text: hex(raw.text), panel: hex(raw.panel) };
}

const themeButton = (page: Page, name: 'System' | 'Light' | 'Dark') =>
	page.getByTestId('theme-toggle').getByRole('button', { name, exact: true });

test.describe('themes', () => {
	test.use({ colorScheme: 'light' });

	test('dark changes the page’s colours, and the choice survives a reload from the first paint', async ({
		page
	}) => {
		await openWithTestModel(page);
		await expect(themeButton(page, 'System')).toHaveAttribute('aria-pressed', 'true');
		const light = await pageColours(page);
		expect(relativeLuminance(light.background)).toBeGreaterThan(0.8);
		expect(relativeLuminance(light.text)).toBeLessThan(0.05);

		await themeButton(page, 'Dark').click();
		await expect(themeButton(page, 'Dark')).toHaveAttribute('aria-pressed', 'true');
		await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
		const dark = await pageColours(page);
		expect(relativeLuminance(dark.background)).toBeLessThan(0.02);
		expect(relativeLuminance(dark.text)).toBeGreaterThan(0.6);
		expect(dark.panel).not.toBe(light.panel);
		expect(contrastRatio(dark.text, dark.panel)).toBeGreaterThanOrEqual(4.5);
		expect(await page.evaluate((key) => localStorage.getItem(key), THEME_STORAGE_KEY)).toBe('dark');

		// After a reload the page is dark as soon as it is parsed, before the app's script has
		// drawn anything: no light flash.
		await page.addInitScript(() => {
			document.addEventListener('readystatechange', () => {
				if (document.readyState !== 'interactive') return;
				Object.assign(window, {
					__firstPaint: {
						background: getComputedStyle(document.body).backgroundColor,
						appDrawn: document.querySelector('[data-testid="theme-toggle"]') !== null
					}
				});
			});
		});
		await page.reload();
		await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
		const first = await page.evaluate(
			() =>
				(window as unknown as { __firstPaint: { background: string; appDrawn: boolean } })
					.__firstPaint
		);
		expect(first.appDrawn).toBe(false);
		expect(hex(first.background)).toBe(dark.background);
		await expect(themeButton(page, 'Dark')).toHaveAttribute('aria-pressed', 'true');
		expect((await pageColours(page)).background).toBe(dark.background);
	});

	test('System follows the system setting; Light overrides a dark system', async ({ page }) => {
		await page.emulateMedia({ colorScheme: 'dark' });
		await openWithTestModel(page);
		const system = await pageColours(page);
		expect(relativeLuminance(system.background)).toBeLessThan(0.02);

		await themeButton(page, 'Light').click();
		expect(relativeLuminance((await pageColours(page)).background)).toBeGreaterThan(0.8);

		await themeButton(page, 'System').click();
		await expect(page.locator('html')).not.toHaveAttribute('data-theme');
		expect((await pageColours(page)).background).toBe(system.background);
		expect(await page.evaluate((key) => localStorage.getItem(key), THEME_STORAGE_KEY)).toBeNull();
		await page.emulateMedia({ colorScheme: 'light' });
		expect(relativeLuminance((await pageColours(page)).background)).toBeGreaterThan(0.8);
	});

	for (const theme of ['light', 'dark'] as const) {
		test(`a keyboard focus ring of at least 2 px and 3:1 in the ${theme} theme`, async ({
			page
		}) => {
			await page.emulateMedia({ colorScheme: theme });
			await openWithTestModel(page);
			const background = (await pageColours(page)).background;
			// Every control in Tab order until the focus comes back round (or 80 of them).
			const seen = new Set<string>();
			for (let i = 0; i < 80; i++) {
				await page.keyboard.press('Tab');
				const ring = await page.evaluate(() => {
					const focused = document.activeElement as HTMLElement;
					const style = getComputedStyle(focused);
					if (focused === document.body || focused === null)
						return { where: 'body', name: '', width: 0, style: '', colour: '' };
					const path: string[] = [];
					for (let e: Element | null = focused; e; e = e.parentElement)
						path.unshift(`${e.tagName}:${[...(e.parentElement?.children ?? [])].indexOf(e)}`);
					return {
						where: path.join('/'),
						name: focused.getAttribute('aria-label') ?? focused.textContent,
						width: parseFloat(style.outlineWidth),
						style: style.outlineStyle,
						colour: style.outlineColor
					};
				});
				// Back round to the start, or out of the page.
				if (seen.has(ring.where) || ring.where === 'body') break;
				seen.add(ring.where);
				expect(ring.style, `${ring.name} at ${ring.where}`).not.toBe('none');
				expect(ring.width, `${ring.name}`).toBeGreaterThanOrEqual(2);
				expect(contrastRatio(hex(ring.colour), background), `${ring.name}`).toBeGreaterThanOrEqual(
					3
				);
			}
			expect(seen.size).toBeGreaterThan(20);
		});
	}
});

test('every help toggle is named after its setting, and the names are unique', async ({ page }) => {
	await openWithTestModel(page);
	const names = await page
		.locator('details.help > summary')
		.evaluateAll((summaries) => summaries.map((s) => s.getAttribute('aria-label') ?? ''));
	expect(names.length).toBeGreaterThan(5);
	expect(names).toContain(`Help: ${SETTING_LABELS.temperature}`);
	expect(names).toContain('Help: Temperature');
	expect(names).toContain(`Help: ${SETTING_LABELS.stop}`);
	for (const name of names) expect(name).toMatch(/^Help: \S/);
	expect(new Set(names).size).toBe(names.length);
});

for (const theme of ['light', 'dark'] as const) {
	test(`axe finds no colour contrast or other serious problem in the ${theme} theme`, async ({
		page
	}) => {
		await page.emulateMedia({ colorScheme: theme });
		await openWithTestModel(page);
		await run(page, { temperature: '1', seed: '5', maxTokens: '30' });
		await page.getByTestId('token').nth(1).click();
		const problems = async () =>
			(await new AxeBuilder({ page }).analyze()).violations
				.filter((v) => v.impact === 'serious' || v.impact === 'critical')
				.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`);
		expect(await problems()).toEqual([]);
		await page.getByTestId('tab-compare').click();
		await page.getByTestId('sweep-param').selectOption('seed');
		await page.getByTestId('sweep-values').fill('1, 2');
		await page.getByTestId('run-lanes').click();
		await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });
		expect(await problems()).toEqual([]);
	});
}
