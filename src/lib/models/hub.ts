/**
 * Any GGUF on the Hugging Face Hub by name: reads what the user pastes (`org/repo`, a repository
 * URL, a file's `resolve/` or `blob/` URL), lists the repository's GGUF files with the Hub's
 * public API, and builds the download URL of a file. Pure apart from `listHubGgufFiles`, which
 * calls the fetch it is given. Called by the page's Hub state (`app/hub-models.svelte.ts`) and
 * the model shelf (stored Hub files as picker choices).
 *
 * What this relies on from the Hub (its public, unauthenticated API):
 * - `GET {hub}/api/models/{org}/{repo}/tree/{revision}?recursive=true` answers a JSON array of
 *   entries `{ type: 'file' | 'directory', path, size, oid, lfs?: { oid, size, pointerSize } }`,
 *   where `lfs.oid` is the file's sha256 in hex and `lfs.size` its size; a long listing goes on
 *   at the URL of the response's `Link: <…>; rel="next"` header.
 *   (`GET {hub}/api/models/{org}/{repo}` is not used: its `siblings` name files by `rfilename`
 *   and carry `size` and `lfs.sha256` only when asked with `?blobs=true`.)
 * - `GET {hub}/{org}/{repo}/resolve/{revision}/{path}` serves the file (redirecting to a CDN)
 *   and honours Range.
 * - An unknown repository answers 404, or 401 when the request is not signed in (private and
 *   unknown repositories look alike then); a gated one answers 401 or 403 on its files. The
 *   `X-Error-Code` header says `RepoNotFound`, `RevisionNotFound` or `GatedRepo` when CORS lets
 *   the page read it.
 */
import { DEFAULT_CPU_ENGINE } from '#lib/core/model-id';
import type { ModelChoice } from './local-models';
import { HUGGING_FACE_URL } from './model-hosts';

export { HUGGING_FACE_URL };

/** Hosts whose URLs are read as Hub URLs, besides the configured Hub's own. */
const HUB_HOSTS = ['huggingface.co', 'www.huggingface.co', 'hf.co'];

/** A repository part: letters, digits, `-`, `_`, `.`, not starting with `.` or `-`. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}$/;

/** What the user named: a repository, and the file in it if a file's URL was pasted. */
export interface HubReference {
	/** `org/repo`. */
	repo: string;
	revision: string;
	/** Path of a file in the repository, when the user pasted a file's URL. */
	file: string | null;
}

export type HubProblem =
	'invalid-name' | 'not-found' | 'gated' | 'no-gguf' | 'network' | 'http' | 'bad-response';

/** The Hub could not give what was asked; `problem` says which of the user-facing cases. */
export class HubError extends Error {
	override name = 'HubError';
	constructor(
		message: string,
		readonly problem: HubProblem,
		readonly status: number | null = null
	) {
		super(message);
	}
}

const isName = (part: string | undefined): part is string =>
	part !== undefined && NAME.test(part) && !part.endsWith('.git');

function decode(part: string): string {
	try {
		return decodeURIComponent(part);
	} catch {
		return part;
	}
}

/**
 * Reads `org/repo` or a Hub URL (repository, `tree/`, `blob/` or `resolve/` URL, on
 * huggingface.co, hf.co or the configured Hub). Throws a {@link HubError} `invalid-name`
 * saying what is expected.
 */
export function parseHubReference(text: string, hubUrl: string = HUGGING_FACE_URL): HubReference {
	const input = text.trim();
	const invalid = () =>
		new HubError(
			`“${input}” is not a Hugging Face model: paste org/repo (e.g. ggml-org/models) or a huggingface.co URL`,
			'invalid-name'
		);
	let parts: string[];
	if (
		/^[a-z][a-z0-9+.-]*:\/\//i.test(input) ||
		/^(www\.)?(huggingface\.co|hf\.co)\//i.test(input)
	) {
		const url = URL.parse(/^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `https://${input}`);
		const hubHost = URL.parse(hubUrl)?.host;
		if (!url || !(HUB_HOSTS.includes(url.host.toLowerCase()) || url.host === hubHost)) {
			throw invalid();
		}
		parts = url.pathname.split('/').filter(Boolean).map(decode);
	} else {
		parts = input.split('/').filter(Boolean);
	}
	// Model repositories only: /datasets/… and /spaces/… hold no models to load.
	if (parts[0] === 'models') parts = parts.slice(1);
	const [org, name, kind, revision, ...path] = parts;
	if (!isName(org) || !isName(name)) throw invalid();
	const repo = `${org}/${name}`;
	if (kind === undefined) return { repo, revision: 'main', file: null };
	if ((kind === 'resolve' || kind === 'blob') && revision && path.length > 0) {
		return { repo, revision, file: path.join('/') };
	}
	if (kind === 'tree' && revision) return { repo, revision, file: null };
	throw invalid();
}

/** A GGUF file of a repository as the Hub lists it. */
export interface HubGgufFile {
	/** Path in the repository, e.g. `tinyllamas/stories260K.gguf`. */
	path: string;
	sizeBytes: number;
	/** Hex sha256 when the file is stored with LFS (all large files are), else null. */
	sha256: string | null;
	/** For one part of a split model (`…-00001-of-00003.gguf`): which part of how many. */
	split: { part: number; of: number } | null;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const SPLIT = /-(\d{5})-of-(\d{5})\.gguf$/i;

/** The GGUF files of one page of a tree listing; throws `bad-response` if it is not one. */
export function parseHubTree(json: unknown): HubGgufFile[] {
	if (!Array.isArray(json)) {
		throw new HubError('the Hub answered something other than a file list', 'bad-response');
	}
	const files: HubGgufFile[] = [];
	for (const entry of json as unknown[]) {
		if (typeof entry !== 'object' || entry === null) continue;
		const { type, path, size, lfs } = entry as Record<string, unknown>;
		if (type !== 'file' || typeof path !== 'string' || !/\.gguf$/i.test(path)) continue;
		const lfsInfo = typeof lfs === 'object' && lfs !== null ? (lfs as Record<string, unknown>) : {};
		const sizeBytes = typeof lfsInfo.size === 'number' ? lfsInfo.size : size;
		if (typeof sizeBytes !== 'number' || !Number.isSafeInteger(sizeBytes) || sizeBytes < 0)
			continue;
		const oid = typeof lfsInfo.oid === 'string' ? lfsInfo.oid.toLowerCase() : null;
		const split = SPLIT.exec(path);
		files.push({
			path,
			sizeBytes,
			sha256: oid && SHA256_HEX.test(oid) ? oid : null,
			split: split ? { part: Number(split[1]), of: Number(split[2]) } : null
		});
	}
	return files;
}

/** The `rel="next"` URL of a `Link` header, resolved against `base`. */
export function nextPageUrl(link: string | null, base: string): string | null {
	for (const part of (link ?? '').split(',')) {
		const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
		if (match && /\brel\s*=\s*"?next"?/i.test(match[2]))
			return URL.parse(match[1], base)?.href ?? null;
	}
	return null;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');
const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

export function hubTreeUrl(hubUrl: string, repo: string, revision: string): string {
	return `${trimSlash(hubUrl)}/api/models/${repo}/tree/${encodeURIComponent(revision)}?recursive=true`;
}

/** Where a file of a repository is downloaded from. */
export function hubFileUrl(hubUrl: string, repo: string, revision: string, path: string): string {
	return `${trimSlash(hubUrl)}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;
}

/** The repository, revision and path of a Hub download URL, or null for any other URL. */
export function parseHubFileUrl(
	url: string,
	hubUrl: string = HUGGING_FACE_URL
): { repo: string; revision: string; path: string } | null {
	const base = `${trimSlash(hubUrl)}/`;
	if (!url.startsWith(base)) return null;
	const parts = url.slice(base.length).split('?')[0].split('/').map(decode);
	const [org, name, kind, revision, ...path] = parts;
	if (!isName(org) || !isName(name) || kind !== 'resolve' || !revision || path.length === 0) {
		return null;
	}
	return { repo: `${org}/${name}`, revision, path: path.join('/') };
}

/**
 * The error for an HTTP status of the Hub about `what` (a repository or a file). `code` is the
 * `X-Error-Code` header when readable.
 */
export function hubStatusError(status: number, code: string | null, what: string): HubError {
	if (code === 'GatedRepo') {
		return new HubError(
			`${what} is gated: its authors ask users to sign in and accept their conditions on Hugging Face first, and this app does not sign in. Download the file on huggingface.co and open it from disk instead`,
			'gated',
			status
		);
	}
	if (
		status === 404 ||
		code === 'RepoNotFound' ||
		code === 'RevisionNotFound' ||
		code === 'EntryNotFound'
	) {
		return new HubError(
			`${what} was not found on Hugging Face (HTTP ${status}): check the name; a private repository also looks like this to an app that does not sign in`,
			'not-found',
			status
		);
	}
	if (status === 401 || status === 403) {
		return new HubError(
			`${what} is private or gated (HTTP ${status}): this app does not sign in to Hugging Face. Download the file on huggingface.co and open it from disk instead`,
			'gated',
			status
		);
	}
	return new HubError(`Hugging Face answered HTTP ${status} for ${what}`, 'http', status);
}

export interface HubFetchOptions {
	fetchImpl?: typeof fetch;
	signal?: AbortSignal;
	hubUrl?: string;
	/** Listing pages followed at most (the Hub pages a listing of many files). */
	maxPages?: number;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The GGUF files of a repository, sorted by path. Throws {@link HubError}: `not-found`, `gated`,
 * `no-gguf` (the repository has none), `network`, `http` or `bad-response`.
 */
export async function listHubGgufFiles(
	reference: Pick<HubReference, 'repo' | 'revision'>,
	options: HubFetchOptions = {}
): Promise<HubGgufFile[]> {
	const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
	const hubUrl = options.hubUrl ?? HUGGING_FACE_URL;
	const { repo, revision } = reference;
	const files: HubGgufFile[] = [];
	let url: string | null = hubTreeUrl(hubUrl, repo, revision);
	for (let page = 0; url && page < (options.maxPages ?? 50); page++) {
		let response: Response;
		try {
			response = await fetchImpl(url, {
				headers: { accept: 'application/json' },
				signal: options.signal
			});
		} catch (error) {
			if (options.signal?.aborted) throw error;
			throw new HubError(
				`Hugging Face could not be reached (${messageOf(error)}): check the network connection`,
				'network'
			);
		}
		if (!response.ok) {
			await response.body?.cancel().catch(() => {});
			throw hubStatusError(response.status, response.headers.get('x-error-code'), repo);
		}
		let json: unknown;
		try {
			json = await response.json();
		} catch (error) {
			if (options.signal?.aborted) throw error;
			throw new HubError(`the Hub's file list of ${repo} could not be read`, 'bad-response');
		}
		files.push(...parseHubTree(json));
		url = nextPageUrl(response.headers.get('link'), url);
	}
	if (files.length === 0) {
		throw new HubError(
			`${repo} has no GGUF files${revision === 'main' ? '' : ` at ${revision}`}: this app loads GGUF models (look for a repository named …-GGUF)`,
			'no-gguf'
		);
	}
	return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** The picker's entry for a Hub file stored in this browser (it loads from storage, offline too). */
export function hubFileChoice(
	file: { url: string; name: string; sizeBytes: number; sha256: string | null },
	hubUrl: string = HUGGING_FACE_URL
): ModelChoice {
	const hub = parseHubFileUrl(file.url, hubUrl);
	const base = file.url.split('?')[0].split('/').pop() ?? file.name;
	return {
		id: hub ? `hub:${hub.repo}/${hub.path}` : `stored:${file.url}`,
		name: hub ? `${base.replace(/\.gguf$/i, '')} (${hub.repo})` : file.name,
		description: hub
			? `A GGUF file of ${hub.repo} on Hugging Face, stored in this browser.`
			: 'A GGUF file stored in this browser.',
		engine: DEFAULT_CPU_ENGINE,
		file: decode(base),
		remoteUrl: file.url,
		sizeBytes: file.sizeBytes,
		sizeExact: true,
		sha256: file.sha256,
		source: hub
			? `Hugging Face's file list of ${hub.repo}, checked against the copy stored in this browser`
			: 'the copy stored in this browser',
		licence: 'unknown',
		chat: null,
		architecture: null,
		contextLength: 2048,
		url: file.url,
		isLocal: false
	};
}
