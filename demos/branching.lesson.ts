import { expect, type Page } from '@playwright/test';
import { explainToken, openExperiment, shownTokens, tokensText, type ShownToken } from './app';
import type { Lesson } from './lesson';

/** Greedy, so every step the model takes is its likeliest token and the lesson is the same each time. */
const SETTINGS = { prompt: 'Once upon a time', temperature: 0, maxNewTokens: 12 } as const;
/** How many tokens the first branch gets before the pick. */
const FIRST_STEPS = 5;
/** The step whose token is replaced (1 for the first generated token). */
const PICK_STEP = 3;
/** How many tokens each branch gets after the pick. */
const STEPS_AFTER = 3;

interface Candidate {
	id: number;
	/** The token's text, as the pick button names it. */
	piece: string;
	/** The model's probability, as the draw table shows it (three decimals). */
	p: string;
}

/** Presses "Next token" `count` times, waiting for each token to appear. */
async function stepTimes(page: Page, count: number): Promise<void> {
	for (let i = 0; i < count; i++) {
		const before = await page.getByTestId('token').count();
		await page.getByTestId('step-once').click();
		await expect(page.getByTestId('token')).toHaveCount(before + 1);
	}
}

/** The candidates of the open explanation's draw table, with the model's probabilities. */
async function drawCandidates(page: Page): Promise<Candidate[]> {
	await page.getByTestId('raw-toggle').check();
	await page.getByTestId('tables-toggle').check();
	return page.getByTestId('why-candidate').evaluateAll((rows) =>
		rows.map((row) => ({
			id: Number(row.getAttribute('data-token-id')),
			piece:
				/“(.*)”/s.exec(
					row.querySelector('[data-testid="pick-candidate"]')?.getAttribute('aria-label') ?? ''
				)?.[1] ?? '',
			p: row.querySelector('td')?.textContent?.trim() ?? ''
		}))
	);
}

/** The text of the branch on view, as the Output box shows it. */
async function branchText(page: Page): Promise<string> {
	return (await page.getByTestId('output').textContent()) ?? '';
}

const ids = (tokens: ShownToken[]) => tokens.map((token) => token.id);

export default {
	name: 'branching',
	title: 'Branching',
	summary:
		'Step mode shows a story one token at a time; picking an unlikely token starts a second branch, and the branch tree walks between the two.',
	async play(lesson) {
		let first: ShownToken[] = [];
		let firstText = '';
		let candidates: Candidate[] = [];

		await lesson.chapter(
			'One token at a time',
			'In step mode the model adds one token each time you press Next token. Five presses give five tokens.',
			async () => {
				const page = await openExperiment(lesson, SETTINGS);
				await page.getByTestId('step-start').click();
				await expect(page.getByTestId('token'), 'step mode starts with no tokens').toHaveCount(0);
				await stepTimes(page, FIRST_STEPS);
				first = await shownTokens(page);
				firstText = await branchText(page);
				lesson.figure('the story after five steps', firstText);
				expect(first, 'five presses give five tokens').toHaveLength(FIRST_STEPS);
			}
		);

		await lesson.chapter(
			'Why this token?',
			`At temperature 0 there is no draw: each of the five steps took the model's likeliest token. The explanation of step ${PICK_STEP} lists the other candidates and how likely the model found them.`,
			async () => {
				const page = lesson.page;
				for (let step = 1; step <= FIRST_STEPS; step++) {
					await explainToken(page, step);
					await expect(
						page.getByTestId('why-summary'),
						`step ${step} is greedy, without a draw`
					).toContainText('Greedy: no random draw');
					candidates = await drawCandidates(page);
					const taken = candidates.find((c) => c.id === first[step - 1].id);
					const likeliest = Math.max(...candidates.map((c) => Number(c.p)));
					expect(taken, `step ${step}'s token is among its candidates`).toBeDefined();
					expect(Number(taken!.p), `step ${step} took the likeliest token`).toBe(likeliest);
					if (step === PICK_STEP) {
						lesson.figure('step', PICK_STEP);
						lesson.figure('the token taken', taken!.piece);
						lesson.figure('its probability', Number(taken!.p));
					}
				}
				await explainToken(page, PICK_STEP);
				candidates = await drawCandidates(page);
				lesson.figure('candidates listed', candidates.length);
				expect(candidates.length, 'the explanation lists other candidates').toBeGreaterThan(1);
			}
		);

		await lesson.chapter(
			'Pick an unlikely token',
			`Pick the least likely candidate listed instead. The token at step ${PICK_STEP} changes to it, marked as picked by you, and the tokens before it stay.`,
			async () => {
				const page = lesson.page;
				// The least likely that still shows a probability (not one that rounds to 0.000).
				const picked = candidates
					.filter((c) => Number(c.p) > 0)
					.reduce((a, b) => (Number(b.p) < Number(a.p) ? b : a));
				expect(picked.id, 'the pick is another token than the one taken').not.toBe(
					first[PICK_STEP - 1].id
				);
				await page
					.locator(`[data-testid="why-candidate"][data-token-id="${picked.id}"]`)
					.getByTestId('pick-candidate')
					.click();
				const token = page.getByTestId('token').nth(PICK_STEP - 1);
				await expect(token, 'the picked token takes its step').toHaveAttribute(
					'data-token-id',
					String(picked.id)
				);
				await expect(token, 'the token is marked as picked by you').toHaveAttribute(
					'data-picked-by',
					'user'
				);
				await expect(
					token,
					'its label gives its probability and says you picked it'
				).toHaveAttribute('aria-label', new RegExp(`, p ${picked.p}, picked by you$`));
				await expect(
					page.getByTestId('why-summary'),
					'the explanation says you picked it'
				).toContainText(`You picked “${picked.piece.replaceAll(' ', '·')}” instead`);
				await expect(page.getByTestId('token'), 'the branch ends at the pick').toHaveCount(
					PICK_STEP
				);
				expect(
					ids(await shownTokens(page)).slice(0, PICK_STEP - 1),
					'the tokens before the pick stay'
				).toEqual(ids(first).slice(0, PICK_STEP - 1));
				lesson.figure('picked token', picked.piece);
				lesson.figure('its probability', Number(picked.p));
			}
		);

		let second: ShownToken[] = [];
		let secondText = '';
		await lesson.chapter(
			'A second branch',
			`Press Next token ${STEPS_AFTER} times: the story goes on from the picked token. The branch tree now shows two branches that share the start and split at step ${PICK_STEP}.`,
			async () => {
				const page = lesson.page;
				await stepTimes(page, STEPS_AFTER);
				second = await shownTokens(page);
				secondText = await branchText(page);
				lesson.figure('the second branch', secondText);
				expect(second, 'the new branch has grown').toHaveLength(PICK_STEP + STEPS_AFTER);
				const branches = page.getByTestId('branch');
				await expect(branches, 'the tree shows two branches').toHaveCount(2);
				await expect(branches.nth(1), 'the branch on view is the new one').toHaveAttribute(
					'aria-current',
					'true'
				);
				const prefix = tokensText(second.slice(0, PICK_STEP - 1));
				const fork = page.getByTestId('branch-fork');
				await expect(fork, 'both branches share the start up to the pick').toHaveText(prefix);
				expect(firstText.startsWith(prefix), 'the first branch starts with it').toBe(true);
				expect(secondText.startsWith(prefix), 'and so does the new one').toBe(true);
				lesson.figure('shared start', prefix);
			}
		);

		await lesson.chapter(
			'Back to the first branch',
			`Click the first branch: its tokens come back, the same as before the pick. Continue it ${STEPS_AFTER} steps too, and compare the two stories: the same up to step ${PICK_STEP - 1}, different from step ${PICK_STEP}.`,
			async () => {
				const page = lesson.page;
				await page.getByTestId('branch').first().click();
				expect(ids(await shownTokens(page)), 'the first branch gives its tokens again').toEqual(
					ids(first)
				);
				await expect(page.getByTestId('output'), 'and its text again').toHaveText(firstText);
				await stepTimes(page, STEPS_AFTER);
				const continued = await shownTokens(page);
				const continuedText = await branchText(page);
				expect(
					ids(continued).slice(0, FIRST_STEPS),
					'continuing the first branch keeps its tokens'
				).toEqual(ids(first));
				expect(
					ids(continued).slice(0, PICK_STEP - 1),
					`the branches agree before step ${PICK_STEP}`
				).toEqual(ids(second).slice(0, PICK_STEP - 1));
				expect(continued[PICK_STEP - 1].id, `the branches differ at step ${PICK_STEP}`).not.toBe(
					second[PICK_STEP - 1].id
				);
				expect(continuedText, 'the two branches tell different stories').not.toBe(secondText);
				lesson.figure('the first branch', continuedText);
				lesson.figure('the second branch', secondText);
			}
		);
	}
} satisfies Lesson;
