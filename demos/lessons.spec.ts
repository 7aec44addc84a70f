/**
 * Every lesson in its fast form (no video, no pauses), as part of the browser tests: a lesson
 * whose narrated claim stops being true fails here, named by its chapter.
 */
import { expect, test } from '@playwright/test';
import { LESSONS } from './index';
import { playLesson } from './lesson';

for (const lesson of LESSONS) {
	test(`lesson: ${lesson.title}`, async ({ page, browser, baseURL }) => {
		test.setTimeout(180_000);
		const report = await playLesson(lesson, { page, browser, baseURL: baseURL! });
		expect(report.chapters.length).toBeGreaterThan(0);
	});
}
