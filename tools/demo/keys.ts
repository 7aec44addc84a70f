/**
 * The key a teacher presses to move a `--headed` lesson on: one key from the terminal, read raw.
 * `q` or Ctrl-C stops the lesson.
 */
export class LessonStopped extends Error {
	constructor() {
		super('stopped by the teacher');
		this.name = 'LessonStopped';
	}
}

/** Prints `prompt` and resolves at the next key, or rejects with LessonStopped on q / Ctrl-C. */
export function waitForKey(prompt: string): Promise<void> {
	const input = process.stdin;
	if (!input.isTTY) {
		return Promise.reject(new Error('--headed waits for keys: run it in a terminal'));
	}
	process.stdout.write(`${prompt} `);
	return new Promise((resolve, reject) => {
		input.setRawMode(true);
		input.resume();
		input.once('data', (data: Buffer) => {
			input.setRawMode(false);
			input.pause();
			process.stdout.write('\n');
			const key = data.toString();
			if (key === 'q' || key === '\u0003') reject(new LessonStopped());
			else resolve();
		});
	});
}
