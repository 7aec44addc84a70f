import type { Page } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { playLesson, type Lesson } from '../../demos/lesson.ts';
import { LessonFilm, type FilmOptions } from './film.ts';

/** A page that logs what the film does to it. */
function fakePage(name: string, log: string[]): Page {
	const overlay = (html: string) => {
		const text = html
			.replaceAll(/<[^>]+>/g, ' ')
			.replaceAll(/\s+/g, ' ')
			.trim();
		log.push(`${name} overlay: ${text}`);
		return Promise.resolve({ dispose: async () => void log.push(`${name} overlay gone: ${text}`) });
	};
	return {
		screencast: {
			start: async ({ path }: { path: string }) => void log.push(`${name} records ${path}`),
			stop: async () => void log.push(`${name} stops`),
			showActions: async () => ({ dispose: async () => {} }),
			showOverlay: overlay
		},
		waitForTimeout: async (ms: number) => void log.push(`${name} waits ${ms}`),
		screenshot: async ({ path }: { path: string }) => void log.push(`${name} shot ${path}`),
		context: () => ({ newPage: async () => fakePage('fresh', log), close: async () => {} })
	} as unknown as Page;
}

const LESSON: Lesson = {
	name: 'two',
	title: 'Two pages',
	summary: '',
	async play(lesson) {
		await lesson.chapter('First', 'On the first page.', async () => {});
		await lesson.chapter('Second', 'In a fresh browser.', async () => {
			await lesson.freshBrowser();
		});
	}
};

function options(overrides: Partial<FilmOptions>): FilmOptions {
	return {
		name: 'two',
		lessonTitle: 'Two pages',
		outDir: 'out',
		size: { width: 1280, height: 800 },
		titleMs: 2500,
		holdMs: 2000,
		...overrides
	};
}

async function play(film: LessonFilm, log: string[]) {
	const browser = { newContext: async () => fakePage('first', log).context() };
	return playLesson(LESSON, {
		page: fakePage('first', log),
		browser: browser as never,
		baseURL: 'http://app',
		director: film
	});
}

describe('filming a lesson', () => {
	it('records a piece of video per page, with each chapter’s card, caption and screenshot', async () => {
		const log: string[] = [];
		const film = new LessonFilm(options({}));
		await play(film, log);
		expect(film.pieces).toEqual(['out/two.piece-1.webm', 'out/two.piece-2.webm']);
		expect(film.screenshots).toEqual(['two-01.png', 'two-02.png']);
		const [first, second] = film.chapters();
		expect([first.title, second.title]).toEqual(['First', 'Second']);
		expect(first.startMs).toBeLessThanOrEqual(first.endMs);
		expect(first.endMs).toBe(second.startMs);
		expect(second.startMs).toBeLessThanOrEqual(second.endMs);
		expect(log).toEqual([
			'first records out/two.piece-1.webm',
			'first overlay: 1. First On the first page.',
			'first waits 2500',
			'first overlay gone: 1. First On the first page.',
			'first overlay: Two pages · 1. First — On the first page.',
			'first waits 2000',
			'first shot out/two-01.png',
			'first overlay gone: Two pages · 1. First — On the first page.',
			'first overlay: 2. Second In a fresh browser.',
			'first waits 2500',
			'first overlay gone: 2. Second In a fresh browser.',
			'first overlay: Two pages · 2. Second — In a fresh browser.',
			// The fresh browser's page is filmed from then on, its caption shown again.
			'first stops',
			'fresh records out/two.piece-2.webm',
			'fresh overlay: Two pages · 2. Second — In a fresh browser.',
			'fresh waits 2000',
			'fresh shot out/two-02.png',
			'fresh stops'
		]);
	});

	it('in a class, records nothing and starts each chapter only when the teacher moves on', async () => {
		const log: string[] = [];
		const teacher = async (next: string) => void log.push(`teacher moves on to ${next}`);
		const film = new LessonFilm(options({ outDir: null, waitForTeacher: teacher }));
		await play(film, log);
		expect(film.pieces).toEqual([]);
		expect(film.screenshots).toEqual([]);
		expect(log.filter((line) => !line.includes('overlay'))).toEqual([
			'teacher moves on to 1. First',
			'first waits 2000',
			'teacher moves on to 2. Second',
			'fresh waits 2000'
		]);
	});
});
