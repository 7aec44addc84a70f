/**
 * `npm run screenshots`: pictures of the main views for the README, light and dark, wide and
 * narrow, taken from the built app with the test model (models/stories260K.gguf) in Chromium,
 * like the browser tests. Writes docs/screenshots/<view>-<theme>-<width>.png (viewport shots).
 *
 *   npm run screenshots                 # builds, serves on SCREENSHOTS_PORT (default 4510)
 *   npm run screenshots -- --no-build   # serves the build/ already there
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from '@playwright/test';
import { chromiumPath, offlineRootArgs } from '../e2e/browser.ts';
import { buildApp, serveApp } from './app-server.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = path.join(root, 'docs', 'screenshots');
const port = Number(process.env.SCREENSHOTS_PORT ?? 4510);

export const VIEWPORTS = {
	wide: { width: 1440, height: 900 },
	narrow: { width: 390, height: 844 }
} as const;
export const THEMES = ['light', 'dark'] as const;

type Size = keyof typeof VIEWPORTS;
type Theme = (typeof THEMES)[number];

async function openWithTestModel(page: Page, baseURL: string) {
	await page.goto(`${baseURL}/`);
	await page.getByTestId('model-status').and(page.locator('[data-state="loaded"]')).waitFor({
		timeout: 60_000
	});
}

async function fill(page: Page, temperature: string, seed: string, maxTokens: string) {
	await page.getByTestId('prompt').fill('Once upon a time');
	await page.getByTestId('temperature').fill(temperature);
	await page.getByTestId('seed').fill(seed);
	await page.getByTestId('max-tokens').fill(maxTokens);
}

async function runOnce(page: Page) {
	await fill(page, '0.8', '42', '60');
	await page.getByTestId('generate').click();
	await page.waitForFunction(
		() => (document.querySelector('[data-testid="finish-reason"]')?.textContent ?? '') !== '',
		undefined,
		{ timeout: 60_000 }
	);
	await page.locator('[data-testid="output"][data-state="idle"]').waitFor();
}

/** Scrolls so that the card holding `testId`'s element starts near the top of the viewport. */
async function scrollTo(page: Page, testId: string) {
	await page
		.getByTestId(testId)
		.first()
		.evaluate((element) => {
			(element.closest('section, article') ?? element).scrollIntoView({ block: 'start' });
			window.scrollBy(0, -12);
		});
}

async function shoot(page: Page, view: string, theme: Theme, size: Size) {
	// The caret and hover states would differ between runs.
	await page.mouse.move(0, 0);
	await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
	const file = path.join(outDir, `${view}-${theme}-${size}.png`);
	await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
	console.log(`wrote ${path.relative(root, file)}`);
}

async function shootAll(browser: Browser, baseURL: string, theme: Theme, size: Size) {
	const context = await browser.newContext({
		viewport: VIEWPORTS[size],
		colorScheme: theme,
		deviceScaleFactor: 1,
		reducedMotion: 'reduce'
	});
	const page = await context.newPage();
	try {
		await openWithTestModel(page, baseURL);
		// History: a few runs to list.
		await runOnce(page);
		await fill(page, '1.2', '7', '40');
		await page.getByTestId('generate').click();
		await page.locator('[data-testid="output"][data-state="idle"]').waitFor({ timeout: 60_000 });
		await runOnce(page);
		// The prompt and the output under it.
		await scrollTo(page, 'prompt');
		await shoot(page, 'single-run', theme, size);

		// Explore: a token's "Why this token?".
		await page.getByTestId('token').nth(3).click();
		await scrollTo(page, 'token-view');
		await shoot(page, 'explore-why', theme, size);

		await scrollTo(page, 'history');
		await shoot(page, 'history', theme, size);

		// Compare: four seeds side by side.
		await page.evaluate(() => window.scrollTo(0, 0));
		await page.getByTestId('tab-compare').click();
		await page.getByTestId('sweep-param').selectOption('seed');
		await page.getByTestId('sweep-values').fill('1, 2, 3, 4');
		await page.getByTestId('run-lanes').click();
		await page.getByTestId('lane').nth(3).waitFor();
		await page.locator('[data-testid="run-lanes"]:enabled').waitFor({ timeout: 60_000 });
		await scrollTo(page, 'lane');
		await shoot(page, 'compare-lanes', theme, size);
	} finally {
		await context.close();
	}
}

async function main() {
	if (!process.argv.includes('--no-build')) buildApp();
	await mkdir(outDir, { recursive: true });
	const server = await serveApp(port);
	let browser: Browser | null = null;
	try {
		browser = await chromium.launch({ executablePath: chromiumPath, args: offlineRootArgs });
		for (const theme of THEMES)
			for (const size of Object.keys(VIEWPORTS) as Size[]) {
				await shootAll(browser, server.url, theme, size);
			}
	} finally {
		await browser?.close();
		server.stop();
	}
}

await main();
