import { readFile } from 'node:fs/promises';
import { expect, type BrowserContext, type Page } from '@playwright/test';

/** Greedy continuation of `Once upon a time` for 40 tokens (see models/README.md). */
export const ORACLE_GREEDY_40 =
	', there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball.';

export async function openWithTestModel(page: Page, query = '') {
	await page.goto(`/${query}`);
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
}

/** Picks a model file served beside the test model (a generated one) and loads it. */
export async function loadLocalModel(page: Page, file: string) {
	await page.getByTestId('model-select').selectOption(`local:${file}`);
	await page.getByTestId('load').click();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
}

export interface RunOptions {
	prompt?: string;
	temperature?: string;
	seed?: string;
	maxTokens?: string;
	banEos?: boolean;
}

export async function fillForm(page: Page, options: RunOptions) {
	await page.getByTestId('prompt').fill(options.prompt ?? 'Once upon a time');
	await page.getByTestId('temperature').fill(options.temperature ?? '0');
	await page.getByTestId('seed').fill(options.seed ?? '');
	await page.getByTestId('max-tokens').fill(options.maxTokens ?? '40');
	await page.getByTestId('ban-eos').setChecked(options.banEos ?? false);
}

/** Runs one generation to its end and returns the output text and finish reason. */
export async function run(page: Page, options: RunOptions) {
	await fillForm(page, options);
	await page.getByTestId('generate').click();
	await expect(page.getByTestId('finish-reason')).not.toBeEmpty({ timeout: 30_000 });
	await expect(page.getByTestId('output')).toHaveAttribute('data-state', 'idle');
	return {
		text: (await page.getByTestId('output').textContent()) ?? '',
		finishReason: await page.getByTestId('finish-reason').textContent(),
		seed: await page.getByTestId('seed-used').textContent(),
		tokens: Number(await page.getByTestId('token-count').textContent())
	};
}

/**
 * Waits until the run shows its finish reason, polling with one cheap query. An `expect` on the
 * still-empty (so invisible) element would, at each failed poll, build an accessibility snapshot
 * of the whole page in its main thread: hundreds of milliseconds once 400 tokens are on show,
 * which a test of the page's own long tasks would then count.
 */
export async function waitForFinishCheaply(page: Page, timeout = 30_000) {
	await page.waitForFunction(
		() => (document.querySelector('[data-testid="finish-reason"]')?.textContent ?? '') !== '',
		undefined,
		{ timeout, polling: 100 }
	);
}

/** Every WebLLM option of the model picker: id, whether it can be picked, and its text. */
export async function webLlmOptions(page: Page) {
	return page
		.getByTestId('model-select')
		.evaluate((select: HTMLSelectElement) =>
			[...select.options]
				.filter((o) => o.value.startsWith('webllm:'))
				.map((o) => ({ id: o.value.slice('webllm:'.length), disabled: o.disabled, text: o.text }))
		);
}

/** Makes every request to another origin fail as it would offline (nothing leaves the machine). */
export async function blockForeignRequests(context: BrowserContext, baseURL: string | undefined) {
	const origin = new URL(baseURL ?? '').origin;
	await context.route(
		(url) => url.origin !== origin && url.protocol.startsWith('http'),
		(route) => route.abort('internetdisconnected')
	);
}

/** Clicks `button` and reads the JSONL file it downloads: its name and its lines. */
export async function downloadedLines(
	page: Page,
	button: string
): Promise<{ name: string; lines: string[] }> {
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('button', { name: button }).click()
	]);
	const text = await readFile(await download.path(), 'utf8');
	expect(text.endsWith('\n')).toBe(true);
	return { name: download.suggestedFilename(), lines: text.split('\n').slice(0, -1) };
}
