/**
 * The page's theme: the system setting (the default) or a choice the user made, remembered in
 * localStorage. static/theme.js applies a remembered choice before the first paint with the same
 * key and values; static/app.css draws each theme from `data-theme` on <html>.
 */

export type ThemeChoice = 'system' | 'light' | 'dark';

export const THEME_CHOICES: readonly { choice: ThemeChoice; label: string }[] = [
	{ choice: 'system', label: 'System' },
	{ choice: 'light', label: 'Light' },
	{ choice: 'dark', label: 'Dark' }
];

/** The localStorage key of the choice (also read by static/theme.js). */
export const THEME_STORAGE_KEY = 'playground-theme';

type ThemeStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** The remembered choice; 'system' when there is none, it is unknown or storage is blocked. */
export function readThemeChoice(storage: ThemeStorage | null): ThemeChoice {
	try {
		const stored = storage?.getItem(THEME_STORAGE_KEY);
		return stored === 'light' || stored === 'dark' ? stored : 'system';
	} catch {
		return 'system';
	}
}

/** Shows `choice` on `root` (<html>) and remembers it; 'system' forgets the choice. */
export function applyThemeChoice(
	choice: ThemeChoice,
	root: { dataset: DOMStringMap },
	storage: ThemeStorage | null
): void {
	if (choice === 'system') delete root.dataset.theme;
	else root.dataset.theme = choice;
	try {
		if (choice === 'system') storage?.removeItem(THEME_STORAGE_KEY);
		else storage?.setItem(THEME_STORAGE_KEY, choice);
	} catch {
		// Storage blocked: the choice holds for this visit only.
	}
}

/** localStorage, or null where reading it throws (blocked cookies, some private modes). */
export function browserThemeStorage(): ThemeStorage | null {
	try {
		return window.localStorage;
	} catch {
		return null;
	}
}
