import { expect, test } from '@playwright/test';
import { openWithTestModel, run } from './fixtures';

test.describe('replay', () => {
	test('a replay of a saved run finds it identical', async ({ page }) => {
		await openWithTestModel(page);
		await run(page, { temperature: '1', seed: '42', maxTokens: '20', banEos: true });
		await page.getByTestId('replay').click();
		const result = page.getByTestId('replay-result');
		await expect(result).toHaveAttribute('data-identical', 'true', { timeout: 30_000 });
		await expect(result).toContainText('all 20 tokens match');
	});

	test('a replay that differs shows the first step where it does', async ({ page }) => {
		await openWithTestModel(page);
		await run(page, { temperature: '1', seed: '42', maxTokens: '20', banEos: true });
		await expect(page.getByTestId('replay')).toBeEnabled();
		// Change the stored token at step 6, as if the model or the sampler had changed since: the
		// session is stored again as an older version stored it, its tokens inline (ids and pieces
		// as shown) instead of in token chunks.
		const shown = await page.getByTestId('token').evaluateAll((buttons) =>
			buttons.map((b) => ({
				id: Number(b.getAttribute('data-token-id')),
				piece: b.textContent ?? ''
			}))
		);
		await page.evaluate(async (tokens) => {
			const db = await new Promise<IDBDatabase>((resolve, reject) => {
				const open = indexedDB.open('sampling-playground');
				open.onsuccess = () => resolve(open.result);
				open.onerror = () => reject(open.error);
			});
			const tx = db.transaction(['sessions', 'runTokens'], 'readwrite');
			const store = tx.objectStore('sessions');
			const sessions = await new Promise<
				{ id: string; runs: { tokens: { id: number; piece: string }[] }[] }[]
			>((resolve) => {
				const all = store.getAll();
				all.onsuccess = () => resolve(all.result);
			});
			const session = sessions[0];
			session.runs[0].tokens = tokens;
			session.runs[0].tokens[5] = { id: 1, piece: '?' };
			tx.objectStore('runTokens').delete(IDBKeyRange.bound([session.id], [session.id, []]));
			store.put(session);
			await new Promise((resolve) => (tx.oncomplete = resolve));
			db.close();
		}, shown);
		await page.reload();
		await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
			timeout: 30_000
		});
		await page.getByTestId('replay').click();
		const result = page.getByTestId('replay-result');
		await expect(result).toHaveAttribute('data-identical', 'false', { timeout: 30_000 });
		await expect(result).toHaveAttribute('data-step', '5');
		await expect(result).toContainText('Differs at token 6: stored "?" (id 1)');
	});
});
