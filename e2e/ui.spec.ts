import { expect, test } from '@playwright/test';
import { ORACLE_GREEDY_40, fillForm, openWithTestModel, run } from './fixtures';

test('presets set the parameters and Reset restores the defaults', async ({ page }) => {
	await openWithTestModel(page);
	await expect(page.getByTestId('preset')).toHaveValue('defaults');
	await page.getByTestId('preset').selectOption('precise');
	await expect(page.getByTestId('temperature')).toHaveValue('0.2');
	await expect(page.getByTestId('topP')).toHaveValue('0.5');
	await page.getByTestId('temperature').fill('0.3');
	await expect(page.getByTestId('preset')).toHaveValue('');
	await page.getByTestId('reset-params').click();
	await expect(page.getByTestId('temperature')).toHaveValue('0.8');
	await expect(page.getByTestId('topK')).toHaveValue('40');
	await expect(page.getByTestId('preset')).toHaveValue('defaults');
});

test('Ctrl+Enter runs and Esc stops', async ({ page }) => {
	await openWithTestModel(page);
	await fillForm(page, { temperature: '1', seed: '5', maxTokens: '2000', banEos: true });
	await page.getByTestId('prompt').press('Control+Enter');
	await expect
		.poll(async () => Number(await page.getByTestId('token-count').textContent()))
		.toBeGreaterThanOrEqual(3);
	await page.keyboard.press('Escape');
	await expect(page.getByTestId('finish-reason')).toHaveText('stopped');

	await fillForm(page, { temperature: '0', maxTokens: '40' });
	await page.getByTestId('prompt').press('Control+Enter');
	await expect(page.getByTestId('finish-reason')).toHaveText('max-tokens');
	await expect(page.getByTestId('output')).toHaveText(ORACLE_GREEDY_40);
});

test('loading shows a progress bar and can be cancelled; loading again works', async ({
	page,
	context
}) => {
	await openWithTestModel(page);
	// The first load stored the model in IndexedDB; forget it so the next load downloads again.
	await page.evaluate(
		() =>
			new Promise((resolve, reject) => {
				const open = indexedDB.open('sampling-playground');
				open.onsuccess = () => {
					const tx = open.result.transaction(['modelFiles', 'modelChunks'], 'readwrite');
					tx.objectStore('modelFiles').clear();
					tx.objectStore('modelChunks').clear();
					tx.oncomplete = () => resolve(open.result.close());
					tx.onerror = () => reject(tx.error);
				};
				open.onerror = () => reject(open.error);
			})
	);
	// Hold the next download of the model so the load stays in progress.
	let release: () => void = () => {};
	const held = new Promise<void>((resolve) => (release = resolve));
	await context.route('**/models/stories260K.gguf', async (route) => {
		await held;
		await route.continue().catch(() => {});
	});
	await page.getByTestId('load').click();
	await expect(page.getByRole('progressbar', { name: 'Model loading' })).toBeVisible();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loading');
	await page.getByTestId('cancel-load').click();
	await expect(page.getByTestId('error')).toHaveText('Loading was cancelled.');
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'none');
	release();

	await context.unrouteAll({ behavior: 'ignoreErrors' });
	await page.getByTestId('load').click();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
});

test('a model that cannot be downloaded gives a clear error, and the test model still works', async ({
	page,
	context
}) => {
	await context.route('https://huggingface.co/**', (route) => route.abort('internetdisconnected'));
	await openWithTestModel(page);
	await page.getByTestId('model-select').selectOption('smollm2-135m-instruct-q8');
	await page.getByTestId('load').click();
	await expect(page.getByTestId('error')).toContainText('could not be downloaded');
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'none');

	await page.getByTestId('model-select').selectOption('stories260k');
	await page.getByTestId('load').click();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
	expect((await run(page, { temperature: '0', maxTokens: '40' })).text).toBe(ORACLE_GREEDY_40);
});

test('a file that is not a GGUF model is refused by name', async ({ page }) => {
	await openWithTestModel(page);
	await page.getByTestId('model-file').setInputFiles({
		name: 'notes.txt',
		mimeType: 'text/plain',
		buffer: Buffer.from('hello')
	});
	await expect(page.getByTestId('error')).toHaveText(
		'“notes.txt” is not a GGUF model file (the name must end in .gguf).'
	);
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded');
});
