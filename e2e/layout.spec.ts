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
				small.push(
					`${el.tagName.toLowerCase()} “${name}” ${width.toFixed(0)}×${height.toFixed(0)}`
				);
			}
		}
		return small;
	});
}

/**
 * Opens the parameter panel's "More samplers" (remembered, so it may be open already) with one
 * stage that is off showing its fields, so that they are measured and walked too.
 */
async function openMoreSamplers(page: Page) {
	const toggle = page.getByTestId('more-samplers-toggle');
	if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
	const show = page.getByTestId('show-top-a');
	if ((await show.getAttribute('aria-expanded')) !== 'true') await show.click();
	await expect(page.getByTestId('topA')).toBeVisible();
}

/** Brings `view` on screen: the tab it lives on, scrolled to its section. */
async function show(page: Page, view: View) {
	await page.getByTestId(view === 'compare' ? 'tab-compare' : 'tab-single').click();
	if (view === 'explore') {
		// The token furthest right shows its tooltip: it must not push the page wider either.
		const tokens = page.getByTestId('token');
		const rights = await tokens.evaluateAll((all) =>
			all.map((t) => t.getBoundingClientRect().right)
		);
		await tokens.nth(rights.indexOf(Math.max(...rights))).hover();
		await expect(page.getByTestId('token-tooltip')).toBeVisible();
	}
	if (view === 'history') await page.getByTestId('history').scrollIntoViewIfNeeded();
	if (view === 'single') await page.evaluate(() => window.scrollTo(0, 0));
}

for (const size of SIZES) {
	test(`every view at ${size.width}×${size.height}, light and dark: no sideways scroll, nothing serious for axe${size.width < 700 ? ', 44 px targets, 360 to 1280 px wide' : ''}`, async ({
		page
	}) => {
		test.setTimeout(240_000);
		await page.setViewportSize(size);
		await openWithTestModel(page);
		// Something in every view: a run with a token explained, a compare of three lanes, both in
		// the history.
		await run(page, { temperature: '1', seed: '7', maxTokens: '12' });
		await openMoreSamplers(page);
		await page.getByTestId('token').nth(2).click();
		await expect(page.getByTestId('why-panel')).toBeVisible();
		// The wide tables are open, so that they are measured too.
		await page.getByTestId('tables-toggle').check();
		await expect(page.getByTestId('why-draw')).toBeVisible();
		await page.getByText('As a table', { exact: true }).click();
		await expect(page.getByTestId('timeline-table')).toBeVisible();
		await page.getByTestId('tab-compare').click();
		await page.getByTestId('sweep-param').selectOption('seed');
		await page.getByTestId('sweep-values').fill('1, 2, 3');
		await page.getByTestId('run-lanes').click();
		await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });
		await expect(page.getByTestId('lane')).toHaveCount(3);
		await page.getByText('Compare two lanes token by token').click();
		await expect(page.getByTestId('diff-table')).toBeVisible();
		await expect(page.getByTestId('history-item')).toHaveCount(2);

		const problems: string[] = [];
		for (const colorScheme of SCHEMES) {
			await page.emulateMedia({ colorScheme });
			for (const view of ['single', 'explore', 'compare', 'history'] as const) {
				await show(page, view);
				const where = `${view}, ${colorScheme}`;
				const { by, culprits } = await overflow(page);
				if (by > 0) problems.push(`${where}: ${by} px too wide (${culprits.join(', ')})`);
				// The single, explore and history views are one page (one tab, scrolled): axe checks
				// the whole page, so one pass there (with a token's tooltip up) covers all three.
				if (view === 'explore' || view === 'compare') {
					for (const v of await seriousViolations(page)) problems.push(`${where}: ${v}`);
				}
				if (size.width < 700 && colorScheme === 'light') {
					for (const t of await smallTargets(page)) problems.push(`${where}: small target ${t}`);
				}
			}
		}
		// A setting's help opens wholly on screen (the context window's "?" is near the left edge).
		await page.getByTestId('tab-single').click();
		await page.getByLabel('Help: Context window').click();
		const help = await page
			.locator('details.help[open] .body')
			.evaluate((body) => body.getBoundingClientRect().toJSON());
		if (help.left < 0 || help.right > size.width)
			problems.push(`help spans ${help.left.toFixed(0)} to ${help.right.toFixed(0)} px`);
		await page.getByLabel('Help: Context window').click();

		// Widths between the three sizes (and below the phone's): no sideways scroll either, with a
		// long unbroken word in the prompt, the output and the history.
		if (size.width < 700) {
			await run(page, { prompt: `${'Supercalifragilistic'.repeat(15)} once`, maxTokens: '4' });
			for (const width of [360, 480, 600, 820, 1024, 1280]) {
				await page.setViewportSize({ width, height: size.height });
				for (const view of ['single', 'compare'] as const) {
					await show(page, view);
					const { by, culprits } = await overflow(page);
					if (by > 0)
						problems.push(`${view} at ${width} px: ${by} px too wide (${culprits.join(', ')})`);
				}
			}
		}
		expect(problems).toEqual([]);
	});
}

interface Stop {
	name: string;
	role: string;
	region: string;
	box: { top: number; bottom: number; left: number; right: number };
}

/**
 * Presses Tab from the top of the page until focus comes back round, and returns each focus stop:
 * its accessible name and role (from Chromium's accessibility tree), its box in page coordinates
 * and its region, the nearest landmark around it (a named section, nav, aside, main, the page's
 * header) named by its accessible name.
 */
async function tabWalk(page: Page, limit = 300): Promise<Stop[]> {
	const cdp = await page.context().newCDPSession(page);
	// A click on the page's title (not a control) makes the top of the page where Tab starts.
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.locator('h1').click();
	const stops: Stop[] = [];
	for (let i = 0; i < limit; i++) {
		await page.keyboard.press('Tab');
		const { result } = await cdp.send('Runtime.evaluate', { expression: 'document.activeElement' });
		const where = await page.evaluate(() => {
			const el = document.activeElement;
			if (!el || el === document.body) return null;
			// The box in the page's own coordinates: undo the scrolling of the window and of every
			// scrolled box around it (focus scrolls the history's list, for one).
			const r = el.getBoundingClientRect();
			let dx = 0;
			let dy = 0; // the loop reaches <html>, whose scroll is the window's
			for (let box = el.parentElement; box; box = box.parentElement) {
				dx += box.scrollLeft;
				dy += box.scrollTop;
			}
			const landmark = el.parentElement?.closest(
				'section[aria-label], section[aria-labelledby], nav, aside, main, body > * > header, [role="region"], [role="navigation"], [role="complementary"], [role="search"]'
			);
			const region = !landmark
				? 'page'
				: (landmark.getAttribute('aria-label') ??
					document.getElementById(landmark.getAttribute('aria-labelledby') ?? '')?.textContent ??
					landmark.tagName.toLowerCase());
			return {
				region: region.trim(),
				box: { top: r.top + dy, bottom: r.bottom + dy, left: r.left + dx, right: r.right + dx },
				first: el.hasAttribute('data-walk-seen')
			};
		});
		if (!where || where.first) break;
		await page.evaluate(() => document.activeElement?.setAttribute('data-walk-seen', ''));
		const { nodes } = await cdp.send('Accessibility.getPartialAXTree', {
			objectId: result.objectId,
			fetchRelatives: false
		});
		const node = nodes.find((n) => !n.ignored) ?? nodes[0];
		stops.push({
			name: String(node?.name?.value ?? '').trim(),
			role: String(node?.role?.value ?? ''),
			region: where.region,
			box: where.box
		});
	}
	await page.evaluate(() =>
		document
			.querySelectorAll('[data-walk-seen]')
			.forEach((e) => e.removeAttribute('data-walk-seen'))
	);
	await cdp.detach();
	return stops;
}

/**
 * The reading-order rule. Each focus stop must come after the one before it as a reader of a
 * left-to-right page goes: on the same line and further right; or on a later line (it starts
 * below the previous stop's top); or in a later column (it starts right of the previous stop's
 * right edge, as the next lane card or the next column of the page does, even if higher up).
 * Going back left and up, as Tab did when the history (drawn last) came first, breaks it. The
 * rule is checked from each stop to the next within a region (a landmark) and from the last stop
 * of a region to the first of the next, so regions too must follow each other in reading order.
 */
function outOfOrder(stops: Stop[]): string[] {
	const slack = 2;
	const bad: string[] = [];
	for (let i = 1; i < stops.length; i++) {
		const a = stops[i - 1].box;
		const b = stops[i].box;
		const sameLine = b.top < a.bottom - slack && b.bottom > a.top + slack;
		const ok = sameLine
			? b.left >= a.left + slack || b.left >= a.right - slack
			: b.top >= a.top + slack || b.left >= a.right - slack;
		if (!ok) {
			const at = (s: Stop) =>
				`${s.role} “${s.name}” in ${s.region} at (${s.box.left.toFixed(0)}, ${s.box.top.toFixed(0)})`;
			bad.push(`${at(stops[i])} comes after ${at(stops[i - 1])}`);
		}
	}
	return bad;
}

function duplicates(stops: Stop[]): string[] {
	const seen = new Map<string, number>();
	for (const s of stops) seen.set(s.name, (seen.get(s.name) ?? 0) + 1);
	return [...seen]
		.filter(([name, n]) => n > 1 || name === '')
		.map(([name, n]) => `“${name}” ×${n}`);
}

test('a keyboard walk: Tab follows the reading order of the page and every stop has its own name', async ({
	page
}) => {
	test.setTimeout(180_000);
	for (const size of [SIZES[2], SIZES[0]]) {
		await page.setViewportSize(size);
		await openWithTestModel(page);
		// Its own prompt at each size: sessions of one prompt in one minute are named alike.
		const prompt = size.width > 700 ? 'Once upon a time' : 'One day';
		await run(page, { prompt, temperature: '1', seed: '7', maxTokens: '6' });
		await openMoreSamplers(page);
		await page.getByTestId('token').nth(2).click();
		for (const view of ['single', 'compare'] as const) {
			if (view === 'compare') {
				await page.getByTestId('tab-compare').click();
				await page.getByTestId('sweep-param').selectOption('seed');
				await page.getByTestId('sweep-values').fill('1, 2, 3');
				await page.getByTestId('run-lanes').click();
				await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });
			}
			const stops = await tabWalk(page);
			const where = `${view} at ${size.width}×${size.height}`;
			expect(stops.length, where).toBeGreaterThan(20);
			expect(outOfOrder(stops), where).toEqual([]);
			expect(duplicates(stops), where).toEqual([]);
		}
	}
});
