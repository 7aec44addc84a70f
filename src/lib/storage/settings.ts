import { playgroundDb, type PlaygroundDb } from './db';

/** Settings kept between visits, each under one key of the `settings` store. */
export const SETTING_KEYS = {
	customWebLlmModels: 'custom-webllm-models'
} as const;

/** Where custom WebLLM models were kept before the database had a settings store. */
export const LEGACY_CUSTOM_MODELS_KEY = 'sampling-playground.custom-webllm-models';

type Db = () => Promise<PlaygroundDb>;

export async function readSetting(key: string, db: Db = playgroundDb): Promise<unknown> {
	return (await (await db()).get('settings', key))?.value;
}

export async function writeSetting(
	key: string,
	value: unknown,
	db: Db = playgroundDb
): Promise<void> {
	await (await db()).put('settings', { key, value });
}

/**
 * The user's custom WebLLM models as stored (unchecked). Models kept in localStorage by earlier
 * versions move into the database on first read; localStorage is only cleared once they are in.
 */
export async function readCustomModels(
	legacy: Pick<Storage, 'getItem' | 'removeItem'> | null,
	db: Db = playgroundDb
): Promise<unknown> {
	const stored = await readSetting(SETTING_KEYS.customWebLlmModels, db);
	if (stored !== undefined) return stored;
	const json = legacy?.getItem(LEGACY_CUSTOM_MODELS_KEY);
	if (!json) return [];
	let parsed: unknown;
	try {
		parsed = JSON.parse(json);
	} catch {
		return [];
	}
	await writeSetting(SETTING_KEYS.customWebLlmModels, parsed, db);
	legacy?.removeItem(LEGACY_CUSTOM_MODELS_KEY);
	return parsed;
}
