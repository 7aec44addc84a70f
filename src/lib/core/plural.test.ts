import { describe, expect, it } from 'vitest';
import { plural } from './plural';

describe('plural', () => {
	it('uses the singular for exactly one and the plural otherwise', () => {
		expect(plural(1, 'candidate')).toBe('1 candidate');
		expect(plural(0, 'candidate')).toBe('0 candidates');
		expect(plural(2, 'candidate')).toBe('2 candidates');
	});

	it('takes an irregular plural', () => {
		expect(plural(1, 'was', 'were')).toBe('1 was');
		expect(plural(4, 'match', 'matches')).toBe('4 matches');
	});
});
