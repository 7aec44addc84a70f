import { Sha256 } from '#lib/core/sha256';
import { isPlainObject } from './check';
import { isReadableFragment, readReadableLink } from './readable-link';
import { deflate, fromBase64Url, inflate, toBase64Url } from './share-link-bytes';
import {
	fromCompact,
	SHARE_FORMAT_VERSION,
	toCompact,
	type SharedExperiment
} from './share-link-format';

import { STAGE_DEFINITIONS, type StageRegistry } from '#lib/sampling';

export { SHARE_FORMAT_VERSION, type SharedExperiment, type ShareView } from './share-link-format';

/**
 * Share links: a whole experiment in the URL's fragment, `#x=` + base64url(deflate-raw(checksum
 * + JSON)). The checksum (format 2 on) is 8 hex digits of the JSON's SHA-256, because deflate has
 * none: without it a flipped bit can open as a different experiment. Format 1 links (JSON alone)
 * still open. The fragment never reaches a server. See `share-link-format.ts` for the JSON,
 * which is checked by the same experiment reader as the sessions file. The page opens links (and
 * the readable `#?` form of readable-link.ts); the share button makes them. `registry` is the
 * stages whose parameters a link carries.
 */

export const SHARE_FRAGMENT_PREFIX = '#x=';
/** Longest data a link may carry (characters after `#x=`); chat apps cut longer URLs. */
export const MAX_SHARE_DATA_CHARS = 32_768;
/** Largest JSON a link may inflate to. */
const MAX_JSON_BYTES = 1 << 20;
/** Hex digits of the checksum that starts a link's data from format 2 on. */
const CHECKSUM_DIGITS = 8;

/** The checksum of a link's JSON: the first 4 bytes of its SHA-256, in lowercase hex. */
export function shareChecksum(json: Uint8Array): string {
	const hash = new Sha256();
	hash.update(json);
	return hash.digestHex().slice(0, CHECKSUM_DIGITS);
}

export type ShareLinkResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** The fragment (`#x=…`) for an experiment, or why it is too big to share. */
export async function encodeShareFragment(
	shared: SharedExperiment,
	registry: StageRegistry = STAGE_DEFINITIONS
): Promise<ShareLinkResult<string>> {
	const json = new TextEncoder().encode(JSON.stringify(toCompact(shared, registry)));
	const checksum = new TextEncoder().encode(shareChecksum(json));
	const payload = new Uint8Array(checksum.length + json.length);
	payload.set(checksum);
	payload.set(json, checksum.length);
	const data = toBase64Url(await deflate(payload));
	if (data.length > MAX_SHARE_DATA_CHARS) {
		return {
			ok: false,
			message: `This experiment is too big for a link (${data.length.toLocaleString('en-US')} characters of data; at most ${MAX_SHARE_DATA_CHARS.toLocaleString('en-US')}). Shorten the prompt or the conversation.`
		};
	}
	return { ok: true, value: SHARE_FRAGMENT_PREFIX + data };
}

/** Whether a URL fragment (`location.hash`) carries a share link, compact or readable. */
export function isShareFragment(hash: string): boolean {
	return hash.startsWith(SHARE_FRAGMENT_PREFIX) || isReadableFragment(hash);
}

const cannotOpen = (why: string): ShareLinkResult<never> => ({
	ok: false,
	message: `This share link cannot be opened: ${why}. Nothing on the page was changed.`
});

/** Reads a share-link fragment; every failure says what is wrong with the link. */
export async function decodeShareFragment(
	hash: string,
	registry: StageRegistry = STAGE_DEFINITIONS
): Promise<ShareLinkResult<SharedExperiment>> {
	if (isReadableFragment(hash)) {
		const readable = readReadableLink(hash, registry);
		return readable.ok ? readable : cannotOpen(readable.problems.join('; '));
	}
	if (!isShareFragment(hash)) return cannotOpen('it does not start with #x= or #?');
	// Mail and chat apps sometimes percent-encode or wrap a long fragment; neither belongs in it.
	const data = hash.slice(SHARE_FRAGMENT_PREFIX.length).replace(/%0[AD]|\s/gi, '');
	if (data === '') return cannotOpen('it carries no data after #x=');
	if (data.length > MAX_SHARE_DATA_CHARS) {
		return cannotOpen(`it is longer than a share link can be (${data.length} characters)`);
	}
	const bytes = fromBase64Url(data);
	if (!bytes) {
		return cannotOpen(
			'it is damaged (its data may only hold letters, digits, - and _, and not end after 4n + 1 characters)'
		);
	}
	const inflated = await inflate(bytes, MAX_JSON_BYTES);
	if (!inflated.ok) {
		return cannotOpen(
			inflated.reason === 'too-large'
				? 'its data expands to more than 1 MiB'
				: 'it is damaged or cut short (its data does not decompress); copy the whole link again'
		);
	}
	const split = splitChecksum(inflated.bytes);
	if (split.checksum !== null && split.checksum !== shareChecksum(split.json)) {
		return cannotOpen(
			'it is damaged (its checksum does not match its data); copy the whole link again'
		);
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(split.json));
	} catch {
		return cannotOpen('it is damaged (its data is not valid JSON text)');
	}
	const version = isPlainObject(parsed) ? parsed.v : undefined;
	if (
		split.checksum === null &&
		typeof version === 'number' &&
		version >= 2 &&
		version <= SHARE_FORMAT_VERSION
	) {
		return cannotOpen(
			'it is damaged (it has no checksum, which every link of format 2 or later has); copy the whole link again'
		);
	}
	const result = fromCompact(parsed, registry);
	if (!result.ok) return cannotOpen(result.problems.map((p) => p.replace(/\.$/, '')).join('; '));
	return result;
}

/**
 * The checksum and the JSON of a link's inflated data. Format 1 data is the JSON alone (it starts
 * with `{`); later formats start with the checksum's hex digits.
 */
function splitChecksum(bytes: Uint8Array): { checksum: string | null; json: Uint8Array } {
	const head = new TextDecoder().decode(bytes.subarray(0, CHECKSUM_DIGITS));
	if (
		bytes.length > CHECKSUM_DIGITS &&
		/^[0-9a-f]+$/.test(head) &&
		head.length === CHECKSUM_DIGITS
	) {
		return { checksum: head, json: bytes.subarray(CHECKSUM_DIGITS) };
	}
	return { checksum: null, json: bytes };
}
