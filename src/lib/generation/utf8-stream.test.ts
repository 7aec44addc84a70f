import { describe, expect, it } from 'vitest';
import { Utf8Stream } from './utf8-stream';

/** A text's UTF-8 bytes cut into pieces of `size` bytes, as byte-level tokens may cut it. */
function pieces(text: string, size: number): Uint8Array[] {
	const bytes = new TextEncoder().encode(text);
	const out: Uint8Array[] = [];
	for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
	return out;
}

describe('Utf8Stream', () => {
	const text = 'Grüße, 世界! 👋🏽 नमस्ते';

	for (const size of [1, 2, 3, 5]) {
		it(`streams characters split across ${size}-byte pieces with no replacement characters`, () => {
			const stream = new Utf8Stream();
			const released = pieces(text, size).map((piece) => stream.push(piece));
			expect(released.join('') + stream.flush()).toBe(text);
			expect(released.join('')).not.toContain('\uFFFD');
		});
	}

	it('holds back an unfinished character until the token that completes it', () => {
		const stream = new Utf8Stream();
		const [a, b, c, d] = new TextEncoder().encode('👋');
		expect(stream.push(Uint8Array.of(a, b))).toBe('');
		expect(stream.push(Uint8Array.of(c))).toBe('');
		expect(stream.push(Uint8Array.of(d))).toBe('👋');
	});

	it('ends a stream cut inside a character with one replacement character', () => {
		const stream = new Utf8Stream();
		expect(stream.push(new TextEncoder().encode('é').slice(0, 1))).toBe('');
		expect(stream.flush()).toBe('\uFFFD');
	});
});
