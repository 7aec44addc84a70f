import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { openWithTestModel, run } from './fixtures';

/**
 * Sessions the app cannot show: an imported file with a date past what a Date holds is refused,
 * and records put into IndexedDB by something else (a newer or broken version) are listed as
 * damaged items, each exportable and deletable alone, while the page keeps working.
 */

const items = (page: Page) => page.getByTestId('history-item');
const item = (page: Page, id: string) =>
	page.locator(`[data-testid="history-item"][data-session-id="${id}"]`);
const PAST_THE_DATES = 8_640_000_000_000_001;

/** Every stored session record, as IndexedDB holds it. */
function storedRecords(page: Page): Promise<Record<string, unknown>[]> {
	return page.evaluate(
		() =>
			new Promise<Record<string, unknown>[]>((resolve, reject) => {
				const open = indexedDB.open('sampling-playground');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const request = open.result.transaction('sessions').objectStore('sessions').getAll();
					request.onsuccess = () => {
						open.result.close();
						resolve(request.result);
					};
					request.onerror = () => reject(request.error);
				};
			})
	);
}

/** Puts `records` into the sessions store as they are, as another program could. */
function putRecords(page: Page, records: unknown[]): Promise<void> {
	return page.evaluate(
		(records) =>
			new Promise<void>((resolve, reject) => {
				const open = indexedDB.open('sampling-playground');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const tx = open.result.transaction('sessions', 'readwrite');
					for (const record of records) tx.objectStore('sessions').put(record);
					tx.oncomplete = () => {
						open.result.close();
						resolve();
					};
					tx.onerror = () => reject(tx.error);
				};
			}),
		records
	);
}

async function expectControls(page: Page) {
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await expect(page.getByTestId('generate')).toBeEnabled();
	await expect(page.getByTestId('prompt')).toBeVisible();
}

test('a session file dated past what a Date holds is refused, naming the field', async ({
	page
}) => {
	await openWithTestModel(page);
	await run(page, { maxTokens: '5' });
	await expect(items(page)).toHaveCount(1);
	const [good] = await storedRecords(page);
	const file = {
		format: 'sampling-playground-sessions',
		version: 1,
		exportedAt: new Date().toISOString(),
		sessions: [{ ...good, id: 'far-future', createdAt: PAST_THE_DATES, updatedAt: PAST_THE_DATES }]
	};
	await page.getByTestId('import-sessions').setInputFiles({
		name: 'far-future.json',
		mimeType: 'application/json',
		buffer: Buffer.from(JSON.stringify(file))
	});
	await expect(page.getByTestId('import-result')).toContainText(
		'Nothing was imported from “far-future.json”'
	);
	await expect(page.getByTestId('import-errors')).toContainText(
		'sessions[0].createdAt: must be an integer in [0, 8640000000000000], got 8640000000000001'
	);
	expect(await storedRecords(page)).toHaveLength(1);
	await page.reload();
	await expectControls(page);
	await expect(items(page)).toHaveCount(1);
});

test('damaged records stored directly are listed, exported and deleted alone; the page works', async ({
	page
}) => {
	await openWithTestModel(page);
	await run(page, { maxTokens: '5' });
	const [good] = await storedRecords(page);
	await putRecords(page, [
		{ ...good, id: 'bad-date', createdAt: PAST_THE_DATES, updatedAt: PAST_THE_DATES },
		{ id: 'stray', hello: 'from a newer version' }
	]);
	await page.reload();
	await expectControls(page);

	await expect(items(page)).toHaveCount(3);
	await expect(page.getByTestId('history-error')).toHaveCount(0);
	const badDate = item(page, 'bad-date');
	await expect(badDate).toHaveAttribute('data-status', 'damaged');
	await expect(badDate.getByTestId('damaged-id')).toHaveText('bad-date');
	await expect(badDate.getByTestId('damaged-problems')).toContainText(
		'createdAt: must be an integer in [0, 8640000000000000], got 8640000000000001'
	);
	const stray = item(page, 'stray');
	await expect(stray.getByTestId('damaged-problems')).toContainText(
		'hello: is not a known field (remove it)'
	);
	await expect(item(page, String(good.id))).toHaveAttribute('data-status', 'done');

	const [download] = await Promise.all([
		page.waitForEvent('download'),
		badDate.getByTestId('export-session').click()
	]);
	expect(download.suggestedFilename()).toBe('damaged-session-bad-date.json');
	const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
	// Formats 2 and 3 write a run's tokens as token data: "AgAA" is a chunk (codec version 2) of
	// no tokens, as the copied head holds none (its tokens are stored apart, under the sound
	// session's id).
	expect(exported.version).toBe(3);
	expect(exported.sessions).toEqual([
		{
			...good,
			id: 'bad-date',
			createdAt: PAST_THE_DATES,
			updatedAt: PAST_THE_DATES,
			runs: (good.runs as Record<string, unknown>[]).map((r) => ({ ...r, tokens: 'AgAA' }))
		}
	]);

	await stray.getByTestId('history-delete').click();
	await expect(items(page)).toHaveCount(2);
	await page.reload();
	await expectControls(page);
	await expect(items(page)).toHaveCount(2);
	expect((await storedRecords(page)).map((r) => r.id).sort()).toEqual(
		['bad-date', String(good.id)].sort()
	);

	// The sound session still opens, and a run still goes into the history.
	await item(page, String(good.id)).getByTestId('history-open').click();
	await expect(page.getByTestId('stored-status')).toHaveAttribute('data-status', 'done');
	await run(page, { maxTokens: '3' });
	await expect(items(page)).toHaveCount(3);
});
