import { expect, test, type Page } from '@playwright/test';
import { openWithTestModel } from './fixtures';

const BASE = 'https://huggingface.co/mlc-ai/SmolLM2-135M-Instruct-q0f32-MLC/resolve/main/';

/** Stores a model's manifest and shards the way WebLLM's IndexedDB cache keeps them. */
async function seedWebLlmCache(page: Page, shards: number[]) {
	await page.evaluate(
		async ({ base, shards }) => {
			const db = await new Promise<IDBDatabase>((resolve, reject) => {
				const open = indexedDB.open('webllm/model', 1);
				open.onupgradeneeded = () => open.result.createObjectStore('urls', { keyPath: 'url' });
				open.onsuccess = () => resolve(open.result);
				open.onerror = () => reject(open.error);
			});
			const records = shards.map((nbytes, i) => ({ dataPath: `params_shard_${i}.bin`, nbytes }));
			const store = db.transaction('urls', 'readwrite').objectStore('urls');
			store.put({ url: `${base}tensor-cache.json`, data: { records } });
			records.forEach((r) =>
				store.put({ url: base + r.dataPath, data: new ArrayBuffer(r.nbytes) })
			);
			await new Promise((resolve) => (store.transaction.oncomplete = resolve));
			db.close();
		},
		{ base: BASE, shards }
	);
}

async function storedUrls(page: Page): Promise<string[]> {
	return page.evaluate(
		() =>
			new Promise<string[]>((resolve) => {
				const open = indexedDB.open('webllm/model');
				open.onsuccess = () => {
					const keys = open.result.transaction('urls').objectStore('urls').getAllKeys();
					keys.onsuccess = () => resolve(keys.result.map(String));
				};
			})
	);
}

test('the model manager lists stored WebLLM models with sizes, deletes them, and shows storage', async ({
	page
}) => {
	await openWithTestModel(page);
	await page.getByText('Stored models', { exact: true }).click();
	await expect(page.getByTestId('stored-none')).toBeVisible();
	await expect(page.getByTestId('storage-usage')).toContainText('This site uses');

	await seedWebLlmCache(page, [600_000, 400_000]);
	// Close and reopen to look again.
	await page.getByText('Stored models', { exact: true }).click();
	await page.getByText('Stored models', { exact: true }).click();
	const list = page.getByTestId('stored-list');
	await expect(list).toContainText('SmolLM2 135M Instruct (f32)');
	await expect(list).toContainText('1.0 MB');

	await list.getByRole('button', { name: 'Delete' }).click();
	await expect(page.getByTestId('stored-none')).toBeVisible();
	expect(await storedUrls(page)).toEqual([]);
});

test('Delete all removes the stored models of both engines', async ({ page }) => {
	await openWithTestModel(page);
	await seedWebLlmCache(page, [600_000]);
	await page.getByText('Stored models', { exact: true }).click();
	await expect(page.getByTestId('stored-gguf-list')).toContainText('TinyStories 260K');
	await expect(page.getByTestId('stored-list')).toContainText('SmolLM2 135M Instruct (f32)');

	await page.getByTestId('delete-all').click();
	await expect(page.getByTestId('stored-gguf-none')).toBeVisible();
	await expect(page.getByTestId('stored-none')).toBeVisible();
	await expect(page.getByTestId('delete-all')).toBeHidden();
	expect(await storedUrls(page)).toEqual([]);
});

test('asking for persistent storage reports the browser’s answer', async ({ page }) => {
	await openWithTestModel(page);
	await page.getByText('Stored models', { exact: true }).click();
	await expect(page.getByTestId('storage-persisted')).toBeVisible();
	const persistButton = page.getByTestId('persist');
	if (await persistButton.isVisible()) {
		await persistButton.click();
		// Either the browser agreed, or the page says it did not.
		await expect(
			page
				.getByTestId('storage-persisted')
				.filter({ hasText: 'Storage is persistent' })
				.or(page.getByTestId('worker-notice').filter({ hasText: 'did not agree' }))
		).toBeVisible();
	}
});
