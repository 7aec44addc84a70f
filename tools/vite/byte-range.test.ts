import { describe, expect, it } from 'vitest';
import { parseRange } from './byte-range';

describe('parseRange', () => {
	it('reads one range, clipped to the file', () => {
		expect(parseRange('bytes=0-99', 1000)).toEqual({ kind: 'range', start: 0, end: 99 });
		expect(parseRange('bytes=900-2000', 1000)).toEqual({ kind: 'range', start: 900, end: 999 });
		expect(parseRange('bytes=10-', 1000)).toEqual({ kind: 'range', start: 10, end: 999 });
		expect(parseRange('bytes=-100', 1000)).toEqual({ kind: 'range', start: 900, end: 999 });
		expect(parseRange('bytes=-5000', 1000)).toEqual({ kind: 'range', start: 0, end: 999 });
	});

	it('refuses a range that starts past the end', () => {
		expect(parseRange('bytes=1000-1100', 1000)).toEqual({ kind: 'unsatisfiable' });
		expect(parseRange('bytes=0-10', 0)).toEqual({ kind: 'unsatisfiable' });
		expect(parseRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
	});

	it('serves the whole file for no range, several ranges or nonsense', () => {
		expect(parseRange(undefined, 1000)).toEqual({ kind: 'whole' });
		expect(parseRange('bytes=0-1,5-9', 1000)).toEqual({ kind: 'whole' });
		expect(parseRange('items=0-1', 1000)).toEqual({ kind: 'whole' });
		expect(parseRange('bytes=9-1', 1000)).toEqual({ kind: 'whole' });
		expect(parseRange('bytes=-', 1000)).toEqual({ kind: 'whole' });
	});
});
