import { describe, expect, it } from 'vitest';
import { DEFAULT_DRY_SEQUENCE_BREAKERS } from '#lib/sampling';
import { formatBreakerList, parseBreakerList } from './breakers';

describe('DRY breaker lists as text', () => {
	it('writes quoted texts with JSON escapes and reads them back', () => {
		const text = formatBreakerList(DEFAULT_DRY_SEQUENCE_BREAKERS);
		expect(text).toBe('"\\n", ":", "\\"", "*"');
		expect(parseBreakerList(text)).toEqual({ ok: true, value: ['\n', ':', '"', '*'] });
		expect(parseBreakerList('  ')).toEqual({ ok: true, value: [] });
		expect(parseBreakerList('"User:", "\\n\\n"')).toEqual({ ok: true, value: ['User:', '\n\n'] });
	});

	it('refuses what is not a list of short distinct texts, naming the setting', () => {
		const message = (text: string) => {
			const parsed = parseBreakerList(text);
			return parsed.ok ? null : parsed.message;
		};
		expect(message(':, *')).toMatch(/^DRY sequence breakers: “:, \*” is not a list/);
		expect(message('1, 2')).toMatch(/^DRY sequence breakers: write quoted texts/);
		expect(message('"a", ""')).toMatch(
			/^DRY sequence breakers: drySequenceBreakers\[1\] must be a text of 1 to 40 characters/
		);
		expect(message('"a", "a"')).toMatch(/listed once/);
	});
});
