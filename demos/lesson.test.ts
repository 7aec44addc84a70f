import type { Browser, Page } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { LessonFailure, playLesson, type Director, type Lesson } from './lesson';

const page = {} as Page;
const browser = {} as Browser;

function lesson(play: Lesson['play']): Lesson {
	return { name: 'test', title: 'A test', summary: 'Checks the player.', play };
}

describe('playing a lesson', () => {
	it('reports each chapter with its narration and figures, calling the director around it', async () => {
		const calls: string[] = [];
		const director: Director = {
			onPage: async () => void calls.push('page'),
			beforeChapter: async (chapter, i) => void calls.push(`before ${i} ${chapter.title}`),
			afterChapter: async (chapter, i) => void calls.push(`after ${i} ${chapter.figures.length}`),
			finish: async () => void calls.push('finish')
		};
		const report = await playLesson(
			lesson(async (script) => {
				await script.chapter('One', 'First.', async () => {
					calls.push('body 0');
					script.figure('seed', 3);
					script.figure('text', 'Once');
				});
				await script.chapter('Two', 'Second.', async () => void calls.push('body 1'));
			}),
			{ page, browser, baseURL: 'http://app', director }
		);
		expect(report).toEqual({
			name: 'test',
			title: 'A test',
			summary: 'Checks the player.',
			chapters: [
				{
					title: 'One',
					narration: 'First.',
					figures: [
						{ label: 'seed', value: 3 },
						{ label: 'text', value: 'Once' }
					]
				},
				{ title: 'Two', narration: 'Second.', figures: [] }
			]
		});
		expect(calls).toEqual([
			'page',
			'before 0 One',
			'body 0',
			'after 0 2',
			'before 1 Two',
			'body 1',
			'after 1 0',
			'finish'
		]);
	});

	it('names the lesson and the chapter whose claim failed, and still lets the director finish', async () => {
		let finished = false;
		const failing = lesson(async (script) => {
			await script.chapter('Fine', 'Nothing to see.', async () => {});
			await script.chapter('Equal texts', 'T 0.2 and T 0.8 agree.', async () => {
				expect('a cat', 'the two temperatures give the same text').toBe('a dog');
			});
			await script.chapter('Never reached', '', async () => {});
		});
		const played = playLesson(failing, {
			page,
			browser,
			baseURL: 'http://app',
			director: { finish: async () => void (finished = true) }
		});
		await expect(played).rejects.toThrow(LessonFailure);
		await expect(played).rejects.toThrow(
			/^Lesson "A test", chapter 2 "Equal texts": the two temperatures give the same text/
		);
		expect(finished).toBe(true);
	});

	it('refuses a figure outside a chapter and a chapter inside another', async () => {
		await expect(
			playLesson(
				lesson(async (script) => script.figure('stray', 1)),
				{ page, browser, baseURL: '' }
			)
		).rejects.toThrow('figure "stray" is outside any chapter');
		await expect(
			playLesson(
				lesson(async (script) => {
					await script.chapter('Odds', '', async () => script.figure('p', Number.NaN));
				}),
				{ page, browser, baseURL: '' }
			)
		).rejects.toThrow('chapter 1 "Odds": figure "p" is NaN, not a finite number');
		await expect(
			playLesson(
				lesson(async (script) => {
					await script.chapter('Outer', '', async () => {
						await script.chapter('Inner', '', async () => {});
					});
				}),
				{ page, browser, baseURL: '' }
			)
		).rejects.toThrow('chapter 1 "Outer": chapter "Inner" starts inside "Outer"');
	});
});
