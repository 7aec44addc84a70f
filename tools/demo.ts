/**
 * `npm run demo`: lists the lessons of demos/, films them, or plays one for a class.
 *
 *   npm run demo                          # lists the lessons
 *   npm run demo -- seeds                 # films one: docs/lessons/seeds.{webm,md} and a PNG a chapter
 *   npm run demo -- --all                 # films every lesson
 *   npm run demo -- seeds --headed        # plays it in a visible browser, a key per chapter
 *
 * Options: `--out <folder>` (default docs/lessons), `--base-url <url>` (drive an app already
 * running instead of building and serving one on DEMO_PORT, default 4520), `--no-build`
 * (serve the build/ already there). Filming needs ffmpeg (Debian's `ffmpeg` package).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromiumPath, offlineRootArgs, webGpuArgs } from '../e2e/browser.ts';
import type { Lesson } from '../demos/lesson.ts';
import { lessonMarkdown } from '../demos/report-markdown.ts';
import { buildApp, serveApp, type AppServer } from './app-server.ts';
import { findFfmpeg, joinWithChapters, playwrightBrowsersFolder } from './demo/ffmpeg.ts';
import { LessonFilm } from './demo/film.ts';
import { LessonStopped, waitForKey } from './demo/keys.ts';
import { publishFilm } from './demo/publish.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const SIZE = { width: 1280, height: 800 };

const { values: flags, positionals: names } = parseArgs({
	allowPositionals: true,
	options: {
		all: { type: 'boolean', default: false },
		headed: { type: 'boolean', default: false },
		out: { type: 'string', default: path.join(root, 'docs', 'lessons') },
		'base-url': { type: 'string' },
		'no-build': { type: 'boolean', default: false }
	}
});

const ffmpeg = flags.headed ? null : findFfmpeg();
if (!flags.headed && ffmpeg === null && (flags.all || names.length > 0)) {
	console.error('Filming a lesson needs ffmpeg: install it (on Debian, `apt-get install ffmpeg`).');
	process.exit(1);
}
// Playwright records with "its" ffmpeg, found through this variable, read when it loads.
if (ffmpeg !== null) process.env.PLAYWRIGHT_BROWSERS_PATH = playwrightBrowsersFolder(ffmpeg);
const { chromium } = await import('@playwright/test');
const { LESSONS, lessonNamed } = await import('../demos/index.ts');
const { playLesson } = await import('../demos/lesson.ts');

function list(): void {
	console.log('Lessons (film one with `npm run demo -- <name>`, all with `-- --all`):\n');
	const width = Math.max(...LESSONS.map((lesson) => lesson.name.length));
	for (const lesson of LESSONS) {
		console.log(`  ${lesson.name.padEnd(width)}  ${lesson.title}: ${lesson.summary}`);
	}
}

async function film(lesson: Lesson, baseURL: string, browser: import('@playwright/test').Browser) {
	// A film is made in a folder of its own and joins the others only once the lesson has passed,
	// so a lesson that fails leaves its last good film whole.
	let work: string | null = null;
	if (!flags.headed) {
		await mkdir(flags.out, { recursive: true });
		work = await mkdtemp(path.join(flags.out, `.${lesson.name}-`));
	}
	const director = new LessonFilm({
		name: lesson.name,
		lessonTitle: lesson.title,
		outDir: work,
		size: SIZE,
		titleMs: 2_500,
		holdMs: 2_000,
		waitForTeacher: flags.headed
			? (next) => waitForKey(`Next: ${next}. Press a key (q stops).`)
			: undefined
	});
	const contextOptions = { viewport: SIZE, deviceScaleFactor: 1, colorScheme: 'light' as const };
	const context = await browser.newContext(contextOptions);
	try {
		const page = await context.newPage();
		const report = await playLesson(lesson, { page, browser, baseURL, contextOptions, director });
		if (work === null) {
			await waitForKey('The lesson is over. Press a key to close it.');
			return;
		}
		const video = `${lesson.name}.webm`;
		joinWithChapters(
			ffmpeg!,
			director.pieces,
			director.chapters(),
			lesson.title,
			path.join(work, video)
		);
		for (const piece of director.pieces) await rm(piece);
		const markdown = lessonMarkdown(report, { video, screenshots: director.screenshots });
		await writeFile(path.join(work, `${lesson.name}.md`), markdown);
		await publishFilm(lesson.name, work, flags.out);
		console.log(
			`${lesson.name}: ${report.chapters.length} chapters → ` +
				`${path.relative(process.cwd(), path.join(flags.out, video))}, ${lesson.name}.md, ` +
				`${director.screenshots.length} screenshots`
		);
	} finally {
		await context.close();
		if (work !== null) await rm(work, { recursive: true, force: true });
	}
}

async function main(): Promise<number> {
	if (!flags.all && names.length === 0) {
		list();
		return 0;
	}
	const lessons = flags.all ? [...LESSONS] : names.map(lessonNamed);
	let server: AppServer | null = null;
	let baseURL = flags['base-url'];
	if (baseURL === undefined) {
		if (!flags['no-build']) buildApp();
		server = await serveApp(Number(process.env.DEMO_PORT ?? 4520));
		baseURL = server.url;
	}
	const browser = await chromium.launch({
		executablePath: chromiumPath,
		headless: !flags.headed,
		// In a class, each click and keystroke slowly enough to follow.
		slowMo: flags.headed ? 150 : 0,
		args: [...offlineRootArgs, ...webGpuArgs]
	});
	let failed = 0;
	try {
		for (const lesson of lessons) {
			try {
				await film(lesson, baseURL, browser);
			} catch (error) {
				// The teacher's q arrives inside a chapter, so as the cause of the lesson's failure.
				if (error instanceof LessonStopped || (error as Error).cause instanceof LessonStopped)
					break;
				failed++;
				console.error(error instanceof Error ? error.message : error);
			}
		}
	} finally {
		await browser.close();
		server?.stop();
	}
	return failed === 0 ? 0 : 1;
}

try {
	process.exitCode = await main();
} catch (error) {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
}
