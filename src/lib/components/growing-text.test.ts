import { describe, expect, it } from 'vitest';
import { GrowingText } from './growing-text';

describe('GrowingText', () => {
	it('keeps the pieces already shown and adds one for each growth', () => {
		const text = new GrowingText();
		expect(text.update('')).toEqual([]);
		const first = text.update('Once');
		expect(first).toEqual([{ key: 0, text: 'Once' }]);
		const second = text.update('Once upon a');
		expect(second).toEqual([
			{ key: 0, text: 'Once' },
			{ key: 1, text: ' upon a' }
		]);
		// The earlier piece is the same object: a keyed each leaves its node alone.
		expect(second[0]).toBe(first[0]);
		expect(text.update('Once upon a')).toBe(second);
		expect(
			text
				.update('Once upon a time')
				.map((p) => p.text)
				.join('')
		).toBe('Once upon a time');
	});

	it('starts over with one piece when the text changes otherwise', () => {
		const text = new GrowingText();
		text.update('Once upon');
		text.update('Once upon a time');
		expect(text.update('Another story')).toEqual([{ key: 2, text: 'Another story' }]);
		expect(text.update('')).toEqual([]);
		expect(text.update('x')).toEqual([{ key: 3, text: 'x' }]);
	});
});
