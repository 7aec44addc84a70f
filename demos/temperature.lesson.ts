import { expect, type Page } from '@playwright/test';
import {
	explainToken,
	generate,
	openExperiment,
	runLanes,
	shownTokens,
	showWhyAs,
	stageCandidates,
	type StageCandidate
} from './app';
import type { Lesson, Script } from './lesson';
import {
	expectSameOpening,
	NO_FILTERS,
	OPENING,
	openingIds,
	STORY,
	SURE_STEP,
	UNSURE_STEP
} from './story-steps';

const TEMPERATURES = [0.2, 0.8, 1.5] as const;

/** One step's candidates, the model's favourite first: its own probabilities, and after T. */
interface Reshaped {
	step: number;
	before: StageCandidate[];
	after: StageCandidate[];
}

/** A single run at temperature `t` (filters off), as far as the unsure step. */
async function runAt(lesson: Script, t: number): Promise<Page> {
	await openExperiment(lesson, {
		...STORY,
		...NO_FILTERS,
		temperature: t,
		maxNewTokens: UNSURE_STEP
	});
	await generate(lesson.page);
	return lesson.page;
}

/** Opens “why this token” at `step` and reads its candidates before and after temperature. */
async function reshaped(page: Page, step: number): Promise<Reshaped> {
	await explainToken(page, step);
	await showWhyAs(page, 'tables');
	const before = await stageCandidates(page, 'raw');
	const after = await stageCandidates(page, 'temperature');
	// The tables give the numbers; the charts, side by side, show the reshaping.
	await showWhyAs(page, 'charts');
	return { step, before, after };
}

/** Keeps a step's three favourites as a figure: `·named 0.981 → 0.995, …`. */
function figureOf(lesson: Script, t: number, { step, before, after }: Reshaped): void {
	const top = before
		.slice(0, 3)
		.map((c, i) => `${c.token} ${c.probability!.toFixed(3)} → ${after[i].probability!.toFixed(3)}`);
	lesson.figure(`step ${step}, before → after T ${t}`, top.join(', '));
}

/** A run at `t`, explained at the sure and the unsure step, both kept as figures. */
async function explainedAt(lesson: Script, t: number) {
	const page = await runAt(lesson, t);
	const sure = await reshaped(page, SURE_STEP);
	const unsure = await reshaped(page, UNSURE_STEP);
	for (const step of [sure, unsure]) figureOf(lesson, t, step);
	return { page, sure, unsure };
}

/** The token the run on show drew at the unsure step, kept as a figure. */
async function drawnAtUnsureStep(lesson: Script): Promise<string> {
	const drawn = (await shownTokens(lesson.page))[UNSURE_STEP - 1].text;
	lesson.figure(`drawn at step ${UNSURE_STEP}`, drawn);
	return drawn;
}

const favourite = (candidates: StageCandidate[]) => candidates[0].probability!;

/** The probability of every candidate but the three favourites. */
const beyondTopThree = (candidates: StageCandidate[]) =>
	1 - candidates.slice(0, 3).reduce((sum, c) => sum + (c.probability ?? 0), 0);

export default {
	name: 'temperature',
	title: 'Temperature',
	summary:
		'Temperature divides the logits before the draw: below 1 it makes the favourite likelier, above 1 it spreads the probability, and it matters most where the model is unsure.',
	async play(lesson) {
		let reference: number[] = [];
		await lesson.chapter(
			'One prompt, three temperatures',
			'The same prompt and seed at temperature 0.2, 0.8 and 1.5, with no filters. The three stories open with the same words, then each goes its own way.',
			async () => {
				await openExperiment(lesson, {
					...STORY,
					...NO_FILTERS,
					maxNewTokens: 30,
					sweep: [`temperature:${TEMPERATURES.join(', ')}`]
				});
				const lanes = await runLanes(lesson.page);
				expect(
					lanes.map((lane) => lane.label),
					'one lane per temperature'
				).toEqual(TEMPERATURES.map((t) => `T ${t}`));
				for (const lane of lanes) lesson.figure(lane.label, lane.text);
				const [cool, warm, hot] = lanes.map((lane) => lane.text);
				for (const text of [cool, warm, hot]) {
					expect(text.slice(0, OPENING.length), 'the three stories open with the same words').toBe(
						OPENING
					);
				}
				expect(cool, 'T 0.2 and T 0.8 give different texts').not.toBe(warm);
				expect(hot, 'T 1.5 gives a third text').not.toBe(warm);
				expect(hot, 'T 1.5 gives a third text').not.toBe(cool);
			}
		);
		await lesson.chapter(
			'Sure and unsure',
			'At T 0.8, “why this token” at step 9 shows a model that is sure (“ named”, p ≥ 0.9), and at step 17 one torn between a lone space and “ with”, both below 0.5. Dividing the logits by 0.8 makes each favourite a little likelier.',
			async () => {
				const { page, sure, unsure } = await explainedAt(lesson, 0.8);
				reference = await openingIds(page);
				expect(sure.before[0].token, 'the sure step’s favourite is “ named”').toBe('·named');
				expect(
					favourite(sure.before),
					'at step 9 the favourite has p ≥ 0.9'
				).toBeGreaterThanOrEqual(0.9);
				expect(favourite(unsure.before), 'at step 17 the favourite has p < 0.5').toBeLessThan(0.5);
				expect(unsure.before[0].token, 'the favourite at step 17 is a lone space').toBe('·');
				expect(unsure.before[1].token, 'the runner-up at step 17 is “ with”').toBe('·with');
				expect(
					favourite(unsure.before) - unsure.before[1].probability!,
					'the two favourites at step 17 are within 0.1 of each other'
				).toBeLessThan(0.1);
				for (const step of [sure, unsure]) {
					const gain = favourite(step.after) - favourite(step.before);
					expect(gain, 'T 0.8 makes each favourite likelier').toBeGreaterThan(0);
					expect(gain, 'T 0.8 makes each favourite only a little likelier').toBeLessThan(0.1);
				}
			}
		);
		await lesson.chapter(
			'Cooler: T 0.2',
			'At 0.2 the sure step becomes certain, and at the unsure step the two favourites take almost everything; yet “ with” keeps about a third, and this run drew it.',
			async () => {
				const { page, sure, unsure } = await explainedAt(lesson, 0.2);
				await expectSameOpening(page, reference);
				const drawn = await drawnAtUnsureStep(lesson);
				expect(
					favourite(sure.after),
					'at T 0.2 the sure step’s favourite has p ≥ 0.999'
				).toBeGreaterThanOrEqual(0.999);
				expect(
					favourite(unsure.after),
					'T 0.2 makes the unsure favourite likelier'
				).toBeGreaterThan(favourite(unsure.before));
				expect(
					favourite(unsure.after) + unsure.after[1].probability!,
					'the two favourites hold more than 0.99'
				).toBeGreaterThan(0.99);
				expect(unsure.after[1].probability!, '“ with” keeps about a third').toBeCloseTo(1 / 3, 1);
				expect(drawn, 'this run drew “ with” at step 17').toBe('·with');
			}
		);
		await lesson.chapter(
			'Hotter: T 1.5',
			'At 1.5 the sure step stays sure, but at the unsure step the favourite drops and the tokens beyond the top three more than double their share; this run drew one of them.',
			async () => {
				const { page, sure, unsure } = await explainedAt(lesson, 1.5);
				await expectSameOpening(page, reference);
				const drawn = await drawnAtUnsureStep(lesson);
				lesson.figure(
					`beyond the top three at step ${UNSURE_STEP}, before → after`,
					`${beyondTopThree(unsure.before).toFixed(3)} → ${beyondTopThree(unsure.after).toFixed(3)}`
				);
				expect(
					favourite(sure.after),
					'at T 1.5 the sure step’s favourite keeps p ≥ 0.8'
				).toBeGreaterThanOrEqual(0.8);
				expect(
					favourite(unsure.after),
					'T 1.5 makes the unsure favourite less likely'
				).toBeLessThan(favourite(unsure.before));
				expect(
					beyondTopThree(unsure.after),
					'the tokens beyond the top three more than double their share'
				).toBeGreaterThan(2 * beyondTopThree(unsure.before));
				expect(
					unsure.before.slice(0, 3).map((c) => c.token),
					'this run drew a token beyond the top three'
				).not.toContain(drawn);
			}
		);
	}
} satisfies Lesson;
