import { describe, expect, it } from 'vitest';
import { requestPersistentStorage, storageStatus } from './storage';

const storage = (persistAnswer: boolean) => {
	let persisted = false;
	return {
		estimate: async () => ({ usage: 5_000_000, quota: 1_000_000_000 }),
		persisted: async () => persisted,
		persist: async () => (persisted = persistAnswer)
	};
};

describe('storage', () => {
	it('reports usage, quota and persistence', async () => {
		expect(await storageStatus(storage(true))).toEqual({
			usageBytes: 5_000_000,
			quotaBytes: 1_000_000_000,
			persisted: false,
			supported: true
		});
	});

	it('asks for persistent storage and reports the answer', async () => {
		const granted = storage(true);
		expect(await requestPersistentStorage(granted)).toBe(true);
		expect((await storageStatus(granted)).persisted).toBe(true);
		expect(await requestPersistentStorage(storage(false))).toBe(false);
	});

	it('says when the Storage API is missing', async () => {
		expect((await storageStatus(undefined)).supported).toBe(false);
		expect(await requestPersistentStorage(undefined)).toBe(false);
	});
});
