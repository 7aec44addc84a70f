import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { openWithTestModel, run } from './fixtures';

/**
 * Every view at a phone, a tablet and a laptop size, in the light and the dark colour scheme: the
 * page never scrolls sideways, axe-core finds nothing serious over the whole page, and on the
 * phone every control is a touch target of at least 44 × 44 px. One model load per size: the
 * views are reached in one page, the compare lanes run once.
 */

const SIZES = [
	{ width: 390, height: 844 },
	{ width: 768, height: 1024 },
	{ width: 1440, height: 900 }
] as const;
const SCHEMES = ['light', 'dark'] as const;
type View = 'single' | 'explore' | 'compare' | 'history';

/** How far the page scrolls sideways (0 when it fits), and the widest elements to blame if not. */
async function overflow(page: Page) {
	return page.evaluate(() => {
		const width = window.innerWidth;
		const culprits: string[] = [];
		for (const el of document.querySelectorAll('body *')) {
			const box = el.getBoundingClientRect();
			const parent = el.parentElement?.getBoundingClientRect();
			if (box.width > 0 && box.right > width + 0.5 && !(parent && parent.right > width + 0.5)) {
				culprits.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
			}
		}
		return { by: document.documentElement.scrollWidth - width, culprits: culprits.slice(0, 5) };
	});
}

async function seriousViolations(page: Page) {
	const results = await new AxeBuilder({ page }).analyze();
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Controls on show smaller than 44 × 44 px. A checkbox or radio counts with its label (the label
 * is what a finger hits); tokens inside the output text are inline targets, exempt as WCAG 2.5.8
 * exempts targets in a sentence, and so are the timeline's points (an SVG chart whose table
 * alternative has the same steps as buttons).
 */
async function smallTargets(page: Page) {
	return page.evaluate(() => {
		const small: string[] = [];
		const controls = document.querySelectorAll<HTMLElement>(
			'button, select, summary, input, textarea, a[href], [role="button"], [role="tab"]'
		);
		for (const el of controls) {
			if (el.closest('[data-inline-target], svg') || (el as HTMLInputElement).type === 'hidden')
				continue;
			const own = el.getBoundingClientRect();
			if (own.width === 0 && own.height === 0) continue; // not on show
			const label = el.closest('label');
			const box = label ? label.getBoundingClientRect() : own;
			const width = Math.max(box.width, own.width);
			const height = Math.max(box.height, own.height);
			if (width < 43.5 || height < 43.5) {
				const name =
					el.getAttribute('aria-label') ??
					el.getAttribute('data-testid') ??
					el.textContent?.trim().slice(0, 30);
				small.push(`${el.tagName.toLowerCase()} “${name}” ${width.toFixed(0)}×${height.toFixed(0)}`);
			}
		}
		return small;
	});
}

/** Brings `view` on screen: the tab it lives on, scrolled to its section. */
async function show(page: Page, view: View) {
	await page.getByTestId(view === 'compare' ? 'tab-compare' : 'tab-single').click();
	if (view === 'explore') await page.getByTestId('why-panel').scrollIntoViewIfNeeded();
	if (view === 'history') await page.getByTestId('history').scrollIntoViewIfNeeded();
	if (view === 'single') await page.evaluate(() => window.scrollTo(0, 0));
}

for (const size of SIZES) {
	test(`every view at ${size.width}×${size.height}, light and dark: no sideways scroll, nothing serious for axe${size.width < 700 ? ', 44 px targets' : ''}`, async ({
		page
	}) => {
		test.setTimeout(240_000);
		await page.setViewportSize(size);
		await openWithTestModel(page);
		// Something in every view: a run with a token explained, a compare of three lanes, both in
		// the history.
		await run(page, { temperature: '1', seed: '7', maxTokens: '12' });
		await page.getByTestId('token').nth(2).click();
		await expect(page.getByTestId('why-panel')).toBeVisible();
		await page.getByTestId('tab-compare').click();
		await page.getByTestId('sweep-param').selectOption('seed');
		await page.getByTestId('sweep-values').fill('1, 2, 3');
		await page.getByTestId('run-lanes').click();
		await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });
		await expect(page.getByTestId('lane')).toHaveCount(3);
		await expect(page.getByTestId('history-item')).toHaveCount(2);

		const problems: string[] = [];
		for (const colorScheme of SCHEMES) {
			await page.emulateMedia({ colorScheme });
			for (const view of ['single', 'explore', 'compare', 'history'] as const) {
				await show(page, view);
				const where = `${view}, ${colorScheme}`;
				const { by, culprits } = await overflow(page);
				if (by > 0) problems.push(`${where}: ${by} px too wide (${culprits.join(', ')})`);
				for (const v of await seriousViolations(page)) problems.push(`${where}: ${v}`);
				if (size.width < 700 && colorScheme === 'light') {
					for (const t of await smallTargets(page)) problems.push(`${where}: small target ${t}`);
				}
			}
		}
		expect(problems).toEqual([]);
	});
}
