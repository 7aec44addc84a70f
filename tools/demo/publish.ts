/**
 * A finished film joins the others: `npm run demo` films each lesson in a folder of its own and
 * moves it beside the others only once the lesson has passed, so a lesson that fails while
 * filmed leaves its last good film whole.
 */
import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Moves the film in `work` into `outDir`, in place of lesson `name`'s old page, video and PNGs. */
export async function publishFilm(name: string, work: string, outDir: string): Promise<void> {
	const ofLesson = new RegExp(`^${name}(\\.md|\\.webm|-\\d{2}\\.png)$`);
	for (const file of await readdir(outDir)) {
		if (ofLesson.test(file)) await rm(path.join(outDir, file));
	}
	for (const file of await readdir(work)) {
		await rename(path.join(work, file), path.join(outDir, file));
	}
}
