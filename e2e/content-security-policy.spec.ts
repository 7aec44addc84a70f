import { expect, test } from '@playwright/test';
import { recordCspViolations } from './csp-violations';
import { openWithTestModel, run } from './fixtures';

test.describe('Content-Security-Policy', () => {
	test('a run of the test model breaks no rule of the policy, in the page or its workers', async ({
		page
	}) => {
		const violations = await recordCspViolations(page);
		await openWithTestModel(page);
		const result = await run(page, { temperature: '0', maxTokens: '20' });
		expect(result.tokens).toBe(20);
		expect(violations.workerCount).toBeGreaterThan(0);
		expect(await violations.all()).toEqual([]);
	});

	test('a reload answered with 304 keeps the page policy, so the page still starts', async ({
		page
	}) => {
		const violations = await recordCspViolations(page);
		await openWithTestModel(page);
		// The page is cached with an etag: the reload revalidates it and gets a 304.
		await page.reload();
		await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
		expect(await violations.all()).toEqual([]);
	});

	test('blocks a script and an event handler injected into the built page', async ({ page }) => {
		const violations = await recordCspViolations(page);
		await openWithTestModel(page);
		await page.evaluate(() => {
			const script = document.createElement('script');
			script.textContent = 'window.__injected = true';
			document.head.append(script);
			const image = document.createElement('img');
			image.setAttribute('onerror', 'window.__injected = true');
			image.src = 'data:,';
			document.body.append(image);
		});
		await expect
			.poll(() => violations.all())
			.toEqual(
				expect.arrayContaining([
					expect.stringMatching(/^page: script-src-elem blocked inline/),
					expect.stringMatching(/^page: script-src-attr blocked inline/)
				])
			);
		expect(await page.evaluate(() => 'injected' in window || '__injected' in window)).toBe(false);
	});

	test('refuses requests to hosts outside the policy, from the page and from the worker', async ({
		page
	}) => {
		const violations = await recordCspViolations(page);
		const worker = page.waitForEvent('worker');
		await openWithTestModel(page);
		const tryFetch = () =>
			fetch('https://example.org/model.gguf').then(
				() => 'fetched',
				() => 'refused'
			);
		expect(await page.evaluate(tryFetch)).toBe('refused');
		expect(await (await worker).evaluate(tryFetch)).toBe('refused');
		await expect
			.poll(() => violations.all())
			.toEqual(
				expect.arrayContaining([
					'page: connect-src blocked https://example.org/model.gguf',
					'worker: connect-src blocked https://example.org/model.gguf'
				])
			);
	});

	test('a custom WebLLM model from a host outside the policy is kept, with a notice', async ({
		page
	}) => {
		await openWithTestModel(page);
		await page.getByText('Add a WebLLM model').click();
		await page.getByTestId('custom-id').fill('Elsewhere-q4f32_1-MLC');
		await page.getByTestId('custom-modelUrl').fill('https://models.example.org/Elsewhere');
		await page.getByTestId('custom-modelLibUrl').fill('https://huggingface.co/libs/Elsewhere.wasm');
		await page.getByRole('button', { name: 'Add' }).click();
		await expect(page.getByTestId('model-select')).toHaveValue('webllm:Elsewhere-q4f32_1-MLC');
		await expect(page.getByTestId('worker-notice')).toHaveText(
			"Elsewhere-q4f32_1-MLC was added, but it will not load here: this app's " +
				'Content-Security-Policy does not allow downloads from models.example.org. Whoever ' +
				'serves the app can allow a host with MODEL_HOSTS (see the README).'
		);
	});

	test('the page carries the policy as a meta for static hosts and as a header', async ({
		page,
		request
	}) => {
		const response = await request.get('/');
		const header = response.headers()['content-security-policy'] ?? '';
		const meta = /<meta http-equiv="content-security-policy" content="([^"]*)"/i.exec(
			await response.text()
		)?.[1];
		for (const policy of [header, meta ?? '']) {
			expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval' 'sha256-");
			expect(policy).toContain('connect-src');
			expect(policy).toContain('https://huggingface.co');
			expect(policy).toContain("object-src 'none'");
			expect(policy).not.toContain("'unsafe-eval'");
		}
		expect(header).toContain("frame-ancestors 'none'");

		// A worker's policy comes from its script's own response headers.
		const worker = page.waitForEvent('worker');
		await openWithTestModel(page);
		const workerHeader =
			(await request.get((await worker).url())).headers()['content-security-policy'] ?? '';
		expect(workerHeader).toContain("script-src 'self' 'wasm-unsafe-eval'");
		expect(workerHeader).toContain("worker-src 'self' blob:");
		expect(workerHeader).toContain('https://raw.githubusercontent.com');
	});
});
