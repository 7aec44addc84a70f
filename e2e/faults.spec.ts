import { expect, test, type Page } from '@playwright/test';
import { fillForm, openWithTestModel } from './fixtures';

/** What the simulated crash reports as its reason (see the worker's `simulateCrash`). */
const CRASH_REASON = 'Simulated inference worker crash';

interface StoredRun {
	status: string;
	error: string | null;
}

/** Every stored session's kind and runs, newest first, read straight from IndexedDB. */
async function storedSessions(page: Page): Promise<{ kind: string; runs: StoredRun[] }[]> {
	return page.evaluate(
		() =>
			new Promise((resolve, reject) => {
				const open = indexedDB.open('sampling-playground');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const request = open.result.transaction('sessions').objectStore('sessions').getAll();
					request.onerror = () => reject(request.error);
					request.onsuccess = () => {
						const records = request.result as {
							kind: string;
							updatedAt: number;
							runs: StoredRun[];
						}[];
						open.result.close();
						resolve(records.sort((a, b) => b.updatedAt - a.updatedAt));
					};
				};
			})
	);
}

async function waitForModel(page: Page) {
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
}

test('a crash mid-compare fails the lanes with its reason, in one banner, and lanes run again', async ({
	page
}) => {
	await openWithTestModel(page, '?testHooks');
	await fillForm(page, { temperature: '1', maxTokens: '2000', banEos: true });
	await page.getByTestId('tab-compare').click();
	await page.getByTestId('sweep-param').selectOption('seed');
	// Eight long lanes, so the crash lands while lanes remain even on a fast machine.
	await page.getByTestId('sweep-values').fill('1, 2, 3, 4, 5, 6, 7, 8');
	await page.getByTestId('run-lanes').click();
	await expect
		.poll(async () => Number(await page.getByTestId('lane-tokens').first().textContent()))
		.toBeGreaterThan(5);
	await page.getByTestId('crash').click();
	await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });

	// Lanes that ended before the crash keep their result; every other lane failed, saying why.
	const lanes = page.getByTestId('lane');
	await expect(lanes).toHaveCount(8);
	const statuses = await lanes.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-status')));
	const failed = statuses.indexOf('failed');
	expect(failed).toBeGreaterThanOrEqual(0);
	expect(statuses).toEqual([...Array(failed).fill('done'), ...Array(8 - failed).fill('failed')]);
	await expect(page.getByTestId('lane-error')).toHaveCount(8 - failed);
	for (const error of await page.getByTestId('lane-error').allTextContents()) {
		expect(error).toContain(CRASH_REASON);
	}
	// One banner: what happened and what the app does about it; no second, contradicting one.
	const notice = page.getByTestId('worker-notice');
	await expect(notice).toContainText('crashed during the compare');
	await expect(notice).toContainText(CRASH_REASON);
	await expect(notice).toContainText('loading again');
	await expect(page.getByTestId('error')).toHaveCount(0);
	await expect(page.getByTestId('compare-error')).toHaveCount(0);

	const [compare] = await storedSessions(page);
	expect(compare.kind).toBe('compare');
	expect(compare.runs.map((run) => run.status)).toEqual(statuses);
	for (const run of compare.runs.slice(failed)) expect(run.error).toContain(CRASH_REASON);

	await waitForModel(page);
	await expect(page.getByTestId('error')).toHaveCount(0);
	await fillForm(page, { temperature: '1', maxTokens: '20' });
	await page.getByTestId('sweep-values').fill('1, 2');
	await page.getByTestId('run-lanes').click();
	await expect(lanes).toHaveCount(2);
	await expect(lanes.first()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
	await expect(lanes.nth(1)).toHaveAttribute('data-status', 'done');
	await expect(page.getByTestId('lane-error')).toHaveCount(0);
});

test('a crash mid-run fails the run with its reason and shows one banner', async ({ page }) => {
	await openWithTestModel(page, '?testHooks');
	await fillForm(page, { temperature: '1', seed: '4', maxTokens: '4000', banEos: true });
	await page.getByTestId('generate').click();
	// Polled often, so the crash lands early in a run that lasts about 2,000 tokens.
	await expect
		.poll(async () => (await page.getByTestId('output').textContent())?.length ?? 0, {
			intervals: [20]
		})
		.toBeGreaterThan(20);
	await page.getByTestId('crash').click();
	await expect(page.getByTestId('output')).toHaveAttribute('data-state', 'idle');

	const notice = page.getByTestId('worker-notice');
	await expect(notice).toContainText('crashed during the run');
	await expect(notice).toContainText(CRASH_REASON);
	await expect(page.getByTestId('error')).toHaveCount(0);
	await waitForModel(page);
	await expect(page.getByTestId('error')).toHaveCount(0);
	await expect(notice).toHaveCount(1);

	const [single] = await storedSessions(page);
	expect(single.kind).toBe('single');
	expect(single.runs[0].status).toBe('failed');
	expect(single.runs[0].error).toContain(CRASH_REASON);

	await fillForm(page, { temperature: '0', maxTokens: '20' });
	await page.getByTestId('generate').click();
	await expect(page.getByTestId('finish-reason')).toHaveText('max-tokens', { timeout: 30_000 });
});

/**
 * Makes IndexedDB refuse, as a full quota does, the session writes `refuse` picks (by their
 * 0-based number). Other stores are untouched.
 */
async function refuseSessionWrites(page: Page, refuse: 'first' | 'all') {
	await page.addInitScript((mode) => {
		const put = IDBObjectStore.prototype.put;
		let writes = 0;
		IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args) {
			if (this.name === 'sessions' && (mode === 'all' || writes++ === 0)) {
				throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
			}
			return put.apply(this, args);
		} as typeof put;
	}, refuse);
}

test('a run whose later writes succeed is not reported unsaved, and is there after a reload', async ({
	page
}) => {
	await refuseSessionWrites(page, 'first');
	await openWithTestModel(page);
	await fillForm(page, { temperature: '0', maxTokens: '40' });
	await page.getByTestId('generate').click();
	await expect(page.getByTestId('finish-reason')).toHaveText('max-tokens', { timeout: 30_000 });
	await expect.poll(async () => (await storedSessions(page)).length).toBe(1);
	await expect(page.getByTestId('worker-notice')).toHaveCount(0);
	await page.reload();
	await waitForModel(page);
	await expect(page.getByTestId('history-item')).toHaveCount(1);
});

test('a run whose writes all fail is reported unsaved', async ({ page }) => {
	await refuseSessionWrites(page, 'all');
	await openWithTestModel(page);
	await fillForm(page, { temperature: '0', maxTokens: '40' });
	await page.getByTestId('generate').click();
	await expect(page.getByTestId('finish-reason')).toHaveText('max-tokens', { timeout: 30_000 });
	await expect(page.getByTestId('worker-notice')).toContainText('could not be saved');
	await expect(page.getByTestId('worker-notice')).toContainText('quota');
	expect(await storedSessions(page)).toEqual([]);
});
