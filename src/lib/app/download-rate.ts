/** Speed and time left of a download, from its progress so far. */
export interface DownloadRate {
	bytesPerSecond: number | null;
	secondsLeft: number | null;
}

export function downloadRate(
	loadedBytes: number,
	totalBytes: number,
	elapsedMs: number
): DownloadRate {
	if (elapsedMs < 250 || loadedBytes <= 0) return { bytesPerSecond: null, secondsLeft: null };
	const bytesPerSecond = (loadedBytes / elapsedMs) * 1000;
	const secondsLeft = totalBytes > loadedBytes ? (totalBytes - loadedBytes) / bytesPerSecond : null;
	return { bytesPerSecond, secondsLeft };
}

export function formatBytes(bytes: number): string {
	const units = ['B', 'KB', 'MB', 'GB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}
	return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}
