import { expect, type Page } from '@playwright/test';
import {
	explainToken,
	firstChangedStep,
	generate,
	openExperiment,
	shownTokens,
	tokensText,
	unshown,
	type ShownToken
} from './app';
import type { Lesson } from './lesson';

/** After "Ben said", greedy stories260K says this line over and over. */
const PROMPT = 'Ben said';
const LINE = '"I\'m sorry," said Lily.\n';
const SETTINGS = { prompt: PROMPT, temperature: 0, seed: 1, maxNewTokens: 80 } as const;

/** Sets a sampling parameter on the panel (its field's test id is the parameter's name). */
async function setParam(page: Page, name: string, value: number): Promise<void> {
	await page.getByTestId(name).fill(String(value));
}

/** Generates, and reads the tokens the run gave. */
async function generateTokens(page: Page): Promise<ShownToken[]> {
	await generate(page);
	return shownTokens(page);
}

/** How many times `line` occurs in `text`. */
function occurrences(text: string, line: string): number {
	return text.split(line).length - 1;
}

/** The step (1 for the first generated token) whose token starts the first `line` in the text. */
function stepStarting(tokens: readonly ShownToken[], line: string): number {
	const at = tokensText(tokens).indexOf(line);
	for (let step = 1; step <= tokens.length; step++) {
		if (tokensText(tokens.slice(0, step - 1)).length === at) return step;
	}
	throw new Error(`no token starts "${line}"`);
}

/** How many tokens the line starting at `step` takes, up to and including its newline. */
function lineLength(tokens: readonly ShownToken[], step: number): number {
	const end = tokens.findIndex((token, i) => i >= step - 1 && token.text.endsWith('↵'));
	return end + 1 - (step - 1);
}

/** A token as a figure shows it: as the token view does (a space is "·"), in quotes. */
function quoted(token: ShownToken | undefined): string {
	return `“${token?.text ?? ''}”`;
}

/** The DRY chart of the open explanation: its facts, the earlier match, the penalty per token. */
async function dryExplanation(page: Page) {
	const chart = page.locator('[data-testid="why-chart"][data-stage="dry"]');
	await expect(chart, 'the explanation has a DRY chart').toBeVisible();
	const detail = chart.getByTestId('stage-detail');
	const fact = async (key: string) =>
		(await detail.locator(`[data-fact="${key}"] dd`).textContent())?.trim() ?? '';
	const sequence = detail.getByTestId('stage-sequence').first();
	const pieces = await sequence.locator('code').allTextContents();
	const penalties = await detail
		.getByTestId('stage-measure')
		.locator('li')
		.evaluateAll((rows) =>
			rows.map((row) => ({
				token: row.querySelector('.label')?.textContent ?? '',
				penalty: Number(
					(row.querySelector('.value')?.childNodes[0]?.textContent ?? '').replace('−', '-')
				)
			}))
		);
	return {
		longestMatch: parseInt(await fact('longestMatch')),
		allowedLength: await fact('allowedLength'),
		earlierMatch: unshown(pieces.join('')),
		penaltyOf: (token: ShownToken) =>
			penalties.find((row) => row.token === token.text)?.penalty ?? Number.NaN
	};
}

export default {
	name: 'repetition',
	title: 'Repetition',
	summary:
		'Greedy decoding can loop; repetition penalties break the loop by punishing every token used before, and DRY breaks it by punishing only the token that would continue a repeat.',
	async play(lesson) {
		let greedy: ShownToken[] = [];
		let loopStart = 0;
		await lesson.chapter(
			'The greedy loop',
			`Greedy decoding always takes the likeliest token. After "${PROMPT}" the test model falls into a loop and says the same line three times in a row.`,
			async () => {
				await openExperiment(lesson, SETTINGS);
				greedy = await generateTokens(lesson.page);
				const text = tokensText(greedy);
				loopStart = stepStarting(greedy, LINE);
				lesson.figure('greedy text', text);
				lesson.figure('the repeated line', LINE.trim());
				lesson.figure('times in the text', occurrences(text, LINE));
				lesson.figure('step where the loop starts', loopStart);
				expect(text, 'greedy decoding says the line three times in a row').toContain(
					LINE.repeat(3)
				);
			}
		);
		await lesson.chapter(
			'A repetition penalty',
			'A repetition penalty of 1.05 shrinks the logit of every token in the last 64, and the text leaves the greedy one at the step where the loop began: the line never comes twice in a row. At 1.2 the text changes as early as step 5, where it drops a comma only because a comma was used before.',
			async () => {
				const page = lesson.page;
				await expect(
					page.getByTestId('repeatLastN'),
					'the penalty looks at the last 64 tokens'
				).toHaveValue('64');
				await setParam(page, 'repeatPenalty', 1.05);
				const gentle = await generateTokens(page);
				const gentleStep = firstChangedStep(greedy, gentle);
				lesson.figure('repetition penalty', 1.05);
				lesson.figure('text', tokensText(gentle));
				lesson.figure('times the line is said', occurrences(tokensText(gentle), LINE));
				lesson.figure('first step that differs', gentleStep);
				lesson.figure('greedy token there', quoted(greedy[gentleStep - 1]));
				lesson.figure('penalised token there', quoted(gentle[gentleStep - 1]));
				expect(gentleStep, 'at 1.05 the text first differs where the loop began').toBe(loopStart);
				expect(tokensText(gentle), 'at 1.05 the line never comes twice in a row').not.toContain(
					LINE.repeat(2)
				);

				await setParam(page, 'repeatPenalty', 1.2);
				const strong = await generateTokens(page);
				const strongStep = firstChangedStep(greedy, strong);
				lesson.figure('stronger repetition penalty', 1.2);
				lesson.figure('text at 1.2', tokensText(strong));
				lesson.figure('first step that differs at 1.2', strongStep);
				lesson.figure('greedy token at that step', quoted(greedy[strongStep - 1]));
				lesson.figure('token at 1.2', quoted(strong[strongStep - 1]));
				expect(strongStep, 'at 1.2 the text changes as early as step 5').toBe(5);
				expect(greedy[strongStep - 1].text, 'the token 1.2 drops at step 5 is a comma').toBe(',');
				expect(
					greedy.slice(0, strongStep - 1).map((token) => token.text),
					'a comma was used before step 5'
				).toContain(',');
				await setParam(page, 'repeatPenalty', 1);
			}
		);
		await lesson.chapter(
			'Frequency and presence penalties',
			'These subtract from the logit of tokens already used instead: the frequency penalty once per earlier use, the presence penalty once. Either of them alone at 0.5 also breaks the loop where it began.',
			async () => {
				const page = lesson.page;
				for (const [name, label] of [
					['frequencyPenalty', 'frequency penalty'],
					['presencePenalty', 'presence penalty']
				] as const) {
					await setParam(page, name, 0.5);
					const tokens = await generateTokens(page);
					const step = firstChangedStep(greedy, tokens);
					lesson.figure(label, 0.5);
					lesson.figure(`text with the ${label}`, tokensText(tokens));
					lesson.figure(`first step that differs with the ${label}`, step);
					expect(step, `the ${label} changes the text where the loop began`).toBe(loopStart);
					expect(
						tokensText(tokens),
						`with the ${label} the line never comes twice in a row`
					).not.toContain(LINE.repeat(2));
					await setParam(page, name, 0);
				}
			}
		);
		let dryStep = 0;
		await lesson.chapter(
			'DRY breaks the loop',
			'DRY ("don\'t repeat yourself") punishes only a token that would continue a sequence the text already holds. With the penalties off and DRY at 0.8, the text stays the greedy one through the first line and changes inside its second copy, so the line is said once.',
			async () => {
				const page = lesson.page;
				await page.getByRole('checkbox', { name: 'Use the DRY stage' }).check();
				await setParam(page, 'dryMultiplier', 0.8);
				const dry = await generateTokens(page);
				dryStep = firstChangedStep(greedy, dry);
				const secondCopy = loopStart + lineLength(greedy, loopStart);
				lesson.figure('DRY multiplier', 0.8);
				lesson.figure('text with DRY', tokensText(dry));
				lesson.figure('times the line is said', occurrences(tokensText(dry), LINE));
				lesson.figure('step where the second copy starts', secondCopy);
				lesson.figure('first step that differs', dryStep);
				lesson.figure('greedy token there', quoted(greedy[dryStep - 1]));
				lesson.figure('DRY’s token there', quoted(dry[dryStep - 1]));
				expect(dryStep, 'DRY keeps the greedy text through the first line').toBeGreaterThan(
					secondCopy
				);
				expect(dryStep, 'DRY changes the text inside the second copy').toBeLessThan(
					secondCopy + lineLength(greedy, secondCopy)
				);
				expect(occurrences(tokensText(dry), LINE), 'with DRY the line is said once').toBe(1);
			}
		);
		await lesson.chapter(
			'Why DRY stepped in',
			'"Why this token" at that step shows what DRY saw: the tokens before it had appeared earlier, followed by the token the loop took. It took 0.8 × 1.75^(length − 2) from that token\'s logit, more the longer the repeat.',
			async () => {
				const page = lesson.page;
				await explainToken(page, dryStep);
				const why = await dryExplanation(page);
				const looped = greedy[dryStep - 1];
				const penalty = why.penaltyOf(looped);
				lesson.figure('step explained', dryStep);
				lesson.figure('longest match, in tokens', why.longestMatch);
				lesson.figure('allowed length', why.allowedLength);
				lesson.figure('earlier match, then the token it would repeat', `“${why.earlierMatch}”`);
				lesson.figure(`DRY penalty on ${quoted(looped)}`, penalty);
				expect(why.allowedLength, 'DRY lets repeats of 2 tokens pass').toBe('2 tokens');
				expect(why.longestMatch, 'the repeat is longer than DRY allows').toBeGreaterThan(2);
				expect(
					tokensText(greedy),
					'the earlier match, with the token it would repeat, is in the looping text'
				).toContain(why.earlierMatch);
				expect(
					why.earlierMatch.endsWith(tokensText([looped])),
					'the match goes on with the token the loop took'
				).toBe(true);
				expect(penalty, 'DRY took 0.8 × 1.75^(length − 2) from that token').toBeCloseTo(
					0.8 * 1.75 ** (why.longestMatch - 2),
					0
				);
			}
		);
	}
} satisfies Lesson;
