import { describe, expect, it } from 'vitest';
import {
	fullSearchText,
	indexEntry,
	indexGaps,
	matchesQuery,
	MAX_SEARCH_CHARS,
	PREVIEW_CHARS,
	readIndexEntry,
	summarize
} from './session-index';
import { experiment, runRecord, session } from '#lib/formats/testing/sessions';

describe('sessions index entries', () => {
	it('summarizes a session in a few fields, whatever the size of its prompt and outputs', () => {
		const long = 'word '.repeat(10_000);
		const record = session({
			experiment: experiment({ input: { mode: 'completion', prompt: `Dragons ${long}` } }),
			runs: [runRecord({ text: `Princess ${long}` })]
		});
		const summary = summarize(record);
		expect(summary).toMatchObject({
			id: 'session-1',
			name: 'Once upon a time · 10:00',
			kind: 'single',
			modelName: 'TinyStories 260K',
			status: 'done',
			runCount: 1,
			problems: []
		});
		expect(summary.searchText.length).toBeLessThanOrEqual(MAX_SEARCH_CHARS);
		expect(summary.searchText.length).toBeLessThan(PREVIEW_CHARS + 100);
		expect(matchesQuery(summary, 'DRAGONS tinystories')).toBe(true);
		expect(matchesQuery(summary, 'princess')).toBe(false);
		expect(JSON.stringify(indexEntry(summary)).length).toBeLessThan(600);
		expect(indexEntry(summary)).not.toHaveProperty('problems');
	});

	it('reads back what it wrote, and nothing else', () => {
		const summary = summarize(session());
		expect(readIndexEntry(structuredClone(indexEntry(summary)))).toEqual(summary);
		const entry = indexEntry(summary);
		for (const bad of [
			null,
			'x',
			{ ...entry, id: 3 },
			{ ...entry, kind: 'triple' },
			{ ...entry, updatedAt: 1e308 },
			{ ...entry, createdAt: -1 },
			{ ...entry, status: 'dancing' },
			{ ...entry, runCount: 1.5 },
			{ ...entry, searchText: 'x'.repeat(MAX_SEARCH_CHARS + 1) },
			{ ...entry, name: undefined }
		]) {
			expect(readIndexEntry(bad)).toBeNull();
		}
	});

	it('keeps the engine the model ran on; entries written before it was kept read as unknown', () => {
		const onWllama = session({
			experiment: experiment({
				model: { id: 'stories260k', name: 'TinyStories 260K', engine: 'wllama', sha256: null }
			})
		});
		const summary = summarize(onWllama);
		expect(summary.engine).toBe('wllama');
		expect(readIndexEntry(structuredClone(indexEntry(summary)))).toEqual(summary);
		const older: Partial<ReturnType<typeof indexEntry>> = indexEntry(summary);
		delete older.engine;
		expect(readIndexEntry(older)?.engine).toBeNull();
		expect(readIndexEntry({ ...older, engine: 'cuda' })).toBeNull();
	});

	it('searches the whole text of any stored value, damaged ones too', () => {
		const chat = session({
			experiment: experiment({
				input: {
					mode: 'chat',
					systemPrompt: 'Be Brief',
					messages: [{ role: 'user', content: 'Hi' }]
				}
			}),
			runs: [runRecord({ text: 'A Princess slept' })]
		});
		const text = fullSearchText(chat);
		for (const word of ['once upon', 'tinystories', 'be brief', 'hi', 'a princess slept']) {
			expect(text).toContain(word);
		}
		expect(fullSearchText({ name: 'Stray', runs: [{ text: 7 }, null, { text: 'Owl' }] })).toBe(
			'stray\nowl'
		);
		expect(fullSearchText(null)).toBe('');
		expect(fullSearchText({ experiment: { input: { messages: [null] } } })).toBe('');
	});

	it('finds the records without an entry and the entries without a record', () => {
		expect(indexGaps(['a', 'b', 7, 'c'], new Set(['a', 'c', 'gone']))).toEqual({
			unindexed: ['b', 7],
			orphans: ['gone']
		});
		expect(indexGaps([], new Set())).toEqual({ unindexed: [], orphans: [] });
	});
});
