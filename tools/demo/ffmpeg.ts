/**
 * The ffmpeg `npm run demo` films with: the system's (Debian's `ffmpeg` package), since
 * Playwright's own build is a download this project cannot make. Playwright finds it where it
 * would have installed its own, in a browsers folder this module lays out; afterwards ffmpeg
 * joins a lesson's pieces of video and writes its chapters into the file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The ffmpeg on PATH, or null. */
export function findFfmpeg(): string | null {
	for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
		const candidate = path.join(dir, 'ffmpeg');
		if (dir !== '' && existsSync(candidate)) return candidate;
	}
	return null;
}

/** Playwright's name for its ffmpeg on this platform. */
function playwrightFfmpegName(): string {
	if (process.platform === 'linux') return 'ffmpeg-linux';
	if (process.platform === 'darwin') return 'ffmpeg-mac';
	return 'ffmpeg-win64.exe';
}

/**
 * A browsers folder (for PLAYWRIGHT_BROWSERS_PATH) where Playwright finds `ffmpeg` as its own:
 * `ffmpeg-<revision>/<name>`, the revision the installed Playwright expects.
 */
export function playwrightBrowsersFolder(ffmpeg: string): string {
	const manifest = JSON.parse(
		readFileSync(path.join(root, 'node_modules/playwright-core/browsers.json'), 'utf8')
	) as { browsers: { name: string; revision: string }[] };
	const entry = manifest.browsers.find((browser) => browser.name === 'ffmpeg');
	if (!entry) throw new Error('this Playwright does not say which ffmpeg it records with');
	const folder = path.join(root, '.cache', 'playwright-browsers');
	const link = path.join(folder, `ffmpeg-${entry.revision}`, playwrightFfmpegName());
	mkdirSync(path.dirname(link), { recursive: true });
	rmSync(link, { force: true });
	symlinkSync(ffmpeg, link);
	return folder;
}

export interface VideoChapter {
	title: string;
	startMs: number;
	endMs: number;
}

/**
 * Joins `pieces` (same size and codec, in order) into `output` and writes `chapters` and
 * `title` into it, copying the video as it is.
 */
export function joinWithChapters(
	ffmpeg: string,
	pieces: readonly string[],
	chapters: readonly VideoChapter[],
	title: string,
	output: string
): void {
	const work = `${output}.parts`;
	const list = path.join(work, 'pieces.txt');
	const metadata = path.join(work, 'chapters.txt');
	mkdirSync(work, { recursive: true });
	writeFileSync(list, pieces.map((piece) => `file '${piece.replaceAll("'", "'\\''")}'\n`).join(''));
	writeFileSync(metadata, ffmetadata(chapters, title));
	try {
		execFileSync(
			ffmpeg,
			[
				...['-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list],
				...['-i', metadata, '-map', '0', '-map_metadata', '1', '-map_chapters', '1'],
				...['-c', 'copy', output]
			],
			{ stdio: ['ignore', 'ignore', 'inherit'] }
		);
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

/** ffmpeg's metadata file: the title, then one [CHAPTER] per chapter, in milliseconds. */
export function ffmetadata(chapters: readonly VideoChapter[], title: string): string {
	const escape = (text: string) => text.replaceAll(/[=;#\\\n]/g, (char) => `\\${char}`);
	const lines = [';FFMETADATA1', `title=${escape(title)}`];
	for (const chapter of chapters) {
		lines.push(
			'[CHAPTER]',
			'TIMEBASE=1/1000',
			`START=${Math.round(chapter.startMs)}`,
			`END=${Math.round(chapter.endMs)}`,
			`title=${escape(chapter.title)}`
		);
	}
	return lines.join('\n') + '\n';
}
