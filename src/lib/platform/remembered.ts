/**
 * Small choices about the page's look kept between visits in localStorage (a section left open
 * or closed). Nothing here is part of an experiment: sessions and share links never carry it.
 * Where storage is blocked the choice holds for the visit only.
 */

type FlagStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** The localStorage keys of the remembered choices. */
export const REMEMBERED_KEYS = {
	moreSamplersOpen: 'playground-more-samplers-open'
} as const;

function browserStorage(): FlagStorage | null {
	try {
		return window.localStorage;
	} catch {
		return null;
	}
}

/** The remembered yes/no under `key`, or `fallback` when there is none or storage is blocked. */
export function readFlag(
	key: string,
	fallback: boolean,
	storage: FlagStorage | null = browserStorage()
): boolean {
	try {
		const stored = storage?.getItem(key);
		return stored === 'true' ? true : stored === 'false' ? false : fallback;
	} catch {
		return fallback;
	}
}

/** Remembers `value` under `key`. */
export function writeFlag(
	key: string,
	value: boolean,
	storage: FlagStorage | null = browserStorage()
): void {
	try {
		storage?.setItem(key, String(value));
	} catch {
		// Storage blocked: the choice holds for this visit only.
	}
}
