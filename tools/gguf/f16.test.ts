import { describe, expect, it } from 'vitest';
import { f16ToF32, f32ToF16 } from './f16';

describe('binary16 conversion', () => {
	it('encodes known values', () => {
		expect(f32ToF16(0)).toBe(0x0000);
		expect(f32ToF16(-0)).toBe(0x8000);
		expect(f32ToF16(1)).toBe(0x3c00);
		expect(f32ToF16(-2)).toBe(0xc000);
		expect(f32ToF16(0.1)).toBe(0x2e66);
		expect(f32ToF16(65504)).toBe(0x7bff);
		expect(f32ToF16(65520)).toBe(0x7c00); // rounds up past the largest half: +∞
		expect(f32ToF16(1e6)).toBe(0x7c00);
		expect(f32ToF16(-Infinity)).toBe(0xfc00);
		expect(f32ToF16(2 ** -24)).toBe(0x0001); // smallest subnormal
		expect(f32ToF16(2 ** -25)).toBe(0x0000); // a tie rounds to even: 0
		expect(f32ToF16(1.5 * 2 ** -25)).toBe(0x0001);
		expect(f32ToF16(2 ** -14)).toBe(0x0400); // smallest normal
		expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to even
		expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
		expect(Number.isNaN(f16ToF32(f32ToF16(NaN)))).toBe(true);
	});

	it('decodes every finite half back to the value it encodes', () => {
		for (let bits = 0; bits < 0x10000; bits++) {
			if ((bits & 0x7c00) === 0x7c00) continue;
			expect(f32ToF16(f16ToF32(bits))).toBe(bits === 0x8000 ? 0x8000 : bits);
		}
	});

	it('rounds to within half a unit of the last place', () => {
		for (const x of [0.3, -1.2345, 3.14159, 1234.56, 7e-6]) {
			const back = f16ToF32(f32ToF16(x));
			const exponent = Math.max(Math.floor(Math.log2(Math.abs(x))), -14);
			expect(Math.abs(back - x)).toBeLessThanOrEqual(2 ** (exponent - 11));
		}
	});
});
