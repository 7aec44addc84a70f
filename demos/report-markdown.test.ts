import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LessonReport } from './lesson';
import { lessonMarkdown, readFigures, screenshotName } from './report-markdown';

const REPORT: LessonReport = {
	name: 'seeds',
	title: 'Seeds',
	summary: 'A seed fixes every random draw.',
	chapters: [
		{
			title: 'Eight seeds',
			narration: 'Each lane tells its own story.',
			figures: [
				{ label: 'seed 1', value: ', there was a | pipe,\na newline and a `tick`' },
				{ label: 'distinct texts', value: 8 }
			]
		},
		{ title: 'Replay', narration: 'Every token matches.', figures: [] }
	]
};

describe('a lesson’s Markdown page', () => {
	const page = lessonMarkdown(REPORT, {
		video: 'seeds.webm',
		screenshots: [screenshotName('seeds', 0), screenshotName('seeds', 1)]
	});

	it('has the narration, a screenshot and the figures of each chapter, and the commands', () => {
		expect(page).toContain('# Seeds\n\nA seed fixes every random draw.');
		expect(page).toContain('[seeds.webm](seeds.webm) (2 chapters)');
		expect(page).toContain('`npm run demo -- seeds`');
		expect(page).toContain(
			'## 1. Eight seeds\n\nEach lane tells its own story.\n\n![Eight seeds](seeds-01.png)'
		);
		expect(page).toContain('## 2. Replay\n\nEvery token matches.\n\n![Replay](seeds-02.png)');
		expect(page).toContain('| distinct texts | ` 8 ` |');
		// Each figure is one table row, whatever its text holds.
		expect(page.split('\n').filter((line) => line.startsWith('| seed 1 |'))).toHaveLength(1);
	});

	it('gives back the figures it shows', () => {
		expect(readFigures(page)).toEqual(
			new Map([
				['Eight seeds', REPORT.chapters[0].figures],
				['Replay', []]
			])
		);
	});

	it('gives back any text, number or flag as a figure', () => {
		const value = fc.oneof(
			fc.string({ unit: 'binary' }),
			fc.double({ noNaN: true, noDefaultInfinity: true }),
			fc.boolean()
		);
		const label = fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => s.trim() === s);
		fc.assert(
			fc.property(label, value, (label, value) => {
				fc.pre(!label.includes('\n') && !label.endsWith('\\') && !Object.is(value, -0));
				const report = {
					...REPORT,
					chapters: [{ ...REPORT.chapters[1], figures: [{ label, value }] }]
				};
				const read = readFigures(lessonMarkdown(report, { video: 'v.webm', screenshots: [] }));
				expect(read.get('Replay')).toEqual([{ label, value }]);
			})
		);
	});
});
