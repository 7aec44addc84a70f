/**
 * The sampler's random number generator: xoshiro128** 1.1 (Blackman & Vigna, 2018), a 32-bit
 * generator with 128 bits of state, seeded from a 32-bit seed through SplitMix64 as its authors
 * recommend. Integer-only arithmetic, so Node and every browser produce the same stream.
 * The sampler takes exactly one number from it per sampled token (none for greedy).
 */

const TWO_POW_32 = 4294967296;
const MASK_64 = (1n << 64n) - 1n;

/** Largest seed accepted: seeds are unsigned 32-bit integers. */
export const MAX_SEED = TWO_POW_32 - 1;

export class Xoshiro128StarStar {
	private s0: number;
	private s1: number;
	private s2: number;
	private s3: number;

	/** Starts from an explicit state; at least one word must be non-zero. */
	constructor(state: readonly [number, number, number, number]) {
		[this.s0, this.s1, this.s2, this.s3] = state.map((word) => word >>> 0);
		if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) {
			throw new RangeError('xoshiro128** state must not be all zero');
		}
	}

	/** A generator whose state is filled by SplitMix64 started at `seed` (an unsigned 32-bit integer). */
	static fromSeed(seed: number): Xoshiro128StarStar {
		const splitmix = new SplitMix64(BigInt(seed >>> 0));
		const a = splitmix.next();
		const b = splitmix.next();
		return new Xoshiro128StarStar([
			Number(a & 0xffffffffn),
			Number(a >> 32n),
			Number(b & 0xffffffffn),
			Number(b >> 32n)
		]);
	}

	/** The next unsigned 32-bit output. */
	nextUint32(): number {
		const s1 = this.s1;
		const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
		const t = s1 << 9;
		this.s2 ^= this.s0;
		this.s3 ^= s1;
		this.s1 ^= this.s2;
		this.s0 ^= this.s3;
		this.s2 ^= t;
		this.s3 = rotl(this.s3, 11);
		return result;
	}

	/** A uniform number in [0, 1) with 32 bits of resolution: `nextUint32() / 2^32`. */
	nextFloat(): number {
		return this.nextUint32() / TWO_POW_32;
	}

	/** The four state words, for tests and checkpoints. */
	state(): [number, number, number, number] {
		return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
	}
}

function rotl(x: number, k: number): number {
	return (x << k) | (x >>> (32 - k));
}

/** SplitMix64 (Steele, Lea & Flood), used only to expand a seed into generator state. */
export class SplitMix64 {
	constructor(private x: bigint) {}

	next(): bigint {
		this.x = (this.x + 0x9e3779b97f4a7c15n) & MASK_64;
		let z = this.x;
		z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
		z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
		return z ^ (z >> 31n);
	}
}

/** A fresh seed from the platform's cryptographic source (never `Math.random`). */
export function randomSeed(): number {
	return globalThis.crypto.getRandomValues(new Uint32Array(1))[0];
}
