import { expect, type Page } from '@playwright/test';
import {
	firstChangedStep,
	generate,
	openExperiment,
	resample,
	shownTokens,
	tokensText,
	type ShownToken,
	type WhatIfResult
} from './app';
import type { Lesson } from './lesson';

const TOKENS = 30;
const SETTINGS = {
	prompt: 'Once upon a time',
	temperature: 0.8,
	seed: 7,
	maxNewTokens: TOKENS
} as const;
const HOTTER = 1.6;
const COLDER = 0.5;

/** Sets the temperature with what-if on, and waits for the tokens it re-samples. */
async function resampleAt(
	page: Page,
	temperature: number
): Promise<{ tokens: ShownToken[]; whatIf: WhatIfResult }> {
	const whatIf = await resample(page, () =>
		page.getByTestId('temperature').fill(String(temperature))
	);
	return { tokens: await shownTokens(page), whatIf };
}

/** Where each token on show came from: its stored distribution, or a new model call. */
async function sources(page: Page): Promise<string[]> {
	return page
		.getByTestId('token')
		.evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-source') ?? ''));
}

export default {
	name: 'what-if',
	title: 'What if?',
	summary:
		'What-if keeps the distribution the model gave at every step, so changing the temperature re-draws the tokens from them at once, and runs the model only where the text has become new.',
	async play(lesson) {
		let first: ShownToken[] = [];
		await lesson.chapter(
			'One run',
			`Run the model once at temperature ${SETTINGS.temperature} with seed ${SETTINGS.seed}: it writes ${TOKENS} tokens.`,
			async () => {
				await openExperiment(lesson, SETTINGS);
				const run = await generate(lesson.page);
				first = await shownTokens(lesson.page);
				lesson.figure(`text at temperature ${SETTINGS.temperature}`, tokensText(first));
				lesson.figure('tokens', run.tokens);
				expect(run.tokens, `the run gives ${TOKENS} tokens`).toBe(TOKENS);
				expect(first, 'the token view shows every token').toHaveLength(TOKENS);
			}
		);
		await lesson.chapter(
			'Turn on what-if',
			'What-if draws every token again from the distribution stored for its step, without the model. Nothing has changed yet, so it draws the same tokens.',
			async () => {
				const page = lesson.page;
				const whatIf = await resample(page, () => page.getByTestId('whatif-toggle').check());
				lesson.figure('status', whatIf.status);
				expect(whatIf.stored, `all ${TOKENS} steps come from stored distributions`).toBe(TOKENS);
				expect(whatIf.model, 'the model does not run').toBe(0);
				expect(await shownTokens(page), 'the same settings draw the same tokens').toEqual(first);
			}
		);
		let hotterStep = 0;
		await lesson.chapter(
			'A hotter temperature',
			`At temperature ${HOTTER} the draws change: the tokens up to and including the first one that differs come from the stored distributions. After it the text is new, so the model runs for the rest.`,
			async () => {
				const page = lesson.page;
				const { tokens, whatIf } = await resampleAt(page, HOTTER);
				hotterStep = firstChangedStep(first, tokens);
				lesson.figure(`text at temperature ${HOTTER}`, tokensText(tokens));
				lesson.figure('first step that changed', hotterStep);
				lesson.figure('status', whatIf.status);
				expect(tokensText(tokens), `temperature ${HOTTER} changes the text`).not.toBe(
					tokensText(first)
				);
				expect(whatIf.stored, 'every step up to the first change is drawn from storage').toBe(
					hotterStep
				);
				expect(whatIf.model, 'the model runs for every step after it').toBe(TOKENS - hotterStep);
				const from = await sources(page);
				expect(from.slice(0, hotterStep), 'the token view marks those steps as stored').toEqual(
					Array<string>(hotterStep).fill('stored')
				);
				expect(from.slice(hotterStep), 'and the steps after them as the model’s').toEqual(
					Array<string>(TOKENS - hotterStep).fill('model')
				);
			}
		);
		await lesson.chapter(
			'A colder temperature',
			`At temperature ${COLDER} the likeliest tokens gain even more, so fewer draws land elsewhere: the first text holds for longer than it did at ${HOTTER} before it changes.`,
			async () => {
				const { tokens, whatIf } = await resampleAt(lesson.page, COLDER);
				const colderStep = firstChangedStep(first, tokens);
				lesson.figure(`text at temperature ${COLDER}`, tokensText(tokens));
				lesson.figure('first step that changed', colderStep);
				lesson.figure('status', whatIf.status);
				expect(colderStep, `temperature ${COLDER} changes the text too`).toBeGreaterThan(0);
				expect(colderStep, `the text at ${COLDER} changes later than at ${HOTTER}`).toBeGreaterThan(
					hotterStep
				);
			}
		);
		await lesson.chapter(
			'Back to the start',
			`Set the temperature back to ${SETTINGS.temperature}: the same seed draws the first text again, token for token, and every step comes from a stored distribution.`,
			async () => {
				const { tokens, whatIf } = await resampleAt(lesson.page, SETTINGS.temperature);
				lesson.figure(`text at temperature ${SETTINGS.temperature} again`, tokensText(tokens));
				lesson.figure('status', whatIf.status);
				expect(tokens, 'the first text comes back, token for token').toEqual(first);
				expect(whatIf.stored, `all ${TOKENS} steps come from stored distributions`).toBe(TOKENS);
				expect(whatIf.model, 'the model does not run').toBe(0);
			}
		);
	}
} satisfies Lesson;
