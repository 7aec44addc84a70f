import { expect, test, type Page } from '@playwright/test';
import { fillForm, openWithTestModel } from './fixtures';

/**
 * The run figures (core/run-figures.ts) as the page shows them. Relations only, never a speed
 * threshold: how fast this machine is does not decide a pass.
 */

/** Starts watching the output: the click's time stamp and when its first text reached the DOM. */
async function watchOutput(page: Page) {
	await page.evaluate(() => {
		const output = document.querySelector('[data-testid=output]')!;
		const seen = { click: NaN, firstInDom: NaN };
		Object.assign(window, { __seen: seen });
		new MutationObserver(() => {
			if (Number.isNaN(seen.firstInDom) && (output.textContent ?? '') !== '') {
				seen.firstInDom = performance.now();
			}
		}).observe(output, { childList: true, characterData: true, subtree: true });
		document
			.querySelector('[data-testid=generate]')!
			.addEventListener('click', (event) => (seen.click = event.timeStamp), {
				capture: true,
				once: true
			});
	});
}

const ms = (text: string | null) => Number(/^(\d+) ms$/.exec(text ?? '')?.[1] ?? NaN);

async function figures(page: Page) {
	const text = (id: string) =>
		page
			.getByTestId(id)
			.textContent()
			.then((t) => t?.trim() ?? '');
	const worker = (id: string) =>
		page
			.getByTestId(id)
			.getAttribute('data-worker-ms')
			.then((v) => Number(v ?? NaN));
	return {
		ttft: await text('ttft'),
		prefill: await text('prefill-speed'),
		decode: await text('decode-speed'),
		total: await text('total-time'),
		workerFirstTokenMs: await worker('ttft'),
		prefillMs: await worker('prefill-speed'),
		decodeMs: await worker('decode-speed')
	};
}

test('time to first token runs from the click to the token on screen; prefill and decode apart', async ({
	page
}) => {
	await openWithTestModel(page);
	// A longer prompt gives the prefill work to time, 300 tokens a decode phase.
	await fillForm(page, {
		prompt: 'Once upon a time there was a little girl. '.repeat(10),
		temperature: '1',
		seed: '7',
		maxTokens: '300',
		banEos: true
	});
	await watchOutput(page);
	await page.getByTestId('generate').click();
	await expect(page.getByTestId('finish-reason')).toHaveText('max-tokens', { timeout: 60_000 });
	const seen = await page.evaluate(
		() => (window as unknown as { __seen: { click: number; firstInDom: number } }).__seen
	);
	const shown = await figures(page);
	const ttft = ms(shown.ttft);
	// Measured here: the click to the first token in the DOM. The page's figure is taken in the
	// frame after that, so it is no shorter (1 ms for rounding).
	expect(ttft).toBeGreaterThanOrEqual(seen.firstInDom - seen.click - 1);
	// It holds the worker's own time to its first token, prefill included.
	expect(ttft).toBeGreaterThanOrEqual(shown.workerFirstTokenMs - 1);
	expect(ttft).toBeGreaterThanOrEqual(shown.prefillMs - 1);
	expect(ms(shown.total)).toBeGreaterThanOrEqual(ttft);
	// Two speeds, each with its unit; the decode phase within the run as the page saw it.
	expect(shown.decode).toMatch(/^\d+\.\d tokens\/s$/);
	expect(shown.prefill).toMatch(/^(\d+ tokens\/s|—)$/);
	if (shown.prefill === '—') {
		await expect(page.getByTestId('prefill-speed')).toHaveAttribute('title', /too short to time/);
	}
	expect(shown.decodeMs).toBeLessThanOrEqual(ms(shown.total));
	await expect(page.locator('dd', { hasText: /tokens\/s/ })).toHaveCount(
		shown.prefill === '—' ? 1 : 2
	);

	// Each figure says what it measures.
	await page.getByLabel('Help: First token').click();
	await expect(page.getByTestId('figure-help-firstToken')).toContainText(
		'to the first generated token on screen'
	);
	await page.getByLabel('Help: Decode').click();
	await expect(page.getByTestId('figure-help-decodeSpeed')).toContainText(
		'from the first token to the last'
	);

	// The session stores the figures: reopened after a reload, they read the same.
	await page.reload();
	await expect(page.getByTestId('stored-status')).toBeVisible({ timeout: 30_000 });
	expect(await figures(page)).toEqual(shown);
});

test('lanes of a sweep each show a decode speed, timed the same way', async ({ page }) => {
	await openWithTestModel(page);
	await fillForm(page, { temperature: '1', maxTokens: '300', banEos: true });
	await page.getByTestId('tab-compare').click();
	await page.getByTestId('sweep-param').selectOption('seed');
	await page.getByTestId('sweep-values').fill('1, 2, 3');
	await page.getByTestId('run-lanes').click();
	await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });
	await expect(page.getByTestId('lane-decode-speed')).toHaveText([
		/^\d+\.\d tokens\/s$/,
		/^\d+\.\d tokens\/s$/,
		/^\d+\.\d tokens\/s$/
	]);
	await page.getByLabel('Help: decode').first().click();
	await expect(page.getByTestId('figure-help-laneDecodeSpeed').first()).toContainText(
		'decoded together share each step'
	);
});

test('a session stored before these figures opens and shows "—" for them', async ({ page }) => {
	await openWithTestModel(page, '?testHooks');
	await page.evaluate(() =>
		(
			window as unknown as {
				__playground: {
					seedHistory: (o: { count: number; compareEvery: number }) => Promise<number>;
				};
			}
		).__playground.seedHistory({ count: 1, compareEvery: 1000 })
	);
	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await page.getByTestId('history-item').first().click();
	await expect(page.getByTestId('stored-status')).toBeVisible();
	await expect(page.getByTestId('output')).not.toBeEmpty();
	await expect(page.getByTestId('ttft')).toHaveText('—');
	await expect(page.getByTestId('decode-speed')).toHaveText('—');
	await expect(page.getByTestId('total-time')).toHaveText('—');
	await expect(page.getByTestId('ttft')).toHaveAttribute('title', /earlier version/);
});
