import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { ORACLE_GREEDY_40, openWithTestModel, run } from './fixtures';

/** Every request for a GGUF file from now on, from the page or its workers. */
function ggufRequests(context: BrowserContext): string[] {
	const urls: string[] = [];
	context.on('request', (request) => {
		if (new URL(request.url()).pathname.endsWith('.gguf')) urls.push(request.url());
	});
	return urls;
}

/** Flips bytes of the first stored chunk of every stored model file, with the raw IndexedDB API. */
async function corruptStoredModel(page: Page): Promise<string[]> {
	return page.evaluate(async () => {
		const done = (request: IDBRequest) =>
			new Promise<unknown>((resolve, reject) => {
				request.onsuccess = () => resolve(request.result);
				request.onerror = () => reject(request.error);
			});
		const db = (await done(indexedDB.open('sampling-playground'))) as IDBDatabase;
		const tx = db.transaction(['modelFiles', 'modelChunks'], 'readwrite');
		const urls = (await done(tx.objectStore('modelFiles').getAllKeys())) as string[];
		for (const url of urls) {
			const chunks = tx.objectStore('modelChunks');
			const chunk = (await done(chunks.get([url, 0]))) as { bytes: ArrayBuffer };
			const bytes = new Uint8Array(chunk.bytes);
			for (let i = 1000; i < 1010; i++) bytes[i] ^= 0xff;
			await done(chunks.put({ ...chunk, bytes: bytes.buffer }));
		}
		await new Promise((resolve) => (tx.oncomplete = resolve));
		db.close();
		return urls;
	});
}

async function openStoredModels(page: Page) {
	await page.getByText('Stored models', { exact: true }).click();
	return page.getByTestId('stored-gguf-list');
}

test('the second visit loads the model from IndexedDB without the network, with the same output', async ({
	page,
	context
}) => {
	const requests = ggufRequests(context);
	await openWithTestModel(page);
	expect(requests.some((url) => url.endsWith('/models/stories260K.gguf'))).toBe(true);
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-storage', 'downloaded');
	const sampledBefore = await run(page, { temperature: '1', seed: '42', maxTokens: '40' });

	requests.length = 0;
	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-storage', 'cached');
	await expect(page.getByTestId('model-status')).toContainText("read from this browser's storage");
	expect(requests).toEqual([]);

	const greedy = await run(page, { temperature: '0', maxTokens: '40' });
	expect(greedy.text).toBe(ORACLE_GREEDY_40);
	const sampledAfter = await run(page, { temperature: '1', seed: '42', maxTokens: '40' });
	expect(sampledAfter.text).toBe(sampledBefore.text);
	expect(requests).toEqual([]);
});

test('a damaged stored copy is reported and downloaded again', async ({ page, context }) => {
	const requests = ggufRequests(context);
	await openWithTestModel(page);
	expect(await corruptStoredModel(page)).toEqual([
		expect.stringMatching(/\/models\/stories260K\.gguf$/)
	]);

	requests.length = 0;
	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await expect(page.getByTestId('worker-notice')).toContainText(
		'The stored copy of TinyStories 260K was damaged (sha256 differs'
	);
	await expect(page.getByTestId('worker-notice')).toContainText('it was downloaded again');
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-storage', 'redownloaded');
	expect(requests.length).toBeGreaterThan(0);
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);

	// The good copy replaced the damaged one.
	requests.length = 0;
	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-storage', 'cached', {
		timeout: 30_000
	});
	expect(requests).toEqual([]);
});

test('the model manager lists the stored GGUF file with its size and deletes it', async ({
	page,
	context
}) => {
	const requests = ggufRequests(context);
	await openWithTestModel(page);
	const list = await openStoredModels(page);
	const item = list.locator('li[data-url$="/models/stories260K.gguf"]');
	await expect(item).toContainText('TinyStories 260K');
	await expect(item).toContainText('1.2 MB');
	await expect(item).toContainText('stored');
	await expect(page.getByTestId('storage-usage')).toContainText('This site uses');

	await item.getByRole('button', { name: 'Delete' }).click();
	await expect(page.getByTestId('stored-gguf-none')).toBeVisible();

	requests.length = 0;
	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-storage', 'downloaded', {
		timeout: 30_000
	});
	expect(requests.length).toBeGreaterThan(0);
});
