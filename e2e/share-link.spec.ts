import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { ORACLE_GREEDY_40, fillForm, openWithTestModel, run } from './fixtures';

/** Copies the share link with the button and returns it (the field and the clipboard agree). */
async function copyShareLink(page: Page): Promise<string> {
	await page.getByTestId('share-link').click();
	await expect(page.getByTestId('share-status')).toHaveText('Copied to the clipboard.');
	const url = await page.getByTestId('share-url').inputValue();
	expect(url).toMatch(/^http:\/\/[^#?]+\/#x=[\w-]+$/);
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
	return url;
}

/** Opens `url` in a new browser context: no storage, no history, no service worker shared. */
async function openInNewContext(browser: Browser, url: string): Promise<Page> {
	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto(url);
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	return page;
}

/** Runs what the page shows, without touching any field. */
async function generate(page: Page) {
	await page.getByTestId('generate').click();
	await expect(page.getByTestId('finish-reason')).not.toBeEmpty({ timeout: 30_000 });
	await expect(page.getByTestId('output')).toHaveAttribute('data-state', 'idle');
	return {
		text: await page.getByTestId('output').textContent(),
		finishReason: await page.getByTestId('finish-reason').textContent()
	};
}

const stageOrder = (page: Page) => page.getByTestId('stage-order').locator('li').allTextContents();

async function runLanes(page: Page) {
	await page.getByTestId('run-lanes').click();
	await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });
	return page
		.getByTestId('lane')
		.evaluateAll((lanes) => lanes.map((l) => l.getAttribute('data-text') ?? ''));
}

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test('a share link opened in a new browser restores every setting and gives the same text', async ({
	page,
	browser
}) => {
	await openWithTestModel(page);
	await page.getByTestId('topK').fill('5');
	await page.getByRole('button', { name: 'Move Top-k earlier' }).click();
	await page.getByTestId('stop-sequences').fill('zebra\nThe end');
	const original = await run(page, {
		prompt: 'The little dog',
		temperature: '1',
		seed: '1234',
		maxTokens: '50',
		banEos: true
	});
	expect(original.text.length).toBeGreaterThan(0);
	const order = await stageOrder(page);
	expect(order[3]).toContain('Top-k');
	const url = await copyShareLink(page);

	const opened = await openInNewContext(browser, url);
	// The link was read; a reload keeps later edits instead of opening it again.
	await expect(opened).toHaveURL(url.replace(/#.*$/, ''));
	await expect(opened.getByTestId('prompt')).toHaveValue('The little dog');
	await expect(opened.getByTestId('temperature')).toHaveValue('1');
	await expect(opened.getByTestId('topK')).toHaveValue('5');
	await expect(opened.getByTestId('seed')).toHaveValue('1234');
	await expect(opened.getByTestId('max-tokens')).toHaveValue('50');
	await expect(opened.getByTestId('stop-sequences')).toHaveValue('zebra\nThe end');
	await expect(opened.getByTestId('ban-eos')).toBeChecked();
	expect(await stageOrder(opened)).toEqual(order);
	await expect(opened.getByTestId('model-select')).toHaveValue('stories260k');
	await expect(opened.getByTestId('tab-single')).toHaveAttribute('aria-selected', 'true');
	// Ready to run, not run.
	await expect(opened.getByTestId('output')).toBeEmpty();

	const again = await generate(opened);
	expect(again.text).toBe(original.text);
	expect(again.finishReason).toBe(original.finishReason);
	await opened.context().close();
});

test('a link made from a run on wllama opens on wllama and gives the same text', async ({
	page,
	browser
}) => {
	await openWithTestModel(page, '?cpuEngine=wllama');
	await expect(page.getByTestId('model-status')).toContainText('wllama');
	const original = await run(page, { temperature: '1', seed: '77', maxTokens: '30' });
	const url = await copyShareLink(page);

	// The new browser's CPU engine is ours by default; the link picks wllama.
	const opened = await openInNewContext(browser, url);
	await expect(opened.getByTestId('model-status')).toContainText('wllama');
	await expect(opened.getByTestId('cpu-engine')).toHaveValue('wllama');
	expect((await generate(opened)).text).toBe(original.text);
	await opened.context().close();
});

test('a random seed is shared as the seed the last run used', async ({ page, browser }) => {
	await openWithTestModel(page);
	const original = await run(page, { temperature: '1', seed: '', maxTokens: '30' });
	await page.getByTestId('share-link').click();
	await expect(page.getByTestId('share-note')).toHaveText(
		`The link fixes seed ${original.seed}, the seed of the last run.`
	);
	const url = await page.getByTestId('share-url').inputValue();
	await page.getByTestId('temperature').fill('0.5');
	await expect(page.getByTestId('share-status')).toContainText('The page has changed since');
	// A link pasted into the address bar of the open app is opened too.
	await page.evaluate((link) => (location.hash = new URL(link).hash), url);
	await expect(page.getByTestId('temperature')).toHaveValue('1');
	await expect(page.getByTestId('seed')).toHaveValue(original.seed ?? '');
	await expect(page).toHaveURL(url.replace(/#.*$/, ''));

	const opened = await openInNewContext(browser, url);
	await expect(opened.getByTestId('seed')).toHaveValue(original.seed ?? '');
	expect((await generate(opened)).text).toBe(original.text);
	await opened.context().close();
});

test('a compare share link restores the lanes and reproduces their texts', async ({
	page,
	browser
}) => {
	await openWithTestModel(page, '?view=compare');
	await fillForm(page, { temperature: '1', maxTokens: '30' });
	await page.getByTestId('sweep-param').selectOption('seed');
	await page.getByTestId('sweep-values').fill('3, 4, 5');
	await page.getByTestId('sweep-second').check();
	await page.getByTestId('sweep-param-2').selectOption('topK');
	await page.getByTestId('sweep-values-2').fill('2, 40');
	const texts = await runLanes(page);
	expect(texts).toHaveLength(6);
	const url = await copyShareLink(page);

	const opened = await openInNewContext(browser, url);
	await expect(opened.getByTestId('tab-compare')).toHaveAttribute('aria-selected', 'true');
	await expect(opened.getByTestId('sweep-param')).toHaveValue('seed');
	await expect(opened.getByTestId('sweep-values')).toHaveValue('3, 4, 5');
	await expect(opened.getByTestId('sweep-second')).toBeChecked();
	await expect(opened.getByTestId('sweep-param-2')).toHaveValue('topK');
	await expect(opened.getByTestId('sweep-values-2')).toHaveValue('2, 40');
	await expect(opened.getByTestId('lane')).toHaveCount(0);
	expect(await runLanes(opened)).toEqual(texts);
	await opened.context().close();
});

test('a damaged or cut link says what is wrong and leaves the default page working', async ({
	page,
	browser
}) => {
	await openWithTestModel(page);
	await page.getByTestId('prompt').fill('A shared prompt');
	const url = await copyShareLink(page);
	const cut = url.slice(0, url.indexOf('#x=') + 3 + 8);

	for (const [link, problem] of [
		[cut, 'it is damaged or cut short'],
		[url.replace('#x=', '#x=$$'), 'it is damaged (its data may only hold letters, digits, - and _']
	]) {
		const opened = await openInNewContext(browser, link);
		const error = opened.getByTestId('error');
		await expect(error).toContainText(`This share link cannot be opened: ${problem}`);
		await expect(error).toContainText('Nothing on the page was changed.');
		await expect(opened.getByTestId('prompt')).toHaveValue('Once upon a time');
		const result = await run(opened, { temperature: '0', maxTokens: '40' });
		expect(result.text).toBe(ORACLE_GREEDY_40);
		await opened.context().close();
	}
});

/** A link of format 1 (no checksum) to the app at `base`, as links made before format 2 were. */
function formatOneLink(base: string, compact: Record<string, unknown>): string {
	const data = deflateRawSync(Buffer.from(JSON.stringify({ v: 1, ...compact }))).toString(
		'base64url'
	);
	return `${base}/#x=${data}`;
}

/** Opens `link` in a new browser context and waits until the link's model is loaded. */
async function openLink(browser: Browser, baseURL: string | undefined, link: string) {
	const opened = await openInNewContext(browser, link);
	await expect(opened).toHaveURL(`${baseURL}/`);
	return opened;
}

test('an old (format 1) link whose top-k exceeds the vocabulary says so on opening, and the field shows the remedy', async ({
	browser,
	baseURL
}) => {
	const opened = await openLink(
		browser,
		baseURL,
		formatOneLink(baseURL ?? '', { m: 'stories260k', s: { topK: 1e20 } })
	);
	const notice = opened.getByTestId('worker-notice');
	await expect(notice).toContainText('Top-k 100000000000000000000');
	await expect(notice).toContainText('512');
	// Not changed silently: the field keeps the link's value and says what it may hold.
	await expect(opened.getByTestId('topK')).toHaveValue('100000000000000000000');
	await expect(opened.getByTestId('topK-error')).toContainText('in [0, 512]');
	await opened.getByTestId('topK').fill('0');
	await expect(opened.getByTestId('topK-error')).toHaveCount(0);
	expect((await generate(opened)).text?.length).toBeGreaterThan(0);
	await opened.context().close();
});

test('a link biasing token ids beyond the vocabulary says which were dropped, and runs', async ({
	browser,
	baseURL
}) => {
	const opened = await openLink(
		browser,
		baseURL,
		formatOneLink(baseURL ?? '', { m: 'stories260k', l: { '600': 5, '70000': -3, '3': 2 } })
	);
	const notice = opened.getByTestId('worker-notice');
	await expect(notice).toContainText('token ids 600, 70000');
	await expect(notice).toContainText('512');
	expect((await generate(opened)).text?.length).toBeGreaterThan(0);
	await expect(opened.getByTestId('error')).toHaveCount(0);
	await opened.context().close();
});

test('a link asking for native sampling on the CPU engine says it runs with exact sampling, and runs', async ({
	browser,
	baseURL
}) => {
	const opened = await openLink(
		browser,
		baseURL,
		formatOneLink(baseURL ?? '', { m: 'stories260k', a: 'native' })
	);
	const notice = opened.getByTestId('worker-notice');
	await expect(notice).toContainText('native sampling');
	await expect(notice).toContainText('exact sampling');
	expect((await generate(opened)).text?.length).toBeGreaterThan(0);
	await expect(opened.getByTestId('error')).toHaveCount(0);
	await opened.context().close();
});

/**
 * The link with one bit of its data flipped such that it still inflates, into the same text
 * with one letter of `inside` changed: the damage deflate alone lets through.
 */
function flipOneLetter(url: string, inside: string): string {
	const at = url.indexOf('#x=') + 3;
	const bytes = Buffer.from(url.slice(at), 'base64url');
	const original = inflateRawSync(bytes).toString('latin1');
	const start = original.indexOf(inside);
	for (let bit = 0; bit < bytes.length * 8; bit++) {
		const flipped = Buffer.from(bytes);
		flipped[bit >> 3] ^= 1 << (bit & 7);
		let text: string;
		try {
			text = inflateRawSync(flipped).toString('latin1');
		} catch {
			continue;
		}
		if (text.length !== original.length) continue;
		const diff = [...text].findIndex((char, i) => char !== original[i]);
		const same = text.slice(diff + 1) === original.slice(diff + 1);
		if (same && diff >= start && diff < start + inside.length && /[a-z]/.test(text[diff])) {
			return url.slice(0, at) + flipped.toString('base64url');
		}
	}
	throw new Error('no bit flip keeps the link readable');
}

test('a link with a flipped bit is refused by its checksum and changes nothing', async ({
	page,
	browser
}) => {
	await openWithTestModel(page);
	const prompt = 'the little dog ran after the big red ball';
	await page.getByTestId('prompt').fill(prompt);
	const url = await copyShareLink(page);
	const damaged = flipOneLetter(url, prompt);

	const opened = await openInNewContext(browser, damaged);
	const error = opened.getByTestId('error');
	await expect(error).toContainText('This share link cannot be opened: it is damaged');
	await expect(error).toContainText('checksum');
	await expect(opened.getByTestId('prompt')).toHaveValue('Once upon a time');
	await opened.context().close();
});

test('a readable link (#?…) opens its settings, names a bad field, and runs as the form would', async ({
	page,
	browser,
	baseURL
}) => {
	const link =
		`${baseURL}/#?model=stories260k&prompt=The%20little%20dog&temperature=1&topK=5` +
		'&seed=1234&maxNewTokens=50';
	const opened = await openLink(browser, baseURL, link);
	await expect(opened.getByTestId('prompt')).toHaveValue('The little dog');
	await expect(opened.getByTestId('temperature')).toHaveValue('1');
	await expect(opened.getByTestId('topK')).toHaveValue('5');
	await expect(opened.getByTestId('seed')).toHaveValue('1234');
	await expect(opened.getByTestId('max-tokens')).toHaveValue('50');
	const shared = await generate(opened);
	await opened.context().close();

	// The same settings typed into the form give the same text.
	await openWithTestModel(page);
	await page.getByTestId('topK').fill('5');
	const typed = await run(page, {
		prompt: 'The little dog',
		temperature: '1',
		seed: '1234',
		maxTokens: '50'
	});
	expect(shared.text).toBe(typed.text);

	const bad = await openInNewContext(browser, `${baseURL}/#?model=stories260k&topK=-3&colour=red`);
	const error = bad.getByTestId('error');
	await expect(error).toContainText('This share link cannot be opened:');
	await expect(error).toContainText('params.topK');
	await expect(error).toContainText('colour: is not a known field');
	await expect(bad.getByTestId('prompt')).toHaveValue('Once upon a time');
	await bad.context().close();
});
