import { expect } from '@playwright/test';
import { generate, openExperiment, runLanes } from './app';
import type { Lesson } from './lesson';

const PROMPT = 'Once upon a time';
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const SETTINGS = { prompt: PROMPT, temperature: 1, maxNewTokens: 30 } as const;

export default {
	name: 'seeds',
	title: 'Seeds',
	summary:
		'A seed fixes every random draw: eight seeds give eight stories, and the same seed gives the same story, token for token.',
	async play(lesson) {
		let texts: string[] = [];
		await lesson.chapter(
			'Eight seeds, eight stories',
			'At temperature 1 each token is drawn at random. Eight lanes differ only in their seed, and each tells its own story.',
			async () => {
				await openExperiment(lesson, { ...SETTINGS, sweep: [`seed:${SEEDS.join(', ')}`] });
				const lanes = await runLanes(lesson.page);
				expect(lanes.map((lane) => lane.label)).toEqual(SEEDS.map((seed) => `seed ${seed}`));
				texts = lanes.map((lane) => lane.text);
				for (const [i, text] of texts.entries()) lesson.figure(`seed ${SEEDS[i]}`, text);
				expect(new Set(texts).size, 'eight seeds give eight different texts').toBe(SEEDS.length);
			}
		);
		await lesson.chapter(
			'The same seed twice',
			'Run seed 5 on its own, then again: the same text both times, and the same as its lane.',
			async () => {
				await openExperiment(lesson, { ...SETTINGS, seed: 5 });
				const first = await generate(lesson.page);
				const second = await generate(lesson.page);
				lesson.figure('seed 5, first run', first.text);
				lesson.figure('seed 5, second run', second.text);
				expect(second.text, 'the same seed gives the same text').toBe(first.text);
				expect(first.text, 'a single run gives its lane’s text').toBe(texts[SEEDS.indexOf(5)]);
			}
		);
		await lesson.chapter(
			'Replay proves it',
			'Replay runs the saved session again from its seed and compares every token with the one it stored.',
			async () => {
				const page = lesson.page;
				await page.getByTestId('replay').click();
				const result = page.getByTestId('replay-result');
				await expect(result, 'the replay finds every token identical').toHaveAttribute(
					'data-identical',
					'true',
					{ timeout: 60_000 }
				);
				lesson.figure('replay', (await result.textContent())?.trim() ?? '');
			}
		);
	}
} satisfies Lesson;
