import { expect, test, type Page } from '@playwright/test';
import { downloadedLines, fillForm, openWithTestModel } from './fixtures';

/** The lanes' texts, in lane order. */
async function laneTexts(page: Page): Promise<string[]> {
	return page
		.getByTestId('lane')
		.evaluateAll((lanes) => lanes.map((l) => l.getAttribute('data-text') ?? ''));
}

test('a judged compare is exported as SFT and DPO JSONL, line by line, and its judgement survives a reload', async ({
	page
}) => {
	await openWithTestModel(page);
	await fillForm(page, { temperature: '1', maxTokens: '12' });
	await page.getByTestId('tab-compare').click();
	await page.getByTestId('sweep-param').selectOption('seed');
	await page.getByTestId('sweep-values').fill('1, 2, 3');
	await page.getByTestId('run-lanes').click();
	await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });
	const [one, two, three] = await laneTexts(page);
	expect(new Set([one, two, three]).size).toBe(3);
	await expect(page.getByTestId('judgement-summary')).toHaveText(
		'Not judged: mark the best lane, or rank the lanes.'
	);

	// Seed 2 is best; then, with the keyboard, seed 3 second.
	const best = page.getByRole('button', { name: 'Best: seed 2' });
	await best.click();
	await expect(best).toHaveAttribute('aria-pressed', 'true');
	const rankOfThree = page.getByRole('combobox', { name: 'Rank of seed 3' });
	await rankOfThree.focus();
	await rankOfThree.selectOption('2');
	await expect(page.getByTestId('judgement-summary')).toContainText('Best: seed 2; then seed 3.');
	await expect(page.getByRole('combobox', { name: 'Rank of seed 1' })).toHaveValue('');

	// The judgement is stored with the session: a reload reopens the compare with it.
	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await page.getByTestId('tab-compare').click();
	await expect(page.getByRole('button', { name: 'Best: seed 2' })).toHaveAttribute(
		'aria-pressed',
		'true'
	);
	await expect(page.getByRole('combobox', { name: 'Rank of seed 3' })).toHaveValue('2');

	const sft = await downloadedLines(page, 'Export SFT (this compare)');
	expect(sft.name).toMatch(/^judgements-sft-once-upon-a-time-.*\.jsonl$/);
	expect(sft.lines).toHaveLength(1);
	const line = JSON.parse(sft.lines[0]);
	expect(Object.keys(line)).toEqual(['prompt', 'completion', 'metadata']);
	expect([line.prompt, line.completion]).toEqual(['Once upon a time', two]);
	expect(line.metadata.lane).toMatchObject({
		label: 'seed 2',
		rank: 1,
		seed: 2,
		systemPrompt: null
	});
	expect(line.metadata.lane.params).toMatchObject({ temperature: 1, topK: 40, logitBias: [] });

	// Without metadata, the DPO file is exactly the three pairs of the ranking.
	await page.getByRole('checkbox', { name: /with each lane's settings/ }).uncheck();
	const dpo = await downloadedLines(page, 'Export DPO (this compare)');
	const pair = (chosen: string, rejected: string) =>
		JSON.stringify({ prompt: 'Once upon a time', chosen, rejected });
	expect(dpo.lines).toEqual([pair(two, three), pair(two, one), pair(three, one)]);
	await expect(page.getByRole('status').filter({ hasText: 'Exported' })).toHaveText(
		'Exported 3 DPO lines from 1 judged compare.'
	);

	// Changing and clearing: "Best" on the best lane takes its mark away; Clear takes the rest.
	await page.getByRole('button', { name: 'Best: seed 2' }).click();
	await expect(page.getByTestId('judgement-summary')).toContainText('Best: seed 3.');
	const all = await downloadedLines(page, 'Export SFT (all judged)');
	expect(all.lines).toEqual([JSON.stringify({ prompt: 'Once upon a time', completion: three })]);
	await page.getByRole('button', { name: 'Clear judgement' }).click();
	await expect(page.getByTestId('judgement-summary')).toHaveText(
		'Not judged: mark the best lane, or rank the lanes.'
	);
	await page.getByRole('button', { name: 'Export DPO (all judged)' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Nothing to export' })).toBeVisible();
});
