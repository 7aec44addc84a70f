import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import {
	ORACLE_GREEDY_40,
	blockForeignRequests,
	fillForm,
	openWithTestModel,
	run
} from './fixtures';

const items = (page: Page) => page.getByTestId('history-item');
const output = (page: Page) => page.getByTestId('output');

/** Downloads the whole history through "Export all" and returns the file's text. */
async function exportAll(page: Page): Promise<string> {
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByTestId('export-all').click()
	]);
	expect(download.suggestedFilename()).toMatch(/^sampling-playground-sessions-.*\.json$/);
	return readFile(await download.path(), 'utf8');
}

async function importText(page: Page, name: string, text: string) {
	await page
		.getByTestId('import-sessions')
		.setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
	await expect(page.getByTestId('import-result')).toBeVisible();
}

/** What a stored session shows when reopened, for comparing before and after. */
async function shownRun(page: Page) {
	return {
		text: await output(page).textContent(),
		seed: await page.getByTestId('seed-used').textContent(),
		tokens: await page.getByTestId('token-count').textContent(),
		finish: await page.getByTestId('finish-reason').textContent(),
		ttft: await page.getByTestId('ttft').textContent(),
		prefill: await page.getByTestId('prefill-speed').textContent(),
		decode: await page.getByTestId('decode-speed').textContent(),
		total: await page.getByTestId('total-time').textContent()
	};
}

test('a run survives a page reload mid-generation and is marked interrupted', async ({ page }) => {
	await openWithTestModel(page);
	await fillForm(page, { temperature: '1', seed: '21', maxTokens: '2000', banEos: true });
	await page.getByTestId('generate').click();
	await expect
		.poll(async () => (await output(page).textContent())?.length ?? 0)
		.toBeGreaterThan(20);
	const firstSeen = { at: Date.now(), chars: (await output(page).textContent())?.length ?? 0 };
	await page.waitForTimeout(700);
	const shown = (await output(page).textContent()) ?? '';
	const reloadAt = Date.now();
	await expect(output(page)).toHaveAttribute('data-state', 'running');
	await page.reload();

	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await expect(page.getByTestId('stored-status')).toHaveAttribute('data-status', 'interrupted');
	await expect(items(page)).toHaveCount(1);
	await expect(items(page).first()).toHaveAttribute('data-status', 'interrupted');
	const saved = (await output(page).textContent()) ?? '';
	expect(saved.length).toBeGreaterThan(0);
	// The saved text and the text on screen are one stream: one is a prefix of the other, and
	// the saved one is at most about a second behind what was shown.
	expect(shown.startsWith(saved) || saved.startsWith(shown)).toBe(true);
	const charsPerMs = (shown.length - firstSeen.chars) / (reloadAt - firstSeen.at);
	expect(shown.length - saved.length).toBeLessThanOrEqual(charsPerMs * 1000 + 5);
	await expect(page.getByTestId('seed-used')).toHaveText('21');
	await expect(page.getByTestId('prompt')).toHaveValue('Once upon a time');
});

test('export all, then import into a fresh browser restores the sessions exactly', async ({
	page,
	browser,
	baseURL
}) => {
	await openWithTestModel(page);
	const sampled = await run(page, { temperature: '1', seed: '3', maxTokens: '30' });
	const sampledShown = await shownRun(page);
	await run(page, { prompt: 'The dog', temperature: '0', maxTokens: '40' });
	await expect(items(page)).toHaveCount(2);
	await expect(items(page).first()).toHaveAttribute('data-status', 'done');
	const file = await exportAll(page);

	const fresh = await browser.newContext({ baseURL });
	await blockForeignRequests(fresh, baseURL);
	const other = await fresh.newPage();
	await openWithTestModel(other);
	await expect(items(other)).toHaveCount(0);
	await importText(other, 'sessions.json', file);
	await expect(other.getByTestId('import-result')).toContainText('Imported 2 sessions');
	await expect(items(other)).toHaveCount(2);
	await expect(other.getByTestId('history-name')).toHaveText([/^The dog/, /^Once upon a time/]);

	await items(other).nth(1).getByTestId('history-open').click();
	await expect(other.getByTestId('stored-status')).toHaveAttribute('data-status', 'done');
	expect(await shownRun(other)).toEqual(sampledShown);
	expect(sampledShown.text).toBe(sampled.text);
	await expect(other.getByTestId('prompt')).toHaveValue('Once upon a time');
	await expect(other.getByTestId('seed')).toHaveValue('3');

	// Importing the same file again adds nothing.
	await importText(other, 'sessions.json', file);
	await expect(other.getByTestId('import-result')).toContainText(
		'skipped 2 already in the history'
	);
	await expect(items(other)).toHaveCount(2);
	await fresh.close();
});

test('importing a broken file changes nothing and says why', async ({ page }) => {
	await openWithTestModel(page);
	await run(page, { temperature: '1', seed: '4', maxTokens: '20' });
	const before = await exportAll(page);
	const sessionsOf = (text: string) => JSON.parse(text).sessions;

	await importText(page, 'broken.json', '{ "format": "sampling-playground-sessions", ');
	await expect(page.getByTestId('import-result')).toContainText(
		'Nothing was imported from “broken.json”: 1 problem found.'
	);
	await expect(page.getByTestId('import-errors')).toContainText('The file is not valid JSON');

	// A valid new session beside a bad one: the good one is not imported either.
	const edited = JSON.parse(before);
	const good = { ...structuredClone(edited.sessions[0]), id: 'another-session' };
	edited.sessions[0].experiment.params.topP = 3;
	edited.sessions[0].runs[0].status = 'finished';
	edited.sessions.push(good);
	await importText(page, 'edited.json', JSON.stringify(edited));
	await expect(page.getByTestId('import-result')).toContainText('2 problems found');
	await expect(page.getByTestId('import-errors').locator('li')).toHaveText([
		'sessions[0].experiment.params.topP: must be a number in (0, 1], got 3',
		'sessions[0].runs[0].status: must be one of "running", "done", "stopped", "failed", "interrupted", got "finished"'
	]);

	await expect(items(page)).toHaveCount(1);
	expect(sessionsOf(await exportAll(page))).toEqual(sessionsOf(before));
});

test('sessions can be renamed, searched, deleted and restored', async ({ page }) => {
	await openWithTestModel(page);
	await run(page, { temperature: '0', maxTokens: '40' });
	const dog = await run(page, { prompt: 'The dog', temperature: '1', seed: '9', maxTokens: '30' });
	await expect(items(page)).toHaveCount(2);
	const first = items(page).nth(1);

	// Esc cancels a rename; Enter saves it.
	await first.getByTestId('history-rename').click();
	await first.getByTestId('history-rename-input').fill('Never saved');
	await first.getByTestId('history-rename-input').press('Escape');
	await expect(first.getByTestId('history-name')).toHaveText(/^Once upon a time/);
	await first.getByTestId('history-rename').click();
	await first.getByTestId('history-rename-input').fill('Lily in the park');
	await first.getByTestId('history-rename-input').press('Enter');
	await expect(first.getByTestId('history-name')).toHaveText('Lily in the park');

	const search = page.getByTestId('history-search');
	await search.fill('LILY park');
	await expect(page.getByTestId('history-name')).toHaveText(['Lily in the park']);
	// The output text is searched too.
	const firstSession = `Lily in the park Once upon a time ${ORACLE_GREEDY_40}`.toLowerCase();
	const word = dog.text
		.split(/\W+/)
		.find((w) => w.length > 3 && !firstSession.includes(w.toLowerCase()));
	expect(word).toBeTruthy();
	await search.fill(word ?? '');
	await expect(page.getByTestId('history-name')).toHaveText([/^The dog/]);
	await search.fill('no such words here');
	await expect(page.getByTestId('history-empty')).toHaveText('No session matches the search.');
	await search.fill('');
	await expect(items(page)).toHaveCount(2);

	await page.reload();
	await expect(page.getByTestId('history-name')).toHaveText([/^The dog/, 'Lily in the park']);

	await items(page).nth(1).getByTestId('history-delete').click();
	await expect(items(page)).toHaveCount(1);
	await page.getByTestId('history-undo').click();
	await expect(page.getByTestId('history-name')).toHaveText([/^The dog/, 'Lily in the park']);
	await items(page).nth(1).getByTestId('history-delete').click();
	await expect(items(page)).toHaveCount(1);
	await page.reload();
	await expect(page.getByTestId('history-name')).toHaveText([/^The dog/]);
});

test('a compare run is saved and reopens with its lanes', async ({ page }) => {
	await openWithTestModel(page);
	await fillForm(page, { temperature: '1', maxTokens: '20' });
	await page.getByTestId('tab-compare').click();
	await page.getByTestId('sweep-param').selectOption('seed');
	await page.getByTestId('sweep-values').fill('1, 2');
	await page.getByTestId('run-lanes').click();
	await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });
	const lanes = page.getByTestId('lane');
	const laneState = () =>
		lanes.evaluateAll((ls) =>
			ls.map((l) => [l.getAttribute('data-status'), l.getAttribute('data-text')])
		);
	const ran = await laneState();
	expect(ran.map(([status]) => status)).toEqual(['done', 'done']);
	await expect(items(page).first()).toHaveAttribute('data-kind', 'compare');
	await expect(items(page).first()).toHaveAttribute('data-status', 'done');

	await page.getByTestId('tab-single').click();
	await run(page, { temperature: '0', maxTokens: '10' });
	await expect(items(page)).toHaveCount(2);

	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await items(page).nth(1).getByTestId('history-open').click();
	await expect(page.getByTestId('tab-compare')).toHaveAttribute('aria-selected', 'true');
	await expect(lanes).toHaveCount(2);
	expect(await laneState()).toEqual(ran);
	await expect(page.getByTestId('lane-label')).toHaveText(['seed 1', 'seed 2']);
	await expect(page.getByTestId('sweep-values')).toHaveValue('1, 2');
	await expect(page.getByTestId('temperature')).toHaveValue('1');
});

test('a file above the import limit is refused at once with its size and the limit', async ({
	page
}) => {
	await openWithTestModel(page);
	await run(page, { temperature: '1', seed: '4', maxTokens: '20' });
	const before = await exportAll(page);
	const huge = JSON.parse(before);
	huge.sessions[0].experiment.input.prompt = 'a'.repeat(50_000_000);
	await importText(page, 'huge.json', JSON.stringify(huge));
	await expect(page.getByTestId('import-result')).toContainText(
		/^Nothing was imported from “huge\.json”: it is 50\.\d MB; the history imports files of up to 32 MB\./,
		{ timeout: 5_000 }
	);
	await expect(items(page)).toHaveCount(1);
	expect(JSON.parse(await exportAll(page)).sessions).toEqual(JSON.parse(before).sessions);
});
