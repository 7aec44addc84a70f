/**
 * Every lesson in its fast form (no video, no pauses), as part of the browser tests: a lesson
 * whose narrated claim stops being true fails here, named by its chapter.
 */
import { expect, test } from '@playwright/test';
import { openExperiment, runLanes } from './app';
import { LESSONS } from './index';
import { LessonFailure, playLesson, type Lesson } from './lesson';

for (const lesson of LESSONS) {
	test(`lesson: ${lesson.title}`, async ({ page, browser, baseURL }) => {
		test.setTimeout(180_000);
		const report = await playLesson(lesson, { page, browser, baseURL: baseURL! });
		expect(report.chapters.length).toBeGreaterThanOrEqual(3);
	});
}

/** A lesson with a claim that is false: two temperatures giving the same text. */
const falseClaim: Lesson = {
	name: 'false-claim',
	title: 'A false claim',
	summary: 'Claims what the app does not show.',
	async play(lesson) {
		await lesson.chapter('The model is loaded', 'The test model opens with the page.', async () => {
			await openExperiment(lesson, { prompt: 'Once upon a time', maxNewTokens: 20 });
		});
		await lesson.chapter(
			'Two temperatures, one text',
			'At temperature 0.2 and 1.5 the same seed tells the same story.',
			async () => {
				await openExperiment(lesson, {
					prompt: 'Once upon a time',
					seed: 42,
					maxNewTokens: 20,
					sweep: ['temperature:0.2, 1.5']
				});
				const [cool, hot] = await runLanes(lesson.page);
				expect(hot.text, 'T 0.2 and T 1.5 give the same text').toBe(cool.text);
			}
		);
	}
};

test('a lesson whose claim is not true fails, naming its chapter and the claim', async ({
	page,
	browser,
	baseURL
}) => {
	const played = playLesson(falseClaim, { page, browser, baseURL: baseURL! });
	await expect(played).rejects.toThrow(LessonFailure);
	await expect(played).rejects.toThrow(
		/^Lesson "A false claim", chapter 2 "Two temperatures, one text": T 0\.2 and T 1\.5 give the same text/
	);
});
