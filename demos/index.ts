/**
 * Every lesson, in the order `npm run demo` lists them and the README shows them. A new lesson
 * is one `<name>.lesson.ts` file, modelled on the others, added here.
 */
import branching from './branching.lesson';
import filters from './filters.lesson';
import type { Lesson } from './lesson';
import offlineShare from './offline-share.lesson';
import repetition from './repetition.lesson';
import seeds from './seeds.lesson';
import temperature from './temperature.lesson';
import whatIf from './what-if.lesson';

export const LESSONS: readonly Lesson[] = [
	temperature,
	filters,
	seeds,
	repetition,
	branching,
	whatIf,
	offlineShare
];

/** The lesson called `name`, or an error that lists the names there are. */
export function lessonNamed(name: string): Lesson {
	const lesson = LESSONS.find((candidate) => candidate.name === name);
	if (lesson) return lesson;
	throw new Error(
		`There is no lesson called "${name}". The lessons are: ${LESSONS.map((l) => l.name).join(', ')}.`
	);
}
