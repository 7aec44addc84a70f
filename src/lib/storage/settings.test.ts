import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openPlaygroundDb } from './db';
import {
	LEGACY_CUSTOM_MODELS_KEY,
	readCustomModels,
	readSetting,
	SETTING_KEYS,
	writeSetting
} from './settings';

let counter = 0;
function freshDb() {
	const name = `settings-test-${++counter}`;
	return () => openPlaygroundDb({ name });
}

function memoryStorage(initial: Record<string, string> = {}) {
	const items = new Map(Object.entries(initial));
	return {
		items,
		getItem: (key: string) => items.get(key) ?? null,
		removeItem: (key: string) => void items.delete(key)
	};
}

describe('settings', () => {
	it('keeps a value per key', async () => {
		const db = freshDb();
		expect(await readSetting('x', db)).toBeUndefined();
		await writeSetting('x', { a: 1 }, db);
		expect(await readSetting('x', db)).toEqual({ a: 1 });
	});

	it('moves custom models from localStorage into the database once', async () => {
		const db = freshDb();
		const models = [
			{ id: 'A-q4f32_1-MLC', modelUrl: 'https://x.test/a', modelLibUrl: 'https://x.test/a.wasm' }
		];
		const legacy = memoryStorage({ [LEGACY_CUSTOM_MODELS_KEY]: JSON.stringify(models) });
		expect(await readCustomModels(legacy, db)).toEqual(models);
		expect(legacy.items.has(LEGACY_CUSTOM_MODELS_KEY)).toBe(false);
		expect(await readSetting(SETTING_KEYS.customWebLlmModels, db)).toEqual(models);
		expect(await readCustomModels(memoryStorage(), db)).toEqual(models);
	});

	it('leaves unreadable legacy data where it is and reads no models', async () => {
		const db = freshDb();
		const legacy = memoryStorage({ [LEGACY_CUSTOM_MODELS_KEY]: '{broken' });
		expect(await readCustomModels(legacy, db)).toEqual([]);
		expect(legacy.items.has(LEGACY_CUSTOM_MODELS_KEY)).toBe(true);
		expect(await readCustomModels(null, db)).toEqual([]);
	});
});
