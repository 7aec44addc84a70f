/**
 * What a lesson is, and how one is played. A lesson (`demos/<name>.lesson.ts`) is a small
 * Playwright script in plain steps; each step is a chapter with a title, a sentence or two of
 * narration, the actions that show it, and the assertions that prove what the narration says.
 * `playLesson` runs one for both of its callers: the lessons spec (the fast form CI runs) and
 * `npm run demo` (tools/demo.ts), which films it through the `Director` hooks.
 */
import type { Browser, BrowserContextOptions, Page } from '@playwright/test';

/** A number or text a chapter showed, kept for the lesson's Markdown page. */
export type FigureValue = string | number | boolean;

export interface Figure {
	label: string;
	value: FigureValue;
}

/** What a lesson's `play` gets: the page it films, and a chapter at a time. */
export interface Script {
	/** The page the lesson acts on (the last one `freshBrowser` opened, or the first). */
	readonly page: Page;
	/** The app's address, such as `http://127.0.0.1:4173`. */
	readonly baseURL: string;
	/**
	 * One chapter: shows its title and narration (when filmed), runs `body`, and names the chapter
	 * in the error if anything in it fails, an assertion above all.
	 */
	chapter(title: string, narration: string, body: () => Promise<void>): Promise<void>;
	/** Keeps a figure the current chapter showed (a seed, a text, a count, a probability). */
	figure(label: string, value: FigureValue): void;
	/** Opens a page in a new browser context (no storage shared) and acts on it from now on. */
	freshBrowser(options?: BrowserContextOptions): Promise<Page>;
}

export interface Lesson {
	/** The name `npm run demo -- <name>` takes, and the stem of its files. */
	name: string;
	title: string;
	/** One sentence: what the lesson shows. */
	summary: string;
	play(script: Script): Promise<void>;
}

export interface ChapterReport {
	title: string;
	narration: string;
	figures: Figure[];
}

export interface LessonReport {
	name: string;
	title: string;
	summary: string;
	chapters: ChapterReport[];
}

/** How `npm run demo` films a lesson; the fast form passes none. */
export interface Director {
	/** The lesson acts on `page` from now on (its first page, then any fresh browser's). */
	onPage?(page: Page): Promise<void>;
	/** Before a chapter's actions: show its title and narration, wait for a key in a class. */
	beforeChapter?(chapter: ChapterReport, index: number, page: Page): Promise<void>;
	/** After its actions and assertions: take its screenshot. */
	afterChapter?(chapter: ChapterReport, index: number, page: Page): Promise<void>;
	/** The lesson ended (passed or failed), before the pages it opened close. */
	finish?(page: Page): Promise<void>;
}

export interface PlayOptions {
	page: Page;
	browser: Browser;
	baseURL: string;
	/** Options for the contexts `freshBrowser` opens (the recorder's viewport, say). */
	contextOptions?: BrowserContextOptions;
	director?: Director;
}

/** A lesson's claim that did not hold, or a step that failed, named by its chapter. */
export class LessonFailure extends Error {
	constructor(
		readonly lesson: string,
		readonly chapterIndex: number,
		readonly chapterTitle: string,
		cause: unknown
	) {
		const reason = cause instanceof Error ? cause.message : String(cause);
		super(`Lesson "${lesson}", chapter ${chapterIndex + 1} "${chapterTitle}": ${reason}`, {
			cause
		});
		this.name = 'LessonFailure';
	}
}

/** Plays `lesson` on `options.page`, chapter by chapter, and reports what each one showed. */
export async function playLesson(lesson: Lesson, options: PlayOptions): Promise<LessonReport> {
	const { browser, baseURL, director = {} } = options;
	const report: LessonReport = {
		name: lesson.name,
		title: lesson.title,
		summary: lesson.summary,
		chapters: []
	};
	const opened: Page[] = [];
	let page = options.page;
	let current: ChapterReport | null = null;
	const script: Script = {
		get page() {
			return page;
		},
		baseURL,
		async chapter(title, narration, body) {
			if (current !== null) throw new Error(`chapter "${title}" starts inside "${current.title}"`);
			const chapter: ChapterReport = { title, narration, figures: [] };
			const index = report.chapters.push(chapter) - 1;
			current = chapter;
			try {
				await director.beforeChapter?.(chapter, index, page);
				await body();
				await director.afterChapter?.(chapter, index, page);
			} catch (error) {
				throw error instanceof LessonFailure
					? error
					: new LessonFailure(lesson.title, index, title, error);
			} finally {
				current = null;
			}
		},
		figure(label, value) {
			if (current === null) throw new Error(`figure "${label}" is outside any chapter`);
			if (typeof value === 'number' && !Number.isFinite(value)) {
				throw new Error(`figure "${label}" is ${value}, not a finite number`);
			}
			current.figures.push({ label, value });
		},
		async freshBrowser(contextOptions) {
			const context = await browser.newContext({ ...options.contextOptions, ...contextOptions });
			page = await context.newPage();
			opened.push(page);
			await director.onPage?.(page);
			return page;
		}
	};
	try {
		await director.onPage?.(page);
		await lesson.play(script);
	} finally {
		await director.finish?.(page);
		for (const other of opened) await other.context().close();
	}
	return report;
}
