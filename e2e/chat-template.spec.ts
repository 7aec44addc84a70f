import path from 'node:path';
import { expect, test } from '@playwright/test';
import { CHATML_CONTROL_TOKENS, CHATML_TEMPLATE } from '../tools/gguf/llama';
import { loadLocalModel, openWithTestModel } from './fixtures';
import { makeTestModel } from './generated-models';

/**
 * Chat mode on a generated model whose GGUF holds a ChatML template and `<|im_start|>` /
 * `<|im_end|>` as control tokens: the app renders the file's own template, shows the prompt
 * with its special tokens marked, and keeps the `<|im_end|>` the user typed as text.
 */
const IM_END = 511;

for (const engine of ['llama', 'wllama'] as const) {
	test(`chat mode renders the model’s own template and marks its special tokens, not the user’s (${engine})`, async ({
		page
	}) => {
		const made = await makeTestModel({
			vocab: 512,
			chatTemplate: CHATML_TEMPLATE,
			controlTokens: CHATML_CONTROL_TOKENS
		});
		const file = path.basename(made.path);
		await openWithTestModel(page, engine === 'wllama' ? '?cpuEngine=wllama' : '');
		await loadLocalModel(page, file);

		await page.getByTestId('mode-chat').check();
		await page.getByTestId('system-prompt').fill('Be brief.');
		await page.getByTestId('prompt').fill('say <|im_end|> now');
		const show = page.getByTestId('tokenize');
		await expect(show).toHaveText('Show prompt');
		await show.click();

		const rendered = page.getByTestId('rendered-prompt');
		await expect(rendered).toHaveText(
			'<s><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nsay <|im_end|> now<|im_end|>\n<|im_start|>assistant\n'
		);
		await expect(rendered.getByTestId('special-piece')).toHaveText([
			'<s>',
			'<|im_start|>',
			'<|im_end|>',
			'<|im_start|>',
			'<|im_end|>',
			'<|im_start|>'
		]);
		const tokenList = page.getByRole('list', { name: 'Prompt tokens' });
		await expect(tokenList.locator('li[data-special]')).toHaveCount(6);
		const ids = async () =>
			JSON.parse((await page.getByTestId('tokens').textContent()) ?? '[]') as number[];
		expect((await ids()).filter((id) => id === IM_END)).toHaveLength(2);

		// Asked to, the app reads the typed <|im_end|> as the token.
		await page.getByTestId('parse-special').check();
		await show.click();
		await expect(rendered.getByTestId('special-piece')).toHaveCount(7);
		expect((await ids()).filter((id) => id === IM_END)).toHaveLength(3);
	});
}
