import { readFile, writeFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { openWithTestModel, run } from './fixtures';

/** A large sessions file imports with progress and a Cancel that writes nothing. */

const items = (page: Page) => page.getByTestId('history-item');

async function exportAll(page: Page): Promise<string> {
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByTestId('export-all').click()
	]);
	return readFile(await download.path(), 'utf8');
}

/** The one exported session copied under new ids until the file is about `bytes` long. */
function bigFile(exported: string, bytes: number): { text: string; sessions: number } {
	const file = JSON.parse(exported);
	const [session] = file.sessions;
	const count = Math.ceil(bytes / JSON.stringify(session).length);
	file.sessions = Array.from({ length: count }, (_, i) => ({
		...session,
		id: `imported-${String(i).padStart(5, '0')}`
	}));
	return { text: JSON.stringify(file), sessions: count };
}

/** Records every text the import's progress line shows, however briefly. */
async function watchProgress(page: Page) {
	await page.evaluate(() => {
		const seen: string[] = [];
		Object.assign(window, { __importProgress: seen });
		new MutationObserver(() => {
			const text = document.querySelector('[data-testid="import-progress"] p')?.textContent;
			if (text && seen.at(-1) !== text) seen.push(text);
		}).observe(document.body, { subtree: true, childList: true, characterData: true });
	});
	return () =>
		page.evaluate(() => (window as unknown as { __importProgress: string[] }).__importProgress);
}

async function prepare(page: Page, path: string) {
	await openWithTestModel(page);
	await run(page, { temperature: '1', seed: '4', maxTokens: '20' });
	const before = await exportAll(page);
	const big = bigFile(before, 20_000_000);
	await writeFile(path, big.text);
	return { before, ...big };
}

test('a 20 MB import shows its progress and Cancel stops it with nothing written', async ({
	page
}, testInfo) => {
	test.setTimeout(120_000);
	// Files are read slowly here, as from a slow disk, so there is time to press Cancel.
	await page.addInitScript(() => {
		const stream = Blob.prototype.stream;
		Blob.prototype.stream = function (this: Blob) {
			const reader = stream.call(this).getReader();
			return new ReadableStream({
				async pull(controller) {
					await new Promise((resolve) => setTimeout(resolve, 20));
					const { done, value } = await reader.read();
					if (done) controller.close();
					else controller.enqueue(value);
				},
				cancel: (reason) => reader.cancel(reason)
			});
		};
	});
	const path = testInfo.outputPath('big.json');
	const { before } = await prepare(page, path);
	const progress = await watchProgress(page);
	await page.getByTestId('import-sessions').setInputFiles(path);
	const line = page.getByTestId('import-progress');
	await expect(line).toContainText(/^Reading “big\.json”: [1-9]\d*\.\d MB of 20\.\d MB…/);
	await page.getByTestId('import-cancel').click();
	await expect(page.getByTestId('import-result')).toHaveText(
		/Import of “big\.json” cancelled: nothing was imported\./
	);
	await expect(line).toHaveCount(0);
	expect((await progress())[0]).toMatch(/^Reading “big\.json”: 0\.0 MB of 20\.\d MB…$/);
	await expect(items(page)).toHaveCount(1);
	expect(JSON.parse(await exportAll(page)).sessions).toEqual(JSON.parse(before).sessions);
});

test('a 20 MB import shows reading, checking and storing, then imports every session', async ({
	page
}, testInfo) => {
	test.setTimeout(120_000);
	const path = testInfo.outputPath('big.json');
	const { sessions } = await prepare(page, path);
	const progress = await watchProgress(page);
	await page.getByTestId('import-sessions').setInputFiles(path);
	await expect(page.getByTestId('import-result')).toHaveText(
		new RegExp(`^Imported ${sessions} sessions from “big\\.json”\\.`),
		{ timeout: 60_000 }
	);
	const seen = await progress();
	expect(seen[0]).toMatch(/^Reading “big\.json”: \d+\.\d MB of 20\.\d MB…$/);
	expect(seen).toContain('Checking the sessions in “big.json”…');
	expect(seen.at(-1)).toBe(`Storing ${sessions} sessions from “big.json”…`);
	// The history lists every one (it draws only the rows in view, so the list counts them).
	await expect(page.getByRole('list', { name: 'Saved sessions' })).toHaveAttribute(
		'data-count',
		String(sessions + 1)
	);
	await expect(items(page).first()).toBeVisible();
});
