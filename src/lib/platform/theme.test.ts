import { describe, expect, it } from 'vitest';
import { applyThemeChoice, readThemeChoice, THEME_STORAGE_KEY } from './theme';

function memoryStorage() {
	const items = new Map<string, string>();
	return {
		items,
		getItem: (key: string) => items.get(key) ?? null,
		setItem: (key: string, value: string) => void items.set(key, value),
		removeItem: (key: string) => void items.delete(key)
	};
}

describe('theme choice', () => {
	it('follows the system until a theme is picked, then remembers it', () => {
		const storage = memoryStorage();
		const root = { dataset: {} as DOMStringMap };
		expect(readThemeChoice(storage)).toBe('system');
		applyThemeChoice('dark', root, storage);
		expect(root.dataset.theme).toBe('dark');
		expect(storage.items.get(THEME_STORAGE_KEY)).toBe('dark');
		expect(readThemeChoice(storage)).toBe('dark');
		applyThemeChoice('system', root, storage);
		expect(root.dataset.theme).toBeUndefined();
		expect(storage.items.has(THEME_STORAGE_KEY)).toBe(false);
		expect(readThemeChoice(storage)).toBe('system');
	});

	it('reads an unknown value or blocked storage as the system setting', () => {
		const storage = memoryStorage();
		storage.setItem(THEME_STORAGE_KEY, 'sepia');
		expect(readThemeChoice(storage)).toBe('system');
		const blocked = {
			getItem: () => {
				throw new Error('blocked');
			},
			setItem: () => {
				throw new Error('blocked');
			},
			removeItem: () => {
				throw new Error('blocked');
			}
		};
		expect(readThemeChoice(blocked)).toBe('system');
		const root = { dataset: {} as DOMStringMap };
		applyThemeChoice('light', root, blocked);
		expect(root.dataset.theme).toBe('light');
		expect(readThemeChoice(null)).toBe('system');
	});
});
