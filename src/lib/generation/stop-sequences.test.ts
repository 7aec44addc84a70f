import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StopSequenceMatcher } from './stop-sequences';

/** Feeds `chunks` through a matcher and returns what was shown and whether a stop matched. */
function stream(stops: string[], chunks: string[]) {
	const matcher = new StopSequenceMatcher(stops);
	let shown = '';
	for (const chunk of chunks) {
		const { release, matched } = matcher.push(chunk);
		shown += release;
		if (matched !== null) return { shown, matched };
	}
	return { shown: shown + matcher.flush(), matched: null };
}

describe('StopSequenceMatcher', () => {
	it('holds back a possible start and releases it when disproved', () => {
		const matcher = new StopSequenceMatcher(['\n\nUser:']);
		expect(matcher.push('Hello\n')).toEqual({ release: 'Hello', matched: null });
		expect(matcher.push('\nUs')).toEqual({ release: '', matched: null });
		expect(matcher.push('a')).toEqual({ release: '\n\nUsa', matched: null });
	});

	it('picks the earliest of several stop sequences', () => {
		expect(stream(['cd', 'b'], ['abcd'])).toEqual({ shown: 'a', matched: 'b' });
	});

	it('ignores empty stop sequences', () => {
		expect(stream([''], ['abc'])).toEqual({ shown: 'abc', matched: null });
	});

	it('shows exactly the text before the first stop sequence, however the text is split', () => {
		const alphabet = fc.constantFrom('a', 'b', 'c', '\n');
		const word = fc.array(alphabet, { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
		fc.assert(
			fc.property(
				fc.array(word, { minLength: 1, maxLength: 3 }),
				fc.array(
					fc.array(alphabet, { maxLength: 5 }).map((a) => a.join('')),
					{ maxLength: 12 }
				),
				(stops, chunks) => {
					const text = chunks.join('');
					const firstAt = Math.min(
						...stops.map((s) => text.indexOf(s)).filter((i) => i >= 0),
						Infinity
					);
					const { shown, matched } = stream(stops, chunks);
					if (firstAt === Infinity) {
						expect(matched).toBeNull();
						expect(shown).toBe(text);
					} else {
						expect(matched).not.toBeNull();
						expect(shown).toBe(text.slice(0, firstAt));
					}
					for (const stop of stops) expect(shown.includes(stop)).toBe(false);
				}
			)
		);
	});
});
