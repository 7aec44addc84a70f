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

	it('stops at the stop sequence that is complete first, whatever the split', () => {
		expect(stream(['cd', 'b'], ['abcd'])).toEqual({ shown: 'a', matched: 'b' });
		// "b" is complete before "abc", even when both arrive in one piece.
		expect(stream(['abc', 'b'], ['abc'])).toEqual({ shown: 'a', matched: 'b' });
		expect(stream(['abc', 'b'], ['a', 'b', 'c'])).toEqual({ shown: 'a', matched: 'b' });
		// Complete at the same character: the one that starts earlier.
		expect(stream(['bc', 'abc'], ['abc'])).toEqual({ shown: '', matched: 'abc' });
	});

	it('ignores empty stop sequences', () => {
		expect(stream([''], ['abc'])).toEqual({ shown: 'abc', matched: null });
	});

	it('shows exactly the text before the first complete stop sequence, however the text is split', () => {
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
					// The first stop complete when reading one character at a time; ties: earlier start.
					const found = stops
						.map((s) => ({ at: text.indexOf(s), end: text.indexOf(s) + s.length }))
						.filter((m) => m.at >= 0)
						.sort((a, b) => a.end - b.end || a.at - b.at);
					const firstAt = found.length > 0 ? found[0].at : Infinity;
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
