import { expect, test, type Page } from '@playwright/test';
import { openWithTestModel, run } from './fixtures';

const items = (page: Page) => page.getByTestId('history-item');

test('a blocked upgrade says to close the other tabs and goes on once they close', async ({
	context
}) => {
	// Tab A holds the database at version 1, as a tab of an older release would, and ignores
	// `versionchange`; it opens a page of the app's origin that does not open the database itself.
	const older = await context.newPage();
	await older.goto('/models/');
	await older.evaluate(
		() =>
			new Promise<void>((resolve, reject) => {
				const request = indexedDB.open('sampling-playground', 1);
				request.onsuccess = () => {
					Object.assign(window, { __olderDb: request.result });
					resolve();
				};
				request.onerror = () => reject(request.error);
			})
	);

	const page = await context.newPage();
	await page.goto('/');
	await expect(page.getByTestId('worker-notice')).toContainText(
		'close the other Sampling Playground tabs',
		{ timeout: 15_000 }
	);

	await older.evaluate(() => (window as unknown as { __olderDb: IDBDatabase }).__olderDb.close());
	await expect(page.getByTestId('worker-notice')).toHaveCount(0, { timeout: 15_000 });
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await run(page, { maxTokens: '5' });
	await expect(items(page)).toHaveCount(1);
});

test('a tab whose database another tab upgrades closes it and offers a reload', async ({
	context
}) => {
	const page = await openTab(context.newPage());
	await expect(page.getByTestId('history')).toBeVisible();
	// A newer release in another tab opens the database at a higher version.
	const newer = await context.newPage();
	await newer.goto('/models/');
	const opened = newer.evaluate(
		() =>
			new Promise<number>((resolve, reject) => {
				const request = indexedDB.open('sampling-playground', 1000);
				request.onsuccess = () => resolve(request.result.version);
				request.onerror = () => reject(request.error);
			})
	);
	// The newer tab is not blocked: this one closed its connection.
	expect(await opened).toBe(1000);
	await expect(page.getByTestId('error')).toContainText('reload', { timeout: 15_000 });
	await expect(page.getByRole('button', { name: 'Reload the page' })).toBeVisible();
});

test('a run in one tab appears in the history of another without a reload', async ({ context }) => {
	const first = await openTab(context.newPage());
	const second = await openTab(context.newPage());
	await expect(items(second)).toHaveCount(0);

	await run(first, { prompt: 'Once upon a time in tab one', maxTokens: '5' });
	await expect(items(first)).toHaveCount(1);
	await expect(items(second)).toHaveCount(1);
	await expect(items(second).first()).toHaveAttribute('data-status', 'done');
	const name = await items(first).first().getByTestId('history-name').textContent();
	await expect(items(second).first()).toContainText(name ?? '');

	// Deleting it in the second tab removes it from the first.
	await items(second).first().getByTestId('history-delete').click();
	await expect(items(second)).toHaveCount(0);
	await expect(items(first)).toHaveCount(0);
});

async function openTab(opening: Promise<Page>): Promise<Page> {
	const page = await opening;
	await openWithTestModel(page);
	return page;
}
