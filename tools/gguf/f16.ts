/**
 * IEEE 754 half-precision (binary16) conversions, as ggml stores its `ggml_half` values: F16
 * tensors and the scales of quantized blocks. Round to nearest, ties to even, like the C cast.
 * Used by the GGUF tensor encoders (tools/gguf/quantize.ts).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bits nearest to `value` (overflow gives ±Infinity, NaN stays NaN). */
export function f32ToF16(value: number): number {
	f32[0] = value;
	const x = u32[0];
	const sign = (x >>> 16) & 0x8000;
	const exponent = (x >>> 23) & 0xff;
	const mantissa = x & 0x7fffff;
	if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
	const e = exponent - 127 + 15;
	if (e >= 0x1f) return sign | 0x7c00;
	if (e <= 0) {
		// A subnormal half: the value is (1.mantissa) · 2^(e − 15), i.e. m · 2^−24 with m below.
		if (e < -10) return sign;
		const full = mantissa | 0x800000;
		const shift = 14 - e;
		return sign | roundShift(full, shift);
	}
	// A carry out of the mantissa moves into the exponent, which is the right result (up to ∞).
	return sign | ((e << 10) + roundShift(mantissa, 13));
}

/** `value >> shift`, rounded to nearest with ties to even. */
function roundShift(value: number, shift: number): number {
	const kept = value >>> shift;
	const rest = value - kept * 2 ** shift;
	const half = 2 ** (shift - 1);
	return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** The number a binary16 bit pattern stands for. */
export function f16ToF32(bits: number): number {
	const sign = bits & 0x8000 ? -1 : 1;
	const exponent = (bits >>> 10) & 0x1f;
	const mantissa = bits & 0x3ff;
	if (exponent === 0) return sign * mantissa * 2 ** -24;
	if (exponent === 0x1f) return mantissa !== 0 ? NaN : sign * Infinity;
	return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
