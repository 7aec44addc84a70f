import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { CHATML_CONTROL_TOKENS, CHATML_TEMPLATE } from '../tools/gguf/llama';
import { fillForm, loadLocalModel, openWithTestModel, run } from './fixtures';
import { makeTestModel } from './generated-models';

/**
 * The output's actions (copy, continue, regenerate) on the test model, and the chat's (edit and
 * resend, regenerate the last reply, clear with undo) on a generated model with a chat template.
 */

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

async function waitForRun(page: Page) {
	await expect(page.getByTestId('output')).toHaveAttribute('data-state', 'idle', {
		timeout: 30_000
	});
	await expect(page.getByTestId('finish-reason')).not.toBeEmpty({ timeout: 30_000 });
}

test('Copy puts the output text on the clipboard and says “Copied”', async ({ page }) => {
	await openWithTestModel(page);
	const done = await run(page, { temperature: '0', maxTokens: '20' });
	expect(done.text.length).toBeGreaterThan(0);
	await page.getByRole('button', { name: 'Copy', exact: true }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Copied' })).toBeVisible();
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(done.text);
});

for (const engine of ['llama', 'wllama'] as const) {
	test(`Continue gives exactly the text of one longer run with the same seed (${engine})`, async ({
		page
	}) => {
		await openWithTestModel(page, engine === 'wllama' ? '?cpuEngine=wllama' : '');
		const short = await run(page, {
			temperature: '1',
			seed: '2024',
			maxTokens: '20',
			banEos: true
		});
		expect(short.tokens).toBe(20);
		expect(short.finishReason).toBe('max-tokens');

		await page.getByRole('button', { name: 'Continue', exact: true }).click();
		await waitForRun(page);
		await expect(page.getByTestId('token-count')).toHaveText('40');
		await expect(page.getByTestId('replaying')).toHaveCount(0);
		const continued = (await page.getByTestId('output').textContent()) ?? '';
		expect(continued.startsWith(short.text)).toBe(true);
		expect(continued.length).toBeGreaterThan(short.text.length);
		await expect(page.getByTestId('seed-used')).toHaveText('2024');
		await expect(page.getByTestId('worker-notice')).toHaveCount(0);

		const long = await run(page, { temperature: '1', seed: '2024', maxTokens: '40', banEos: true });
		expect(long.tokens).toBe(40);
		expect(continued).toBe(long.text);
	});
}

test('Regenerate runs with a new seed, shown in the seed box and the figures, and new text', async ({
	page
}) => {
	await openWithTestModel(page);
	const first = await run(page, { temperature: '1', seed: '77', maxTokens: '30', banEos: true });
	await page.getByRole('button', { name: 'Regenerate', exact: true }).click();
	await waitForRun(page);
	const seed = (await page.getByTestId('seed-used').textContent()) ?? '';
	expect(seed).toMatch(/^\d+$/);
	expect(seed).not.toBe(first.seed);
	await expect(page.getByTestId('seed')).toHaveValue(seed);
	const text = (await page.getByTestId('output').textContent()) ?? '';
	expect(text).not.toBe(first.text);
});

test('Continue is refused with a reason after a run that ended on its own', async ({ page }) => {
	await openWithTestModel(page);
	await fillForm(page, { temperature: '0', maxTokens: '40', prompt: 'Once upon a time' });
	await page.getByTestId('stop-sequences').fill('.');
	await page.getByTestId('generate').click();
	await waitForRun(page);
	await expect(page.getByTestId('finish-reason')).toHaveText('stop-sequence');
	await expect(page.getByRole('button', { name: 'Continue', exact: true })).toBeDisabled();
	await expect(page.getByTestId('continue-blocked')).toContainText('ended on its own');
});

test('chat: regenerate the last reply, edit a message and resend, clear with undo', async ({
	page
}) => {
	const made = await makeTestModel({
		vocab: 512,
		chatTemplate: CHATML_TEMPLATE,
		controlTokens: CHATML_CONTROL_TOKENS
	});
	await openWithTestModel(page);
	await loadLocalModel(page, path.basename(made.path));
	await page.getByTestId('mode-chat').check();
	await page.getByTestId('temperature').fill('1');
	await page.getByTestId('seed').fill('5');
	await page.getByTestId('max-tokens').fill('12');
	await page.getByTestId('ban-eos').check();

	const messages = page.getByTestId('message');
	const send = async (text: string) => {
		await page.getByTestId('prompt').fill(text);
		await page.getByTestId('generate').click();
		await waitForRun(page);
	};
	await send('Hello');
	await send('Tell me more');
	await expect(messages).toHaveCount(4);
	const reply = (await messages.nth(3).locator('.content').textContent()) ?? '';
	expect(reply).toBe(await page.getByTestId('output').textContent());

	// Regenerate the last reply: a new seed, shown; the reply replaced, the rest kept.
	await page.getByTestId('prompt').fill('a draft');
	await page.getByRole('button', { name: 'Regenerate last reply' }).click();
	await waitForRun(page);
	const seed = (await page.getByTestId('seed-used').textContent()) ?? '';
	expect(seed).not.toBe('5');
	await expect(page.getByTestId('seed')).toHaveValue(seed);
	await expect(messages).toHaveCount(4);
	await expect(messages.nth(2)).toContainText('Tell me more');
	const regenerated = (await messages.nth(3).locator('.content').textContent()) ?? '';
	expect(regenerated).not.toBe(reply);
	expect(regenerated).toBe(await page.getByTestId('output').textContent());
	await expect(page.getByTestId('prompt')).toHaveValue('a draft');

	// Edit the first message and resend: what came after it is dropped, a new reply follows.
	// Esc cancels an edit; Ctrl+Enter in the edited message sends it (the message box keeps its draft).
	await page.getByRole('button', { name: 'Edit message 1' }).click();
	await expect(page.getByTestId('edit-message')).toBeFocused();
	await page.keyboard.press('Escape');
	await expect(page.getByTestId('edit-message')).toHaveCount(0);
	await expect(messages).toHaveCount(4);
	await page.getByRole('button', { name: 'Edit message 1' }).click();
	await page.getByTestId('edit-message').fill('Hi again');
	await page.keyboard.press('Control+Enter');
	await waitForRun(page);
	await expect(messages).toHaveCount(2);
	await expect(messages.nth(0)).toContainText('Hi again');
	await expect(messages.nth(1).locator('.content')).toHaveText(
		(await page.getByTestId('output').textContent()) ?? ''
	);
	await expect(page.getByTestId('prompt')).toHaveValue('a draft');

	// Clear, with an undo; sessions already run stay in the history.
	const sessions = page.getByTestId('history-item');
	await expect(sessions).toHaveCount(4);
	await page.getByRole('button', { name: 'Clear conversation' }).click();
	await expect(messages).toHaveCount(0);
	await expect(page.getByRole('status').filter({ hasText: 'Conversation cleared' })).toBeVisible();
	await page.getByRole('button', { name: 'Undo clear' }).click();
	await expect(messages).toHaveCount(2);
	await expect(messages.nth(0)).toContainText('Hi again');
	await page.getByRole('button', { name: 'Clear conversation' }).click();
	await expect(messages).toHaveCount(0);
	await expect(sessions).toHaveCount(4);
});

test('step mode shows the seed its steps draw with in the Output box', async ({ page }) => {
	await openWithTestModel(page);
	await fillForm(page, { temperature: '1', seed: '31337', maxTokens: '5' });
	await page.getByTestId('step-start').click();
	await page.getByTestId('step-once').click();
	await page.getByTestId('step-once').click();
	await expect(page.getByTestId('token-count')).toHaveText('2');
	await expect(page.getByTestId('seed-used')).toHaveText('31337');
	await expect(page.getByTestId('ttft')).toHaveText('—');
});
