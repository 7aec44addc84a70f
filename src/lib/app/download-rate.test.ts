import { describe, expect, it } from 'vitest';
import { downloadRate, formatBytes } from './download-rate';

describe('downloadRate', () => {
	it('gives speed and time left once enough time has passed', () => {
		expect(downloadRate(5_000_000, 10_000_000, 2000)).toEqual({
			bytesPerSecond: 2_500_000,
			secondsLeft: 2
		});
		expect(downloadRate(100, 1000, 10)).toEqual({ bytesPerSecond: null, secondsLeft: null });
		expect(downloadRate(1000, 0, 1000).secondsLeft).toBeNull();
	});
});

describe('formatBytes', () => {
	it('uses decimal units', () => {
		expect(formatBytes(512)).toBe('512 B');
		expect(formatBytes(1_185_376)).toBe('1.2 MB');
		expect(formatBytes(270_000_000)).toBe('270 MB');
		expect(formatBytes(1_500_000_000)).toBe('1.5 GB');
	});
});
