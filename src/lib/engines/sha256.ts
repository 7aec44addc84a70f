/** Files above this size are not hashed on load: hashing needs the whole file in memory at once. */
export const MAX_HASHED_BYTES = 64 * 1024 * 1024;

/** Hex sha256 of a blob, or null when it is too large to hash cheaply. */
export async function sha256OfBlob(blob: Blob): Promise<string | null> {
	if (blob.size > MAX_HASHED_BYTES) return null;
	const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
	return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
