import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { formatBytes } from '../src/lib/app/download-rate';
import { makeModel } from '../tools/gguf/make-model';
import { recordCspViolations } from './csp-violations';
import { ORACLE_GREEDY_40, openWithTestModel, run } from './fixtures';
import { HUB_URL } from './hub-port';
import { startHub, type RunningHub } from './hub-server';

/**
 * Any GGUF from Hugging Face by name, against a local server that answers like the Hub for
 * fixture repositories (e2e/hub-server.ts; the app is built with HUB_URL pointing at it): the
 * file list with sizes, the facts read before downloading, the download, a download resumed
 * after the connection dropped, and the stored copy loading with the Hub out of reach.
 */

const modelsDir = path.resolve(process.env.MODELS_DIR ?? 'models');
const stories = readFileSync(path.join(modelsDir, 'stories260K.gguf'));
const STORIES_SHA256 = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d';
const STORIES_URL = `${HUB_URL}/fixture/tiny-models/resolve/main/tinyllamas/stories260K.gguf`;
const STORIES_ID = 'hub:fixture/tiny-models/tinyllamas/stories260K.gguf';

let running: RunningHub;
let synthetic: { file: string; bytes: Buffer; sha256: string };

test.beforeAll(async () => {
	const made = await makeModel({ dir: '.cache/e2e-hub', vocab: 32_000, type: 'Q8_0' });
	const bytes = readFileSync(made.path);
	const sha256 = createHash('sha256').update(bytes).digest('hex');
	synthetic = { file: path.basename(made.path), bytes, sha256 };
	running = await startHub({
		'fixture/tiny-models': {
			files: {
				'README.md': new TextEncoder().encode('# Tiny models\n'),
				'tinyllamas/stories260K.gguf': stories,
				[`synthetic/${synthetic.file}`]: synthetic.bytes
			}
		},
		'fixture/gated-model': { files: { 'model.gguf': stories }, gated: true },
		'fixture/safetensors-only': { files: { 'model.safetensors': new Uint8Array(64) } },
		'fixture/not-gguf': {
			files: { 'model.gguf': new TextEncoder().encode('<!doctype html><title>Sign in</title>') }
		}
	});
	// As on huggingface.co, a file's URL redirects to where its bytes are; ranges go along.
	running.hub.redirectDownloads = true;
});

test.afterAll(async () => {
	await running?.close();
});

async function listRepo(page: Page, query: string) {
	const panel = page.getByTestId('hub-panel');
	if (!(await panel.evaluate((details: HTMLDetailsElement) => details.open))) {
		await panel.locator('summary').click();
	}
	await page.getByTestId('hub-query').fill(query);
	await page.getByTestId('hub-list').click();
}

function fileRadio(page: Page, filePath: string) {
	return page.locator(`[data-testid="hub-files"] li[data-path="${filePath}"] input`);
}

/** Requests the page made of the fixture Hub since `from`. */
function hubRequests(from = 0) {
	return running.hub.requests.slice(from).filter((r) => r.method !== 'OPTIONS');
}

test('a Hub repository is listed with sizes, its file’s facts read before downloading, then stored and used offline', async ({
	page,
	context
}) => {
	const csp = await recordCspViolations(page);
	await openWithTestModel(page);
	const before = running.hub.requests.length;
	await listRepo(page, 'fixture/tiny-models');
	const files = page.getByTestId('hub-files').locator('li');
	await expect(files).toHaveCount(2);
	await expect(files.nth(0)).toContainText(`synthetic/${synthetic.file}`);
	await expect(files.nth(1)).toContainText('tinyllamas/stories260K.gguf');
	await expect(files.nth(1).locator('.size')).toHaveText('1.2 MB');
	await expect(files.nth(1).locator('.size')).toHaveAttribute('title', '1,185,376 bytes');

	await fileRadio(page, 'tinyllamas/stories260K.gguf').check();
	const facts = page.getByTestId('hub-facts');
	await expect(facts).toHaveAttribute('data-state', 'read');
	await expect(facts).toHaveText(
		'stories260K.gguf: llama · 292.8 K parameters · F32 · trained context 2048 · vocabulary 512 · no chat template'
	);
	await expect(page.getByTestId('hub-size')).toHaveText(
		`1,185,376 bytes, sha256 ${STORIES_SHA256.slice(0, 12)}…`
	);
	// Before the download, the file was only read with ranges, which followed the redirect.
	const reads = hubRequests(before).filter((r) => r.path === `/cdn/${STORIES_SHA256}`);
	expect(reads.length).toBeGreaterThan(0);
	expect(reads.every((r) => r.status === 206 && /^bytes=\d+-\d+$/.test(r.range ?? ''))).toBe(true);

	const download = page.getByTestId('hub-download');
	await expect(download).toHaveText('Download and store (1.2 MB)');
	await download.click();
	await expect(page.getByTestId('hub-stored')).toHaveText(
		/^stories260K\.gguf was downloaded, its sha256 checked and stored in this browser/
	);
	await expect(page.getByTestId('model-select')).toHaveValue(STORIES_ID);
	await page.getByText('Stored models').click();
	await expect(
		page.getByTestId('stored-gguf-list').locator(`li[data-url="${STORIES_URL}"]`)
	).toContainText('1.2 MB');

	// The Hub out of reach: the stored copy is offered after a reload, loads and generates.
	await context.route(
		(url) => url.origin === HUB_URL,
		(route) => route.abort('internetdisconnected')
	);
	const served = running.hub.requests.length;
	await openWithTestModel(page);
	await page.getByTestId('model-select').selectOption(STORIES_ID);
	await page.getByTestId('load').click();
	const status = page.getByTestId('model-status');
	await expect(status).toHaveAttribute('data-state', 'loaded', { timeout: 30_000 });
	await expect(status).toContainText('stories260K (fixture/tiny-models)');
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
	expect(running.hub.requests.length).toBe(served);
	expect(await csp.all()).toEqual([]);
});

test('a download cut short by the network resumes from the bytes stored, after a reload too', async ({
	page
}) => {
	await openWithTestModel(page);
	const filePath = `synthetic/${synthetic.file}`;
	await listRepo(page, `${HUB_URL}/fixture/tiny-models/blob/main/${filePath}`);
	await expect(fileRadio(page, filePath)).toBeChecked();
	await expect(page.getByTestId('hub-facts')).toHaveAttribute('data-state', 'read');
	await expect(page.getByTestId('hub-facts')).toHaveText(
		new RegExp(`^${synthetic.file}: llama · .* · Q8_0 · trained context 2048 · vocabulary 32000`)
	);

	const cut = Math.floor(synthetic.bytes.length / 2);
	running.hub.cutNextDownloadAfter = cut;
	await page.getByTestId('hub-download').click();
	// How much arrives before the cut depends on the browser's buffering, so the sizes the
	// message names are read from it and must be the bytes it reports, in the app's units.
	const cutMessage = page.getByTestId('hub-download-error');
	await expect(cutMessage).toHaveText(
		/^Downloading .* stopped after \d+ of \d+ bytes .* are kept: Resume goes on from there\.$/
	);
	const [, kept, total] = /stopped after (\d+) of (\d+) bytes/
		.exec((await cutMessage.textContent()) ?? '')!
		.map(Number);
	expect(kept).toBeGreaterThan(0);
	expect(kept).toBeLessThanOrEqual(cut);
	expect(total).toBe(synthetic.bytes.length);
	await expect(cutMessage).toContainText(
		` ${formatBytes(kept)} of ${formatBytes(total)} are kept: Resume goes on from there.`
	);

	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	const from = running.hub.requests.length;
	await listRepo(page, 'fixture/tiny-models');
	await fileRadio(page, filePath).check();
	await expect(page.getByTestId('hub-download')).toHaveText(
		`Resume (${formatBytes(kept)} of ${formatBytes(total)} stored)`
	);
	await page.getByTestId('hub-download').click();
	await expect(page.getByTestId('hub-stored')).toContainText(
		`was downloaded (resumed from ${formatBytes(kept)}), its sha256 checked and stored`
	);
	const resumed = hubRequests(from).filter(
		(r) => r.path === `/cdn/${synthetic.sha256}` && /^bytes=\d+-$/.test(r.range ?? '')
	);
	expect(resumed).toHaveLength(1);
	const start = Number(/^bytes=(\d+)-$/.exec(resumed[0].range ?? '')?.[1]);
	expect(start).toBeGreaterThan(0);
	expect(start).toBeLessThanOrEqual(cut);
	expect(resumed[0].status).toBe(206);

	await page.getByTestId('load').click();
	const status = page.getByTestId('model-status');
	await expect(status).toHaveAttribute('data-state', 'loaded', { timeout: 30_000 });
	await expect(status).toContainText("read from this browser's storage");
	await expect(status).toContainText('vocabulary 32,000');
});

test('unknown, gated, GGUF-less and non-GGUF repositories and a network failure say so', async ({
	page,
	context
}) => {
	await openWithTestModel(page);
	const error = page.getByTestId('hub-error');
	await listRepo(page, 'fixture/no-such-repo');
	await expect(error).toHaveText(
		/^fixture\/no-such-repo was not found on Hugging Face \(HTTP 401\): check the name; a private repository also looks like this/
	);
	await listRepo(page, 'fixture/safetensors-only');
	await expect(error).toHaveText(/^fixture\/safetensors-only has no GGUF files/);
	await listRepo(page, 'not a name');
	await expect(error).toHaveText(/is not a Hugging Face model: paste org\/repo/);

	await listRepo(page, 'fixture/gated-model');
	await expect(page.getByTestId('hub-facts')).toHaveAttribute('data-state', 'refused');
	await expect(page.getByTestId('hub-facts')).toHaveText(
		/^fixture\/gated-model\/model\.gguf is private or gated \(HTTP 401\): this app does not sign in/
	);
	await expect(page.getByTestId('hub-download')).toBeDisabled();

	await listRepo(page, 'fixture/not-gguf');
	await expect(page.getByTestId('hub-facts')).toHaveText(
		/^model\.gguf cannot be loaded: not a GGUF file/
	);
	await expect(page.getByTestId('hub-download')).toBeDisabled();

	await context.route(
		(url) => url.origin === HUB_URL,
		(route) => route.abort('internetdisconnected')
	);
	await listRepo(page, 'fixture/tiny-models');
	await expect(error).toHaveText(/^Hugging Face could not be reached \(.*\): check the network/);
});
