/**
 * SHA-256 (FIPS 180-4) fed in pieces, so a model file can be hashed while it streams in or is
 * read back from storage, without a second copy of it in memory. `crypto.subtle.digest` only
 * takes the whole input at once.
 */

const K = new Int32Array([
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
]);

const INITIAL = [
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
];

export class Sha256 {
	#h = new Int32Array(INITIAL);
	#w = new Int32Array(64);
	/** Bytes waiting for a full 64-byte block. */
	#pending = new Uint8Array(64);
	#pendingLength = 0;
	#totalBytes = 0;
	#digest: Uint8Array | null = null;

	update(data: Uint8Array): this {
		if (this.#digest) throw new Error('This hash is finished; start a new one');
		this.#totalBytes += data.length;
		let offset = 0;
		if (this.#pendingLength > 0) {
			const take = Math.min(64 - this.#pendingLength, data.length);
			this.#pending.set(data.subarray(0, take), this.#pendingLength);
			this.#pendingLength += take;
			offset = take;
			if (this.#pendingLength < 64) return this;
			this.#compress(this.#pending, 0);
			this.#pendingLength = 0;
		}
		for (; offset + 64 <= data.length; offset += 64) this.#compress(data, offset);
		this.#pending.set(data.subarray(offset), 0);
		this.#pendingLength = data.length - offset;
		return this;
	}

	digest(): Uint8Array {
		if (this.#digest) return this.#digest.slice();
		const bits = this.#totalBytes * 8;
		const padding = new Uint8Array((this.#pendingLength < 56 ? 64 : 128) - this.#pendingLength);
		padding[0] = 0x80;
		const view = new DataView(padding.buffer);
		// The length in bits as a 64-bit big-endian number (exact up to 2^53 bits).
		view.setUint32(padding.length - 8, Math.floor(bits / 0x1_0000_0000));
		view.setUint32(padding.length - 4, bits >>> 0);
		const total = this.#totalBytes;
		this.update(padding);
		this.#totalBytes = total;
		const out = new Uint8Array(32);
		const outView = new DataView(out.buffer);
		for (let i = 0; i < 8; i++) outView.setInt32(i * 4, this.#h[i]);
		this.#digest = out;
		return out.slice();
	}

	digestHex(): string {
		return Array.from(this.digest(), (byte) => byte.toString(16).padStart(2, '0')).join('');
	}

	#compress(bytes: Uint8Array, offset: number): void {
		const w = this.#w;
		for (let i = 0; i < 16; i++) {
			const j = offset + i * 4;
			w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
		}
		for (let i = 16; i < 64; i++) {
			const a = w[i - 15];
			const b = w[i - 2];
			const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
			const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
			w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
		}
		const h = this.#h;
		let a = h[0];
		let b = h[1];
		let c = h[2];
		let d = h[3];
		let e = h[4];
		let f = h[5];
		let g = h[6];
		let hh = h[7];
		for (let i = 0; i < 64; i++) {
			const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
			const ch = (e & f) ^ (~e & g);
			const t1 = (hh + S1 + ch + K[i] + w[i]) | 0;
			const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
			const maj = (a & b) ^ (a & c) ^ (b & c);
			const t2 = (S0 + maj) | 0;
			hh = g;
			g = f;
			f = e;
			e = (d + t1) | 0;
			d = c;
			c = b;
			b = a;
			a = (t1 + t2) | 0;
		}
		h[0] = (h[0] + a) | 0;
		h[1] = (h[1] + b) | 0;
		h[2] = (h[2] + c) | 0;
		h[3] = (h[3] + d) | 0;
		h[4] = (h[4] + e) | 0;
		h[5] = (h[5] + f) | 0;
		h[6] = (h[6] + g) | 0;
		h[7] = (h[7] + hh) | 0;
	}
}

export interface HashBlobOptions {
	/** Called after each slice with the bytes hashed so far. */
	onProgress?: (hashedBytes: number) => void;
	signal?: AbortSignal;
	sliceBytes?: number;
}

/** Hex sha256 of a blob, read one slice at a time. */
export async function sha256OfBlob(blob: Blob, options: HashBlobOptions = {}): Promise<string> {
	const sliceBytes = options.sliceBytes ?? 16 * 1024 * 1024;
	const hash = new Sha256();
	for (let start = 0; start < blob.size; start += sliceBytes) {
		options.signal?.throwIfAborted();
		const end = Math.min(blob.size, start + sliceBytes);
		hash.update(new Uint8Array(await blob.slice(start, end).arrayBuffer()));
		options.onProgress?.(end);
	}
	return hash.digestHex();
}
