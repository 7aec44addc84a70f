import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { blockForeignRequests, openWithTestModel, run } from './fixtures';

/**
 * Sessions stored compactly and incrementally: every token of a long traced run keeps its trace
 * through a reload and an export → import, in at most 1 KB a traced token.
 */

const TOKENS = 400;

/** What IndexedDB holds of the session's tokens: its chunks and its head's inline tokens. */
function storedTokens(page: Page) {
	return page.evaluate(
		() =>
			new Promise<{ chunks: number; tokens: number; bytes: number; inline: number }>(
				(resolve, reject) => {
					const open = indexedDB.open('sampling-playground');
					open.onerror = () => reject(open.error);
					open.onsuccess = () => {
						const db = open.result;
						const tx = db.transaction(['runTokens', 'sessions']);
						const chunks = tx.objectStore('runTokens').getAll();
						const heads = tx.objectStore('sessions').getAll();
						tx.oncomplete = () => {
							const all = chunks.result as { count: number; bytes: ArrayBuffer }[];
							const sessions = heads.result as { runs: { tokens: unknown[] }[] }[];
							resolve({
								chunks: all.length,
								tokens: all.reduce((n, c) => n + c.count, 0),
								bytes: all.reduce((n, c) => n + c.bytes.byteLength, 0),
								inline: sessions.reduce(
									(n, s) => n + s.runs.reduce((m, r) => m + r.tokens.length, 0),
									0
								)
							});
							db.close();
						};
					};
				}
			)
	);
}

/** The explanation of token `index`: its heading and its draw. */
async function why(page: Page, index: number) {
	await page.getByTestId('token').nth(index).click();
	await expect(
		page.getByRole('heading', { name: new RegExp(`at step ${index + 1}\\?`) })
	).toBeVisible();
	return {
		heading: await page.locator('#why-heading').textContent(),
		summary: await page.getByTestId('why-summary').textContent(),
		stages: await page.getByTestId('why-chart').count(),
		removed: await page.getByTestId('why-removed').allTextContents(),
		draw: await page.locator('[data-testid="why-cumulative"] figcaption').textContent()
	};
}

test('a 400-token traced run keeps every trace through a reload and an export → import', async ({
	page,
	browser,
	baseURL
}) => {
	test.setTimeout(120_000);
	await openWithTestModel(page);
	const sampled = await run(page, {
		temperature: '1',
		seed: '17',
		maxTokens: String(TOKENS),
		banEos: true
	});
	expect(sampled.tokens).toBe(TOKENS);
	const live = await why(page, 300);
	expect(live.summary).toMatch(/u = 0\.\d{4}/);

	const stored = await storedTokens(page);
	// Written as it streamed: several chunks, the head without tokens.
	expect(stored.tokens).toBe(TOKENS);
	expect(stored.inline).toBe(0);
	expect(stored.chunks).toBeGreaterThan(1);
	const perToken = stored.bytes / stored.tokens;
	console.info(`stored: ${perToken.toFixed(0)} B a traced token in ${stored.chunks} chunks`);
	expect(perToken).toBeLessThanOrEqual(1024);

	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await expect(page.getByTestId('stored-status')).toHaveAttribute('data-status', 'done');
	await expect(page.getByTestId('token')).toHaveCount(TOKENS);
	// One timeline point per traced token: every token kept its trace.
	await expect(page.getByTestId('timeline-point')).toHaveCount(TOKENS);
	expect(await why(page, 300)).toEqual(live);
	expect((await why(page, TOKENS - 1)).summary).toMatch(/u = 0\.\d{4}/);

	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByTestId('export-all').click()
	]);
	const file = await readFile((await download.path())!, 'utf8');
	const json = JSON.parse(file);
	expect(json.version).toBe(3);
	const packed: string = json.sessions[0].runs[0].tokens;
	const exportedPerToken = packed.length / TOKENS;
	console.info(`export: ${exportedPerToken.toFixed(0)} B a traced token`);
	expect(exportedPerToken).toBeLessThanOrEqual(1024);

	const fresh = await browser.newContext({ baseURL });
	await blockForeignRequests(fresh, baseURL);
	const other = await fresh.newPage();
	await openWithTestModel(other);
	await other.getByTestId('import-sessions').setInputFiles({
		name: 'sessions.json',
		mimeType: 'application/json',
		buffer: Buffer.from(file)
	});
	await expect(other.getByTestId('import-result')).toContainText('Imported 1 session');
	await other.getByTestId('history-item').first().getByTestId('history-open').click();
	await expect(other.getByTestId('token')).toHaveCount(TOKENS);
	await expect(other.getByTestId('timeline-point')).toHaveCount(TOKENS);
	expect(await why(other, 300)).toEqual(live);
	await fresh.close();
});
