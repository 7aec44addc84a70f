import { describe, expect, it } from 'vitest';
import { VisibleText } from './visible-text';

const bytes = (...values: number[]) => Uint8Array.from(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('VisibleText', () => {
	it('shows whole characters only, even when a token ends inside one', () => {
		const visible = new VisibleText([]);
		// "é" is C3 A9 in UTF-8, split over two tokens.
		expect(visible.push(bytes(0x63, 0x61, 0x66, 0xc3))).toEqual({ release: 'caf', matched: null });
		expect(visible.push(bytes(0xa9))).toEqual({ release: 'é', matched: null });
	});

	it('holds back a possible stop sequence and releases it at the end', () => {
		const visible = new VisibleText(['\n\n']);
		expect(visible.push(utf8('Hi\n'))).toEqual({ release: 'Hi', matched: null });
		expect(visible.finish()).toEqual({ release: '\n', matched: null });
	});

	it('finds a stop sequence completed by the last bytes', () => {
		const visible = new VisibleText(['é']);
		expect(visible.push(bytes(0x61, 0xc3))).toEqual({ release: 'a', matched: null });
		expect(visible.push(bytes(0xa9))).toEqual({ release: '', matched: 'é' });
	});
});
