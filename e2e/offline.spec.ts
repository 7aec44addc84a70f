import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { ORACLE_GREEDY_40, openWithTestModel, run } from './fixtures';

// The service worker is what this file tests (Playwright's default, stated for the reader).
test.use({ serviceWorkers: 'allow' });

/** Waits until the service worker has kept the app shell and controls the page. */
async function waitForServiceWorker(page: Page) {
	await page.evaluate(async () => {
		await navigator.serviceWorker.ready;
	});
	await expect
		.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
		.toBe(true);
}

/** Every request for a GGUF file from now on, from the page, its workers or the service worker. */
function ggufRequests(context: BrowserContext): string[] {
	const urls: string[] = [];
	context.on('request', (request) => {
		if (new URL(request.url()).pathname.endsWith('.gguf')) urls.push(request.url());
	});
	return urls;
}

async function expectAppStarted(page: Page) {
	await expect(page.getByRole('heading', { name: 'Sampling Playground' })).toBeVisible();
	await expect(page.getByTestId('generate')).toBeVisible();
	await expect(page.getByTestId('model-select').locator('option[value="stories260k"]')).toHaveCount(
		1
	);
}

test('after one visit the app starts offline, loads the model from storage and gives the same text', async ({
	page,
	context
}) => {
	const gguf = ggufRequests(context);
	// wllama on two threads: its multi-threaded wasm needs cross-origin isolation, offline too.
	await openWithTestModel(page, '?cpuEngine=wllama&threads=2');
	await waitForServiceWorker(page);
	const sampledOnline = await run(page, { temperature: '1', seed: '42', maxTokens: '40' });
	expect(gguf.length).toBeGreaterThan(0);

	// The shell's cache is named after this build's version, so another build never reads it.
	const { version } = await page.evaluate(async () => (await fetch('_app/version.json')).json());
	expect(await page.evaluate(() => caches.keys())).toContain(
		`sampling-playground-shell-${version}`
	);

	await context.setOffline(true);
	gguf.length = 0;
	const response = await page.reload();
	expect(response?.fromServiceWorker()).toBe(true);
	await expectAppStarted(page);
	expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
	// Offline for real: a file the service worker does not keep cannot be fetched.
	expect(
		await page.evaluate(() =>
			fetch('_app/version.json?offline-probe').then(
				() => 'reached the network',
				() => 'offline'
			)
		)
	).toBe('offline');

	const status = page.getByTestId('model-status');
	await expect(status).toHaveAttribute('data-state', 'loaded', { timeout: 30_000 });
	await expect(status).toHaveAttribute('data-storage', 'cached');
	await expect(status).toContainText('2 threads');
	const greedy = await run(page, { temperature: '0', maxTokens: '40' });
	expect(greedy.text).toBe(ORACLE_GREEDY_40);
	const sampledOffline = await run(page, { temperature: '1', seed: '42', maxTokens: '40' });
	expect(sampledOffline.text).toBe(sampledOnline.text);
	expect(gguf).toEqual([]);
});

test("our engine's wasm is kept by the service worker: offline, the default engine loads and gives the same text", async ({
	page,
	context
}) => {
	await openWithTestModel(page);
	await expect(page.getByTestId('model-status')).toContainText('our llama.cpp build');
	await waitForServiceWorker(page);
	const sampledOnline = await run(page, { temperature: '1', seed: '42', maxTokens: '40' });
	await expect
		.poll(() =>
			page.evaluate(async () => (await caches.match('engine/playground-llama.wasm')) !== undefined)
		)
		.toBe(true);

	await context.setOffline(true);
	const response = await page.reload();
	expect(response?.fromServiceWorker()).toBe(true);
	await expectAppStarted(page);
	const status = page.getByTestId('model-status');
	await expect(status).toHaveAttribute('data-state', 'loaded', { timeout: 30_000 });
	await expect(status).toContainText('our llama.cpp build');
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
	const sampledOffline = await run(page, { temperature: '1', seed: '42', maxTokens: '40' });
	expect(sampledOffline.text).toBe(sampledOnline.text);
});

test('offline, any address of the app opens it, with its query options', async ({
	page,
	context
}) => {
	await openWithTestModel(page);
	await waitForServiceWorker(page);
	await context.setOffline(true);
	await page.goto('/?view=compare&testHooks');
	await expectAppStarted(page);
	await expect(page.getByTestId('tab-compare')).toHaveAttribute('aria-selected', 'true');
	await expect(page.getByTestId('crash')).toBeVisible();
	// The local models list comes from the cache, so the local test model is found and loaded.
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
});
