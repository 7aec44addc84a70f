import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { lessonLink, runLanes } from '../demos/app';
import { readFigures } from '../demos/report-markdown';
import { openWithTestModel } from './fixtures';

const run = promisify(execFile);

/** The seeds lesson's first chapter, as its page says it ran: eight seeds at temperature 1. */
const SEEDS_LINK = lessonLink({
	prompt: 'Once upon a time',
	temperature: 1,
	maxNewTokens: 30,
	sweep: ['seed:1, 2, 3, 4, 5, 6, 7, 8']
});

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(png: Buffer) {
	expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
	return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

test('a filmed lesson has a playable video with its chapters, a screenshot a chapter, and a page whose figures the app shows', async ({
	page,
	baseURL
}) => {
	test.setTimeout(240_000);
	const out = await mkdtemp(path.join(tmpdir(), 'lesson-'));
	try {
		// The command a teacher runs, against the app these tests serve.
		await run('npm', ['run', 'demo', '--', 'seeds', '--base-url', baseURL!, '--out', out], {
			timeout: 200_000
		});
		const markdown = await readFile(path.join(out, 'seeds.md'), 'utf8');
		const titles = [...markdown.matchAll(/^## \d+\. (.*)$/gm)].map((match) => match[1]);
		expect(titles).toEqual([
			'Eight seeds, eight stories',
			'The same seed twice',
			'Replay proves it'
		]);

		// One screenshot a chapter, each named in the page, at the film's size.
		const files = (await readdir(out)).sort();
		expect(files).toEqual([
			'seeds-01.png',
			'seeds-02.png',
			'seeds-03.png',
			'seeds.md',
			'seeds.webm'
		]);
		for (const [i, title] of titles.entries()) {
			const shot = `seeds-0${i + 1}.png`;
			expect(markdown).toContain(`![${title}](${shot})`);
			expect(pngSize(await readFile(path.join(out, shot)))).toEqual({ width: 1280, height: 800 });
		}

		// The video has a length and the lesson's chapters, in order, within it.
		const { stdout } = await run('ffprobe', [
			...['-v', 'error', '-print_format', 'json', '-show_format', '-show_chapters'],
			path.join(out, 'seeds.webm')
		]);
		const probe = JSON.parse(stdout) as {
			format: { duration: string };
			chapters: { start_time: string; end_time: string; tags: { title: string } }[];
		};
		const duration = Number(probe.format.duration);
		expect(duration).toBeGreaterThan(3);
		expect(probe.chapters.map((chapter) => chapter.tags.title)).toEqual(titles);
		for (const chapter of probe.chapters) {
			expect(Number(chapter.end_time)).toBeGreaterThan(Number(chapter.start_time));
			expect(Number(chapter.end_time)).toBeLessThanOrEqual(duration + 0.5);
		}

		// Chromium plays it.
		const video = await readFile(path.join(out, 'seeds.webm'));
		await page.route('http://lesson.test/seeds.webm', (route) =>
			route.fulfill({ body: video, contentType: 'video/webm' })
		);
		await page.route('http://lesson.test/', (route) =>
			route.fulfill({ body: '<video src="seeds.webm" muted></video>', contentType: 'text/html' })
		);
		await page.goto('http://lesson.test/');
		const played = await page.evaluate(async () => {
			const element = document.querySelector('video')!;
			await element.play();
			await new Promise((resolve) => setTimeout(resolve, 800));
			return {
				duration: element.duration,
				width: element.videoWidth,
				height: element.videoHeight,
				time: element.currentTime,
				error: element.error?.message ?? null
			};
		});
		expect(played.error).toBeNull();
		expect(played.duration).toBeCloseTo(duration, 0);
		expect({ width: played.width, height: played.height }).toEqual({ width: 1280, height: 800 });
		expect(played.time).toBeGreaterThan(0);

		// Its figures are what the app shows for the same experiment, opened here by its link.
		const figures = readFigures(markdown);
		await openWithTestModel(page, SEEDS_LINK);
		const lanes = (await runLanes(page)).map(({ label, text }) => ({ label, value: text }));
		expect(lanes).toHaveLength(8);
		expect(figures.get('Eight seeds, eight stories')).toEqual(lanes);
		const seed5 = lanes.find((lane) => lane.label === 'seed 5')!.value;
		expect(figures.get('The same seed twice')).toEqual([
			{ label: 'seed 5, first run', value: seed5 },
			{ label: 'seed 5, second run', value: seed5 }
		]);
		expect(figures.get('Replay proves it')).toEqual([
			{ label: 'replay', value: '✓ Identical: all 30 tokens match.' }
		]);
	} finally {
		await rm(out, { recursive: true, force: true });
	}
});
