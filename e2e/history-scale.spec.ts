import { expect, test, type Page } from '@playwright/test';
import { openWithTestModel, run } from './fixtures';

/**
 * A long history: thousands of sessions (added through the page's test hook, which uses the
 * session store) are listed after a reload with only the rows in view drawn; search finds a
 * session by name at once and by output as it reads them; one opens and one is deleted. Timing
 * is the bench's business (bench/history.bench.ts), not this test's.
 */

const SEEDED = 2_000;
const items = (page: Page) => page.getByTestId('history-item');
const list = (page: Page) => page.getByRole('list', { name: 'Saved sessions' });

function seed(page: Page, count: number): Promise<number> {
	return page.evaluate(
		(count) =>
			(
				window as unknown as {
					__playground: { seedHistory: (o: { count: number }) => Promise<number> };
				}
			).__playground.seedHistory({ count }),
		count
	);
}

test('thousands of sessions: listed virtualized, searched, opened and deleted', async ({
	page
}) => {
	test.setTimeout(120_000);
	await openWithTestModel(page, '?testHooks');
	// A real run, newest of all: its output has words no seeded session has ("outside").
	await run(page, { maxTokens: '40' });
	expect(await seed(page, SEEDED)).toBe(SEEDED);
	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await expect(page.getByTestId('generate')).toBeEnabled();

	await expect(list(page)).toHaveAttribute('data-count', String(SEEDED + 1));
	await expect(items(page).first().getByTestId('history-name')).toHaveText(/^Once upon a time/);
	const drawn = await items(page).count();
	expect(drawn).toBeGreaterThan(0);
	expect(drawn).toBeLessThan(60);

	// Scrolled to its end, the list draws the oldest session.
	await list(page).evaluate((ul) => ul.scrollTo({ top: ul.scrollHeight }));
	await expect(
		page.locator(`[data-testid="history-item"][data-session-id="seeded-${SEEDED - 1}"]`)
	).toBeVisible();
	expect(await items(page).count()).toBeLessThan(60);

	// By name (the index): at once.
	const search = page.getByTestId('history-search');
	await search.fill('story 1500:');
	await expect(page.getByTestId('history-name')).toHaveText([/^Story 1500:/]);
	// By output (the records, read in the background): once the scan reaches it.
	await search.fill('outside');
	await expect(page.getByTestId('history-name')).toHaveText([/^Once upon a time/], {
		timeout: 30_000
	});
	await expect(page.getByTestId('history-searching')).toHaveCount(0, { timeout: 30_000 });
	await expect(page.getByTestId('history-name')).toHaveText([/^Once upon a time/]);

	// Open one, then delete it.
	await search.fill('story 1500:');
	const found = items(page).first();
	await found.getByTestId('history-open').click();
	await expect(page.getByTestId('prompt')).toHaveValue(/^Story 1500:/);
	await found.getByTestId('history-delete').click();
	await expect(page.getByTestId('history-empty')).toHaveText('No session matches the search.');
	await search.fill('');
	await expect(list(page)).toHaveAttribute('data-count', String(SEEDED));
	await page.reload();
	await expect(list(page)).toHaveAttribute('data-count', String(SEEDED), { timeout: 30_000 });
});
