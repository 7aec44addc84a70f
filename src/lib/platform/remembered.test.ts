import { describe, expect, it } from 'vitest';
import { readFlag, writeFlag } from './remembered';

function memory(): Pick<Storage, 'getItem' | 'setItem'> {
	const values = new Map<string, string>();
	return {
		getItem: (key) => values.get(key) ?? null,
		setItem: (key, value) => void values.set(key, value)
	};
}

describe('remembered flags', () => {
	it('read back what was written, and the fallback before that', () => {
		const storage = memory();
		expect(readFlag('k', false, storage)).toBe(false);
		expect(readFlag('k', true, storage)).toBe(true);
		writeFlag('k', true, storage);
		expect(readFlag('k', false, storage)).toBe(true);
		writeFlag('k', false, storage);
		expect(readFlag('k', true, storage)).toBe(false);
	});

	it('fall back where storage is missing, blocked or holds something else', () => {
		const blocked = {
			getItem: () => {
				throw new Error('blocked');
			},
			setItem: () => {
				throw new Error('blocked');
			}
		};
		expect(readFlag('k', true, null)).toBe(true);
		expect(readFlag('k', false, blocked)).toBe(false);
		expect(() => writeFlag('k', true, blocked)).not.toThrow();
		const odd = memory();
		odd.setItem('k', 'yes');
		expect(readFlag('k', false, odd)).toBe(false);
	});
});
