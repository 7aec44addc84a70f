import { describe, expect, it, vi } from 'vitest';
import { OutputSearch, type OutputSearchSource } from './output-search.svelte';

/** Records 0…n-1 as a store lists them; record i's text is `texts[i]`. */
function source(texts: string[], log: string[] = []): OutputSearchSource {
	return {
		async count() {
			return texts.length;
		},
		async searchBatch(query, after, limit) {
			const from = after === null ? 0 : Number(after) + 1;
			log.push(`${query}@${from}`);
			const keys = texts.slice(from, from + limit).map((_, i) => from + i);
			return {
				matches: keys.filter((k) => texts[k].includes(query)).map(String),
				scanned: keys.length,
				next: keys.length < limit ? null : keys[keys.length - 1]
			};
		}
	};
}

const noWait = () => Promise.resolve();

describe('OutputSearch', () => {
	it('reads every record in batches and collects the matches', async () => {
		const log: string[] = [];
		const search = new OutputSearch(source(['owl', 'cat', 'owl', 'dog', 'owl'], log), {
			batch: 2,
			pause: noWait
		});
		await search.start('owl');
		expect([...search.matches]).toEqual(['0', '2', '4']);
		expect(search.scanned).toBe(5);
		expect(search.total).toBe(5);
		expect(search.running).toBe(false);
		expect(log).toEqual(['owl@0', 'owl@2', 'owl@4']);
	});

	it('drops a scan when the query changes, and scans nothing for an empty one', async () => {
		const log: string[] = [];
		const waiting: (() => void)[] = [];
		const pause = (ms: number) =>
			ms > 0 ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve();
		const search = new OutputSearch(source(['owl', 'cat', 'owl'], log), { batch: 1, pause });
		const first = search.start('ow');
		const second = search.start('cat');
		for (const release of waiting) release();
		await Promise.all([first, second]);
		expect(log.every((entry) => entry.startsWith('cat'))).toBe(true);
		expect([...search.matches]).toEqual(['1']);
		await search.start('  ');
		expect(search.matches.size).toBe(0);
		expect(search.scanned).toBe(0);
		expect(log).toHaveLength(4);
	});

	it('shows how far it got while it runs', async () => {
		const held: (() => void)[] = [];
		// The settling pause passes; each pause between batches waits to be released.
		const pause = (ms: number) =>
			ms > 0 ? Promise.resolve() : new Promise<void>((resolve) => held.push(resolve));
		const search = new OutputSearch(source(['owl', 'cat', 'owl', 'dog', 'owl']), {
			batch: 2,
			pause
		});
		const done = search.start('owl');
		await vi.waitFor(() => expect(held).toHaveLength(1));
		expect(search.running).toBe(true);
		expect([search.scanned, search.total]).toEqual([2, 5]);
		expect([...search.matches]).toEqual(['0']);
		held[0]();
		await vi.waitFor(() => expect(held).toHaveLength(2));
		expect(search.scanned).toBe(4);
		held[1]();
		await done;
		expect(search.running).toBe(false);
		expect(search.scanned).toBe(5);
	});

	it('says why a scan stopped', async () => {
		const search = new OutputSearch(
			{
				count: async () => 1,
				searchBatch: async () => {
					throw new Error('the database was closed');
				}
			},
			{ pause: noWait }
		);
		await search.start('x');
		expect(search.error).toBe('the database was closed');
		expect(search.running).toBe(false);
	});
});
