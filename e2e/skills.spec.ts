import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { CHATML_TEMPLATE } from '../tools/gguf/llama';
import {
	blockForeignRequests,
	downloadedLines,
	loadLocalModel,
	openWithTestModel
} from './fixtures';
import { makeTestModel } from './generated-models';

/**
 * Skills end to end: a built-in skill picked in chat mode, a user's skill kept across a reload,
 * a two-skill sweep, and a session's skill through export and import. Chat needs a chat
 * template, so the spec writes a tiny generated llama model with a ChatML template.
 */

/** The generated chat model's file name (in the e2e models folder), set before the tests. */
let chatModelFile = '';

test.beforeAll(async () => {
	const made = await makeTestModel({ vocab: 512, type: 'Q4_0', chatTemplate: CHATML_TEMPLATE });
	chatModelFile = path.basename(made.path);
});

async function openChat(page: Page) {
	await openWithTestModel(page);
	await loadLocalModel(page, chatModelFile);
	await page.getByTestId('mode-chat').check();
	await page.getByTestId('temperature').fill('0');
	await page.getByTestId('max-tokens').fill('8');
	await page.getByTestId('ban-eos').setChecked(true);
}

async function createSkill(page: Page, name: string, systemPrompt: string) {
	await page.getByText(/^Your skills/).click();
	await page.getByTestId('skill-new').click();
	await page.getByTestId('skill-name').fill(name);
	await page.getByTestId('skill-prompt').fill(systemPrompt);
	await page.getByTestId('skill-save').click();
	await expect(page.getByTestId('user-skill').filter({ hasText: name })).toBeVisible();
}

test('a built-in skill picked with the keyboard fills the system prompt, and the run sends it', async ({
	page
}) => {
	await openChat(page);
	const picker = page.getByRole('combobox', { name: 'Skill' });
	await picker.focus();
	await picker.selectOption('JSON only');
	await expect(page.getByTestId('system-prompt')).toHaveValue(
		/^You reply with a single valid JSON object/
	);
	await expect(page.getByTestId('skill-about')).toHaveText(
		'Replies with one JSON object and no prose.'
	);
	await page.getByTestId('prompt').fill('Name a colour.');
	await page.getByTestId('generate').click();
	await expect(page.getByTestId('finish-reason')).not.toBeEmpty({ timeout: 30_000 });
	await expect(page.getByTestId('token-count')).toHaveText('8');
	// Edited after picking: still that skill, and the page says the prompt was changed.
	await page.getByTestId('system-prompt').fill('Answer in French.');
	await expect(page.getByTestId('skill-about')).toContainText('system prompt edited after picking');
});

test('a user skill is validated, kept across a reload, and can be deleted and undone', async ({
	page
}) => {
	await openChat(page);
	await page.getByText(/^Your skills/).click();
	await page.getByTestId('skill-new').click();
	// A new skill starts from the system prompt on the page.
	await expect(page.getByTestId('skill-prompt')).toHaveValue('You are a helpful assistant.');
	await page.getByTestId('skill-name').fill('storyteller');
	await page.getByTestId('skill-prompt').fill('');
	await page.getByTestId('skill-save').click();
	await expect(page.getByText('Name: a skill named “Storyteller” exists already.')).toBeVisible();
	await expect(page.getByText('System prompt: enter the text.')).toBeVisible();
	await page.getByTestId('skill-name').fill('Pirate');
	await page.getByTestId('skill-prompt').fill('You are a pirate. Say arr.');
	await page.getByTestId('skill-save').click();
	await expect(page.getByTestId('user-skill')).toHaveText([/^Pirate/]);

	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await page.getByTestId('mode-chat').check();
	await page.getByRole('combobox', { name: 'Skill' }).selectOption('Pirate');
	await expect(page.getByTestId('system-prompt')).toHaveValue('You are a pirate. Say arr.');
	await page.getByText(/^Your skills/).click();
	await page.getByRole('button', { name: 'Delete Pirate' }).click();
	await expect(page.getByTestId('user-skill')).toHaveCount(0);
	await page.getByTestId('skill-undo').click();
	await expect(page.getByTestId('user-skill')).toHaveText([/^Pirate/]);
});

test('a two-skill sweep runs the same question in two lanes labelled with the skills, and its judgement exports as SFT and DPO lines', async ({
	page
}) => {
	await openChat(page);
	await createSkill(page, 'Pirate', 'You are a pirate.');
	await page.getByTestId('prompt').fill('What is the sea?');
	await page.getByTestId('tab-compare').click();
	await page.getByTestId('sweep-param').selectOption('skill');
	await expect(page.getByTestId('skill-names')).toContainText('Concise assistant');
	await page.getByTestId('sweep-values').fill('Concise assistant, pirate');
	await expect(page.getByTestId('sweep-summary')).toHaveText('2 lanes: Concise assistant, Pirate');
	await page.getByTestId('run-lanes').click();
	await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: 60_000 });
	await expect(page.getByTestId('lane-label')).toHaveText(['Concise assistant', 'Pirate']);
	const lanes = page.getByTestId('lane');
	await expect(lanes.nth(0)).toHaveAttribute('data-status', 'done');
	await expect(lanes.nth(1)).toHaveAttribute('data-status', 'done');
	// Greedy on one model: the lanes differ only because their system prompts do.
	const texts = await lanes.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-text')));
	expect(texts[0]).not.toBe(texts[1]);
	await expect(page.getByTestId('lane-label').nth(1)).toHaveAttribute('title', 'You are a pirate.');

	// Judged, the sweep becomes training data: each line has the messages its lane ran with.
	await page.getByRole('button', { name: 'Best: Pirate' }).click();
	await page.getByRole('checkbox', { name: /with each lane's settings/ }).uncheck();
	const pirate = [
		{ role: 'system', content: 'You are a pirate.' },
		{ role: 'user', content: 'What is the sea?' }
	];
	const sft = await downloadedLines(page, 'Export SFT (this compare)');
	expect(sft.lines).toEqual([
		JSON.stringify({ messages: [...pirate, { role: 'assistant', content: texts[1] }] })
	]);
	const dpo = await downloadedLines(page, 'Export DPO (this compare)');
	expect(dpo.lines).toEqual([
		JSON.stringify({
			prompt: pirate,
			chosen: [{ role: 'assistant', content: texts[1] }],
			rejected: [{ role: 'assistant', content: texts[0] }]
		})
	]);
});

test('a session run under a user skill keeps the skill through export and import elsewhere', async ({
	page,
	browser,
	baseURL
}) => {
	await openChat(page);
	await createSkill(page, 'Pirate', 'You are a pirate.');
	await page.getByRole('combobox', { name: 'Skill' }).selectOption('Pirate');
	await page.getByTestId('prompt').fill('Hello');
	await page.getByTestId('generate').click();
	await expect(page.getByTestId('finish-reason')).not.toBeEmpty({ timeout: 30_000 });
	await expect(page.getByTestId('history-item')).toHaveCount(1);
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByTestId('export-all').click()
	]);
	const file = await readFile(await download.path(), 'utf8');
	const [session] = JSON.parse(file).sessions;
	expect(session.experiment.skill).toEqual({ name: 'Pirate', systemPrompt: 'You are a pirate.' });
	expect(session.experiment.input.systemPrompt).toBe('You are a pirate.');

	// Another browser, which has no such skill.
	const fresh = await browser.newContext({ baseURL });
	await blockForeignRequests(fresh, baseURL);
	const other = await fresh.newPage();
	await openWithTestModel(other);
	await other.getByTestId('import-sessions').setInputFiles({
		name: 'skills.json',
		mimeType: 'application/json',
		buffer: Buffer.from(file)
	});
	await expect(other.getByTestId('import-result')).toContainText('Imported 1 session');
	await other.getByTestId('history-open').click();
	const picker = other.getByRole('combobox', { name: 'Skill' });
	await expect(picker.locator('option:checked')).toHaveText('Pirate (from the session)');
	await expect(other.getByTestId('system-prompt')).toHaveValue('You are a pirate.');
	await fresh.close();
});
