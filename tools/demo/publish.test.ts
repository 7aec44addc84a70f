import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publishFilm } from './publish.ts';

let out = '';

afterEach(async () => {
	await rm(out, { recursive: true, force: true });
});

async function folderWith(dir: string, files: Record<string, string>) {
	await mkdir(dir, { recursive: true });
	for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
}

describe('publishing a film', () => {
	it('replaces the lesson’s old page, video and screenshots, and leaves other lessons alone', async () => {
		out = await mkdtemp(path.join(tmpdir(), 'films-'));
		await folderWith(out, {
			'seeds.md': 'old',
			'seeds.webm': 'old',
			'seeds-01.png': 'old',
			'seeds-04.png': 'old chapter, gone from the new film',
			'seeds-extra.md': 'another lesson',
			'seeds-extra-01.png': 'another lesson',
			'temperature.md': 'another lesson'
		});
		const work = path.join(out, '.seeds-work');
		await folderWith(work, { 'seeds.md': 'new', 'seeds.webm': 'new', 'seeds-01.png': 'new' });
		await publishFilm('seeds', work, out);
		expect((await readdir(out)).sort()).toEqual([
			'.seeds-work',
			'seeds-01.png',
			'seeds-extra-01.png',
			'seeds-extra.md',
			'seeds.md',
			'seeds.webm',
			'temperature.md'
		]);
		expect(await readFile(path.join(out, 'seeds.md'), 'utf8')).toBe('new');
		expect(await readFile(path.join(out, 'seeds-extra.md'), 'utf8')).toBe('another lesson');
		expect(await readdir(work)).toEqual([]);
	});
});
