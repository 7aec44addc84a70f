/**
 * How `npm run demo` films a lesson: the `Director` that playLesson calls around each chapter.
 * It records the page with Playwright's screencast (a new piece of video whenever the lesson
 * moves to another page), shows each chapter's title card and keeps its title and narration
 * on screen as a caption, holds the end of a chapter for the viewer, takes its screenshot and
 * notes where each chapter starts in the video. In a class (`--headed`) it records nothing and
 * waits for a key before each chapter's actions instead.
 */
import path from 'node:path';
import type { Disposable, Page } from '@playwright/test';
import type { ChapterReport, Director } from '../../demos/lesson.ts';
import { screenshotName } from '../../demos/report-markdown.ts';
import type { VideoChapter } from './ffmpeg.ts';

export interface FilmOptions {
	name: string;
	lessonTitle: string;
	/** Where the pieces of video and the screenshots go; null records nothing (a live class). */
	outDir: string | null;
	size: { width: number; height: number };
	/** How long a chapter's title card shows, and how long its end is held. */
	titleMs: number;
	holdMs: number;
	/** In a class: resolves when the teacher moves on (instead of the title card's time). */
	waitForTeacher?: (next: string) => Promise<void>;
}

export class LessonFilm implements Director {
	readonly pieces: string[] = [];
	readonly screenshots: string[] = [];
	private readonly starts: { title: string; startMs: number }[] = [];
	private filming: Page | null = null;
	/** Milliseconds of video in the pieces already finished, and when the current one began. */
	private finishedMs = 0;
	private pieceStartedAt = 0;
	private caption: { html: string; shown: Disposable | null } | null = null;

	constructor(private readonly options: FilmOptions) {}

	async onPage(page: Page): Promise<void> {
		await this.stopPiece();
		this.filming = page;
		const { outDir, name, size } = this.options;
		if (outDir !== null) {
			const piece = path.join(outDir, `${name}.piece-${this.pieces.length + 1}.webm`);
			await page.screencast.start({ path: piece, size });
			this.pieces.push(piece);
			this.pieceStartedAt = Date.now();
		}
		// Clicks and typing show where they happen, with a pointer.
		await page.screencast.showActions({ duration: 600, position: 'top-right' });
		if (this.caption) this.caption.shown = await page.screencast.showOverlay(this.caption.html);
	}

	async beforeChapter(chapter: ChapterReport, index: number, page: Page): Promise<void> {
		this.starts.push({ title: chapter.title, startMs: this.elapsedMs() });
		await this.caption?.shown?.dispose();
		const heading = `${index + 1}. ${chapter.title}`;
		const card = await page.screencast.showOverlay(titleCardHtml(heading, chapter.narration));
		if (this.options.waitForTeacher) await this.options.waitForTeacher(heading);
		else await page.waitForTimeout(this.options.titleMs);
		await card.dispose();
		const html = captionHtml(this.options.lessonTitle, heading, chapter.narration);
		this.caption = { html, shown: await page.screencast.showOverlay(html) };
	}

	async afterChapter(_chapter: ChapterReport, index: number, page: Page): Promise<void> {
		await page.waitForTimeout(this.options.holdMs);
		if (this.options.outDir === null) return;
		const file = screenshotName(this.options.name, index);
		await page.screenshot({ path: path.join(this.options.outDir, file), caret: 'hide' });
		this.screenshots.push(file);
	}

	async finish(): Promise<void> {
		await this.stopPiece();
	}

	/** Where each chapter starts and ends in the joined video (once the film is finished). */
	chapters(): VideoChapter[] {
		return this.starts.map((start, i) => ({
			title: start.title,
			startMs: start.startMs,
			endMs: this.starts[i + 1]?.startMs ?? this.finishedMs
		}));
	}

	private elapsedMs(): number {
		return (
			this.finishedMs + (this.filming && this.options.outDir ? Date.now() - this.pieceStartedAt : 0)
		);
	}

	private async stopPiece(): Promise<void> {
		if (!this.filming) return;
		if (this.options.outDir !== null) {
			this.finishedMs = this.elapsedMs();
			await this.filming.screencast.stop();
		}
		this.filming = null;
	}
}

const FONT = 'font-family: system-ui, sans-serif';

function titleCardHtml(heading: string, narration: string): string {
	return (
		`<div style="position:fixed;inset:0;display:grid;place-items:center;background:rgba(15,23,42,.55);${FONT}">` +
		`<div style="max-width:720px;padding:28px 36px;border-radius:12px;background:#0f172a;color:#f8fafc;box-shadow:0 12px 40px rgba(0,0,0,.45)">` +
		`<div style="font-size:34px;font-weight:700;margin-bottom:12px">${escapeHtml(heading)}</div>` +
		`<div style="font-size:22px;line-height:1.4">${escapeHtml(narration)}</div></div></div>`
	);
}

function captionHtml(lesson: string, heading: string, narration: string): string {
	return (
		`<div style="position:fixed;left:0;right:0;bottom:0;padding:10px 18px;background:rgba(15,23,42,.88);color:#f8fafc;font-size:17px;line-height:1.35;pointer-events:none;${FONT}">` +
		`<strong>${escapeHtml(lesson)} · ${escapeHtml(heading)}</strong> — ${escapeHtml(narration)}</div>`
	);
}

function escapeHtml(text: string): string {
	return text.replace(
		/[&<>"']/g,
		(char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!
	);
}
