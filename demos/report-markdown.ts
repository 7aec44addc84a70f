/**
 * A played lesson as a Markdown page: its summary, the command that films it again, then each
 * chapter's narration, screenshot and figures. `npm run demo` writes it; `readFigures` reads the
 * figures back, so a test can hold the page to what the app shows.
 */
import type { Figure, FigureValue, LessonReport } from './lesson';

export interface PageFiles {
	/** The video's file name, beside the page. */
	video: string;
	/** Each chapter's screenshot file name, beside the page. */
	screenshots: readonly string[];
}

/** The figures table's header: a test finds the tables by it. */
const FIGURES_HEADER = '| Figure | Value |';

/** Screenshot file name of chapter `index` (from 0) of lesson `name`. */
export function screenshotName(name: string, index: number): string {
	return `${name}-${String(index + 1).padStart(2, '0')}.png`;
}

export function lessonMarkdown(report: LessonReport, files: PageFiles): string {
	const lines = [
		`# ${report.title}`,
		'',
		report.summary,
		'',
		`Video: [${files.video}](${files.video}) (${report.chapters.length} chapters). ` +
			`Film it again with \`npm run demo -- ${report.name}\`; play it in a class with ` +
			`\`npm run demo -- ${report.name} --headed\`.`,
		''
	];
	report.chapters.forEach((chapter, index) => {
		lines.push(`## ${index + 1}. ${chapter.title}`, '', chapter.narration, '');
		const shot = files.screenshots[index];
		if (shot) lines.push(`![${escapeAlt(chapter.title)}](${shot})`, '');
		if (chapter.figures.length > 0) {
			lines.push(FIGURES_HEADER, '| --- | --- |');
			for (const figure of chapter.figures) {
				const value = codeSpan(escapeCell(JSON.stringify(figure.value)));
				lines.push(`| ${escapeCell(figure.label)} | ${value} |`);
			}
			lines.push('');
		}
	});
	return lines.join('\n');
}

/** The figures of each chapter of a page `lessonMarkdown` wrote, by chapter title. */
export function readFigures(markdown: string): Map<string, Figure[]> {
	const chapters = new Map<string, Figure[]>();
	let figures: Figure[] | null = null;
	for (const line of markdown.split('\n')) {
		const heading = /^## \d+\. (.*)$/.exec(line);
		if (heading) {
			figures = [];
			chapters.set(heading[1], figures);
			continue;
		}
		if (figures === null || !line.startsWith('| ') || line === FIGURES_HEADER) continue;
		if (line === '| --- | --- |') continue;
		const cells = splitRow(line);
		if (cells.length !== 2) throw new Error(`a figures row has ${cells.length} cells: ${line}`);
		const value = /^(`+) (.*) \1$/.exec(cells[1]);
		if (!value) throw new Error(`a figure's value is not in a code span: ${line}`);
		figures.push({ label: cells[0], value: JSON.parse(value[2]) as FigureValue });
	}
	return chapters;
}

/** A table cell holds one line: pipes are escaped, and a label's newlines become spaces. */
function escapeCell(text: string): string {
	return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** A value as code, so Markdown shows its characters as they are (JSON has no newlines). */
function codeSpan(text: string): string {
	const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
	const fence = '`'.repeat(longestRun + 1);
	return `${fence} ${text} ${fence}`;
}

function escapeAlt(text: string): string {
	return text.replaceAll(/[[\]]/g, '');
}

/** The cells of `| a | b |`: a `\` just before a `|` escapes it; other backslashes are text. */
function splitRow(line: string): string[] {
	const cells: string[] = [];
	let cell = '';
	for (let i = 1; i < line.length; i++) {
		const char = line[i];
		if (char === '\\' && line[i + 1] === '|') {
			cell += '|';
			i++;
		} else if (char === '|') {
			cells.push(cell.trim());
			cell = '';
		} else {
			cell += char;
		}
	}
	return cells;
}
