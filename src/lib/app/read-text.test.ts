import { describe, expect, it } from 'vitest';
import { readTextWithProgress } from './read-text';

describe('readTextWithProgress', () => {
	it('reads the text, multi-byte characters split across chunks included, with progress', async () => {
		const bytes = new TextEncoder().encode('{"a":"é€😀"}'.repeat(20_000));
		const seen: number[] = [];
		const text = await readTextWithProgress(
			new Blob([bytes]),
			(n) => seen.push(n),
			new AbortController().signal
		);
		expect(text).toBe('{"a":"é€😀"}'.repeat(20_000));
		expect(seen.at(-1)).toBe(bytes.length);
		expect(seen).toEqual([...seen].sort((a, b) => a - b));
	});

	it('gives null when cancelled part way', async () => {
		const abort = new AbortController();
		const text = await readTextWithProgress(
			new Blob([new Uint8Array(4_000_000)]),
			() => abort.abort(),
			abort.signal
		);
		expect(text).toBeNull();
	});
});
