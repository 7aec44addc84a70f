/**
 * The app as lessons drive it: the stable authoring surface docs/automation.md describes. Each
 * helper uses only the roles, names and test ids that document promises, and waits for what it
 * started (a run, the lanes, a step) to finish, so a lesson reads as plain steps. Lessons call
 * these; nothing here knows about filming.
 */
import { expect, type Locator, type Page } from '@playwright/test';
import { writeReadableLink, type ReadableLinkFields } from '#lib/formats/readable-link';
import type { Script } from './lesson';

/** The test model that ships with the project: every lesson runs on it, offline. */
export const LESSON_MODEL = 'stories260k';

/** Long enough for the test model on a slow machine; a run that takes longer has gone wrong. */
const RUN_TIMEOUT = 60_000;

/**
 * The readable link (`#?…`) of an experiment on the test model and seed 1, unless it names
 * others: a lesson never draws a random seed, so its film is the same every time.
 */
export function lessonLink(fields: ReadableLinkFields): string {
	return writeReadableLink({ model: LESSON_MODEL, seed: 1, ...fields });
}

/**
 * Opens the app on an experiment written as a readable link, and waits until its model is
 * loaded. A link the app refuses fails here, with the app's message.
 */
export async function openExperiment(script: Script, fields: ReadableLinkFields): Promise<Page> {
	const page = script.page;
	// A new document, so the experiment opens on a page that holds nothing of the last one (its
	// tokens, explanation or what-if), as a visitor following the link sees it.
	if (page.url() !== 'about:blank') await page.goto('about:blank');
	await page.goto(new URL(`/${lessonLink(fields)}`, script.baseURL).href);
	await waitForModel(page);
	const error = page.getByTestId('error');
	if (await error.isVisible())
		throw new Error(`the app refused the link: ${await error.innerText()}`);
	return page;
}

/** Waits until the picked model is loaded (the page loads the default model on opening). */
export async function waitForModel(page: Page): Promise<void> {
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: RUN_TIMEOUT
	});
}

export interface RunResult {
	text: string;
	finishReason: string;
	/** The seed the run used (the one asked for, or the one drawn for "random"). */
	seed: string;
	tokens: number;
}

/** Clicks Generate and waits for the run to finish. */
export async function generate(page: Page): Promise<RunResult> {
	await page.getByTestId('generate').click();
	return finishedRun(page);
}

/** Waits for the single run on show to finish, and reads it. */
export async function finishedRun(page: Page): Promise<RunResult> {
	await expect(page.getByTestId('finish-reason')).not.toBeEmpty({ timeout: RUN_TIMEOUT });
	await expect(page.getByTestId('output')).toHaveAttribute('data-state', 'idle');
	return {
		text: (await page.getByTestId('output').textContent()) ?? '',
		finishReason: (await page.getByTestId('finish-reason').textContent()) ?? '',
		seed: (await page.getByTestId('seed-used').textContent()) ?? '',
		tokens: Number(await page.getByTestId('token-count').textContent())
	};
}

export interface LaneResult {
	/** What the lane varies, as its card says: `seed 3`, `temperature 0.8`. */
	label: string;
	text: string;
	status: string;
}

/** In the compare view: clicks "Run lanes", waits until every lane has finished, shows them. */
export async function runLanes(page: Page): Promise<LaneResult[]> {
	await page.getByTestId('run-lanes').click();
	await expect(page.getByTestId('run-lanes')).toBeEnabled({ timeout: RUN_TIMEOUT });
	await bringIntoView(page.getByTestId('lane').first());
	return lanes(page);
}

/** Scrolls so that `target` starts near the top of the screen: what a chapter shows, filmed. */
export async function bringIntoView(target: Locator): Promise<void> {
	await target.evaluate((element) => {
		element.scrollIntoView({ block: 'start' });
		window.scrollBy(0, -12);
	});
}

/** The lanes on show, in order. */
export async function lanes(page: Page): Promise<LaneResult[]> {
	return page.getByTestId('lane').evaluateAll((cards) =>
		cards.map((card) => ({
			label: card.querySelector('[data-testid="lane-label"]')?.textContent?.trim() ?? '',
			text: card.getAttribute('data-text') ?? '',
			status: card.getAttribute('data-status') ?? ''
		}))
	);
}

export interface ShownToken {
	id: number;
	/** The token's text as the token view shows it. */
	text: string;
}

/** The generated tokens of the run on show, in order. */
export async function shownTokens(page: Page): Promise<ShownToken[]> {
	return page.getByTestId('token').evaluateAll((spans) =>
		spans.map((span) => ({
			id: Number(span.getAttribute('data-token-id')),
			text: span.textContent ?? ''
		}))
	);
}

/** Opens "why this token" for the token at `step` (1 for the first generated token), on screen. */
export async function explainToken(page: Page, step: number): Promise<void> {
	await page
		.getByTestId('token')
		.nth(step - 1)
		.click();
	await expect(page.locator('#why-heading')).toHaveText(new RegExp(`at step ${step}\\?`));
	// The explanation, not the token row and its tooltip, is what the film should show.
	await bringIntoView(page.locator('#why-heading'));
}

/** How many candidates are left after each stage in the open explanation, by stage name. */
export async function survivorsByStage(page: Page): Promise<Record<string, number>> {
	const charts = page.getByTestId('why-chart');
	const counts = await charts.evaluateAll((figures) =>
		figures.map((figure) => ({
			stage: figure.getAttribute('data-stage') ?? '',
			left: /(\d[\d,]*) tokens? left/.exec(figure.querySelector('figcaption')?.textContent ?? '')
		}))
	);
	return Object.fromEntries(
		counts
			.filter((count) => count.left !== null)
			.map((count) => [count.stage, Number(count.left![1].replaceAll(',', ''))])
	);
}

/** Shows the open explanation as tables (every stage, its numbers as text) or as small charts. */
export async function showWhyAs(page: Page, view: 'tables' | 'charts'): Promise<void> {
	await page.getByTestId('tables-toggle').setChecked(view === 'tables');
}

export interface StageCandidate {
	/** The token as the panel shows it (a space as `·`). */
	token: string;
	/** Its probability after the stage; `null` once a stage has removed it. */
	probability: number | null;
}

/**
 * The candidates in one stage's table of the open explanation (`raw` for the model's own
 * probabilities), the model's favourite first. The explanation must be shown as tables.
 */
export async function stageCandidates(page: Page, stage: string): Promise<StageCandidate[]> {
	const rows = page.locator(`[data-testid="why-stage"][data-stage="${stage}"] tbody tr`);
	await expect(rows.first()).toBeVisible();
	return rows.evaluateAll((trs) =>
		trs.map((tr) => {
			const value = tr.querySelector('td')?.textContent?.trim() ?? '';
			return {
				token: tr.querySelector('th')?.textContent ?? '',
				probability: value.startsWith('removed') ? null : Number(value)
			};
		})
	);
}

/** A text as the model wrote it, from the app's display of it (" " shows as "·", "\n" as "↵"). */
export function unshown(shown: string): string {
	return shown.replaceAll('∅', '').replaceAll('·', ' ').replaceAll('↵', '\n');
}

/** The text of shown tokens, as the model wrote them. */
export function tokensText(tokens: readonly ShownToken[]): string {
	return unshown(tokens.map((token) => token.text).join(''));
}

/** The first step (1 for the first generated token) where two runs' tokens differ; 0 if none. */
export function firstChangedStep(
	before: readonly ShownToken[],
	after: readonly ShownToken[]
): number {
	const length = Math.max(before.length, after.length);
	for (let i = 0; i < length; i++) if (before[i]?.id !== after[i]?.id) return i + 1;
	return 0;
}

export interface WhatIfResult {
	/** Steps drawn again from their stored distributions, without a model call. */
	stored: number;
	/** Steps the model had to run for (their context was new). */
	model: number;
	/** The status line, as the page shows it. */
	status: string;
}

/**
 * With what-if on (or `change` turning it on): makes `change` and waits for the re-sample it sets
 * off to end, then reads the status. It watches the status pass through "Working…", so it also
 * waits correctly for a re-sample whose result reads the same as the last one.
 */
export async function resample(page: Page, change: () => Promise<void>): Promise<WhatIfResult> {
	const status = page.getByTestId('whatif-status');
	const watch = await status.evaluateHandle((element, timeout) => {
		// Wrapped in an object, so that evaluateHandle hands back the promise rather than awaiting it.
		const started = new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error('no what-if re-sample started')), timeout);
			const observer = new MutationObserver(() => {
				if (!element.textContent?.includes('Working')) return;
				observer.disconnect();
				clearTimeout(timer);
				resolve();
			});
			observer.observe(element, { childList: true, subtree: true, characterData: true });
		});
		return { started };
	}, RUN_TIMEOUT);
	await change();
	await watch.evaluate((watching) => watching.started);
	await watch.dispose();
	await expect(status).toHaveText(/^\s*Re-sampled/, { timeout: RUN_TIMEOUT });
	const error = page.getByTestId('explore-error');
	if (await error.isVisible()) throw new Error(`the re-sample failed: ${await error.innerText()}`);
	const text = ((await status.textContent()) ?? '').replace(/\s+/g, ' ').trim();
	const counts =
		/(\d+) steps from stored distributions \(no model call\), (\d+) from the model/.exec(text);
	if (!counts) throw new Error(`the what-if status reads "${text}"`);
	// Changing a field scrolled to it; the re-sampled tokens are what the film should show.
	await bringIntoView(page.getByTestId('whatif-toggle'));
	return { stored: Number(counts[1]), model: Number(counts[2]), status: text };
}
