import { describe, expect, it } from 'vitest';
import { paramSpec } from '#lib/sampling';
import {
	SEED_FORMAT,
	blankEntry,
	followFormat,
	followValue,
	numberFormat,
	takePicked,
	takeTyped,
	type EntryFormat,
	type FieldEntry
} from './field-entry';

const temperature = numberFormat(paramSpec('temperature'));

/** A field: its entry, the values it took and the validity it reported. */
function field<V>(format: EntryFormat<V>, text = '') {
	const entry: FieldEntry = { ...blankEntry(), text };
	const taken: V[] = [];
	const reports: (string | null)[] = [];
	const take = (value: V) => void taken.push(value);
	const report = (message: string | null) => void reports.push(message);
	return {
		entry,
		taken,
		reports,
		follow: (value: V) => followValue(format, entry, value, report),
		type: (typed: string) => {
			entry.text = typed;
			takeTyped(format, entry, take, report);
		},
		pick: (value: V) => takePicked(format, entry, value, take, report)
	};
}

describe('a number field’s entry', () => {
	it('shows a value set from outside, unless the text already reads as it', () => {
		const f = field(temperature);
		f.follow(0.8);
		expect(f.entry).toEqual({ text: '0.8', message: null });
		const typing = field(temperature, '0.50');
		typing.follow(0.5);
		expect(typing.entry.text).toBe('0.50');
		expect([...f.reports, ...typing.reports]).toEqual([]);
	});

	it('takes what the user typed when valid, shows why not otherwise, and reports both', () => {
		const f = field(temperature);
		f.type('1.5');
		f.type('3');
		expect(f.taken).toEqual([1.5]);
		expect(f.entry).toEqual({
			text: '3',
			message: 'Temperature must be a number in [0, 2]; got 3.'
		});
		expect(f.reports).toEqual([null, 'Temperature must be a number in [0, 2]; got 3.']);
	});

	it('replaces an invalid text by a value set from outside and reports the cleared message', () => {
		const f = field(temperature);
		f.type('abc');
		f.follow(1);
		expect(f.entry).toEqual({ text: '1', message: null });
		expect(f.reports).toEqual([expect.stringContaining('“abc” is not a number'), null]);
	});

	it('shows why a value set from outside cannot be held, and reports it', () => {
		const f = field(numberFormat(paramSpec('topK'), 512));
		f.follow(1e20);
		expect(f.entry).toEqual({
			text: '100000000000000000000',
			message: 'Top-k must be an integer in [0, 512]; got 100000000000000000000.'
		});
		f.follow(40);
		expect(f.entry).toEqual({ text: '40', message: null });
		expect(f.reports).toEqual([f.reports[0], null]);
	});

	it('reads its text again under new bounds, keeping the text', () => {
		const f = field(numberFormat(paramSpec('topK')));
		f.follow(1e20);
		expect(f.entry.message).toBeNull();
		followFormat(numberFormat(paramSpec('topK'), 512), f.entry, (m) => f.reports.push(m));
		expect(f.entry).toEqual({
			text: '100000000000000000000',
			message: 'Top-k must be an integer in [0, 512]; got 100000000000000000000.'
		});
		followFormat(numberFormat(paramSpec('topK')), f.entry, (m) => f.reports.push(m));
		expect(f.entry.message).toBeNull();
		expect(f.reports).toEqual([expect.stringContaining('[0, 512]'), null]);
	});

	it('takes a slider position as it is', () => {
		const f = field(temperature);
		f.type('x');
		f.pick(0.35);
		expect(f.entry).toEqual({ text: '0.35', message: null });
		expect(f.taken).toEqual([0.35]);
		expect(f.reports.at(-1)).toBeNull();
	});

	it('bounds vocabulary-sized parameters by the vocabulary when it is known', () => {
		const small = field(numberFormat(paramSpec('topK'), 100));
		small.type('101');
		expect(small.entry.message).toBe('Top-k must be an integer in [0, 100]; got 101.');
		const unknown = field(numberFormat(paramSpec('topK')));
		unknown.type('101');
		expect(unknown.taken).toEqual([101]);
	});
});

describe('the seed field’s entry', () => {
	it('reads an empty text as random and shows random as an empty text', () => {
		const f = field(SEED_FORMAT, '7');
		f.type('  ');
		expect(f.taken).toEqual([null]);
		f.follow(12);
		expect(f.entry.text).toBe('12');
		f.follow(null);
		expect(f.entry.text).toBe('');
	});

	it('names the seed and its range for a bad seed', () => {
		const f = field(SEED_FORMAT);
		f.type('-1');
		expect(f.entry.message).toBe('Seed must be an integer in [0, 4294967295]; got -1.');
		f.type('42');
		expect(f.taken).toEqual([42]);
	});
});
