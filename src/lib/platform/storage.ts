/** How much this site stores and may store, and whether the browser may evict it. */
export interface StorageStatus {
	usageBytes: number | null;
	quotaBytes: number | null;
	/** True once the browser agreed never to evict this site's data on its own. */
	persisted: boolean;
	/** The browser has no Storage API (very old, or an insecure origin). */
	supported: boolean;
}

interface StorageManagerLike {
	estimate(): Promise<{ usage?: number; quota?: number }>;
	persisted(): Promise<boolean>;
	persist(): Promise<boolean>;
}

function manager(): StorageManagerLike | undefined {
	return (globalThis.navigator as { storage?: StorageManagerLike } | undefined)?.storage;
}

export async function storageStatus(storage = manager()): Promise<StorageStatus> {
	if (!storage) return { usageBytes: null, quotaBytes: null, persisted: false, supported: false };
	const [estimate, persisted] = await Promise.all([
		storage.estimate().catch(() => ({}) as { usage?: number; quota?: number }),
		storage.persisted().catch(() => false)
	]);
	return {
		usageBytes: estimate.usage ?? null,
		quotaBytes: estimate.quota ?? null,
		persisted,
		supported: true
	};
}

/** Asks the browser to keep stored models; resolves to whether it agreed. */
export async function requestPersistentStorage(storage = manager()): Promise<boolean> {
	if (!storage) return false;
	return storage.persist().catch(() => false);
}
