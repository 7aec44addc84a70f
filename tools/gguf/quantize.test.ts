import { describe, expect, it } from 'vitest';
import { Xoshiro128StarStar } from '../../src/lib/sampling/rng';
import { f16ToF32 } from './f16';
import { decodeTensor, encodeTensor, tensorBytes, TENSOR_TYPE_NAMES } from './quantize';

function randomValues(count: number, seed: number, scale = 1): Float32Array {
	const rng = Xoshiro128StarStar.fromSeed(seed);
	return Float32Array.from({ length: count }, () => (rng.nextFloat() * 2 - 1) * scale);
}

/** The largest error a block format may make on each block of 32 values. */
function maxBlockError(values: Float32Array, decoded: Float32Array): number[] {
	const errors: number[] = [];
	for (let b = 0; b < values.length / 32; b++) {
		let amax = 0;
		let worst = 0;
		for (let j = b * 32; j < (b + 1) * 32; j++) {
			amax = Math.max(amax, Math.abs(values[j]));
			worst = Math.max(worst, Math.abs(values[j] - decoded[j]));
		}
		errors.push(worst / amax);
	}
	return errors;
}

describe('tensor encoders', () => {
	it('sizes each type as ggml does', () => {
		expect(tensorBytes('F32', 64)).toBe(256);
		expect(tensorBytes('F16', 64)).toBe(128);
		expect(tensorBytes('Q8_0', 64)).toBe(68);
		expect(tensorBytes('Q4_0', 64)).toBe(36);
		expect(() => tensorBytes('Q4_0', 48)).toThrow(/blocks of 32/);
	});

	it('writes a Q8_0 block as its f16 scale and int8 values, like ggml', () => {
		// Values k/127 for k = −16…15 but one of 1.27: d = 0.01, q = round(x / 0.01).
		const values = Float32Array.from({ length: 32 }, (_, k) => (k === 5 ? 1.27 : (k - 16) / 127));
		const block = encodeTensor('Q8_0', values);
		expect(block.length).toBe(34);
		const view = new DataView(block.buffer);
		expect(f16ToF32(view.getUint16(0, true))).toBeCloseTo(0.01, 5);
		expect(view.getInt8(2 + 5)).toBe(127);
		expect(view.getInt8(2 + 0)).toBe(-13); // −16/127 / 0.01 = −12.6 → −13
		expect(view.getInt8(2 + 16)).toBe(0);
		// Halves round away from zero (C's roundf): 0.5·d → 1, −0.5·d → −1.
		const halves = new Float32Array(32);
		halves[0] = 127;
		halves[1] = 0.5;
		halves[2] = -0.5;
		const q = new Int8Array(encodeTensor('Q8_0', halves).buffer, 2, 32);
		expect([q[0], q[1], q[2]]).toEqual([127, 1, -1]);
	});

	it('writes a Q4_0 block as its f16 scale and nibble pairs (j low, j + 16 high), like ggml', () => {
		// The largest magnitude is −8: d = 1, q = x + 8, so value j is stored as nibble j + 8 − 8.
		const values = Float32Array.from({ length: 32 }, (_, k) => (k % 16) - 8);
		values[31] = 7;
		const block = encodeTensor('Q4_0', values);
		expect(block.length).toBe(18);
		const view = new DataView(block.buffer);
		expect(f16ToF32(view.getUint16(0, true))).toBe(1);
		for (let j = 0; j < 16; j++) {
			const hi = j === 15 ? 15 : j;
			expect(view.getUint8(2 + j)).toBe(j | (hi << 4));
		}
		// A positive maximum gives a negative scale; +max then lands on q = 0.
		const positive = new Float32Array(32);
		positive[3] = 4;
		const p = encodeTensor('Q4_0', positive);
		expect(f16ToF32(new DataView(p.buffer).getUint16(0, true))).toBe(-0.5);
		expect(p[2 + 3] & 0x0f).toBe(0);
		expect(decodeTensor('Q4_0', p)[3]).toBe(4);
	});

	it('encodes an all-zero block as zero scale and values that decode to 0', () => {
		for (const type of TENSOR_TYPE_NAMES) {
			const decoded = decodeTensor(type, encodeTensor(type, new Float32Array(32)));
			expect(decoded.every((v) => v === 0)).toBe(true);
		}
	});

	it('round-trips random values within each format’s error', () => {
		const values = randomValues(32 * 256, 7, 3);
		expect(decodeTensor('F32', encodeTensor('F32', values))).toEqual(values);
		const f16 = decodeTensor('F16', encodeTensor('F16', values));
		for (let i = 0; i < values.length; i++) {
			expect(Math.abs(f16[i] - values[i])).toBeLessThanOrEqual(Math.abs(values[i]) * 2 ** -11);
		}
		// Half a quantization step plus the scale's f16 rounding, relative to the block's max.
		const q8 = maxBlockError(values, decodeTensor('Q8_0', encodeTensor('Q8_0', values)));
		expect(Math.max(...q8)).toBeLessThanOrEqual(0.5 / 127 + 2 ** -11);
		const q4 = maxBlockError(values, decodeTensor('Q4_0', encodeTensor('Q4_0', values)));
		// Steps of max/8; values near −max... +max use q 0…15, so +max may be one step short.
		expect(Math.max(...q4)).toBeLessThanOrEqual(1 / 8 + 2 ** -10);
		expect(q4.reduce((a, b) => a + b) / q4.length).toBeLessThan(1 / 8);
	});
});
