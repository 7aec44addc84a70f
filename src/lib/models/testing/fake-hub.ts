/**
 * A Hugging Face Hub in miniature for tests: answers the requests the app makes of the Hub
 * (`models/hub.ts`) for fixture repositories as the real one does — the tree listing (paged
 * with a `Link` header when asked), `resolve/` downloads with Range, the statuses and
 * `X-Error-Code`s of unknown, gated and missing things, CORS headers, and (when asked) the
 * redirect of a download to a storage host. Unit tests call its
 * `fetch`; the browser tests serve it over HTTP (`e2e/hub-server.ts`). It can cut the next
 * download short (a network failure) to test resuming.
 */
import { Sha256 } from '#lib/core/sha256';

export interface FakeHubRepo {
	/** Files by path in the repository. */
	files: Record<string, Uint8Array>;
	/** A gated repository lists its files but refuses to serve them to a caller not signed in. */
	gated?: boolean;
}

export interface FakeHubRequest {
	method: string;
	path: string;
	range: string | null;
	status: number;
}

const CORS = {
	'access-control-allow-origin': '*',
	'access-control-allow-headers': 'range, accept, content-type',
	'access-control-expose-headers':
		'content-range, content-length, accept-ranges, etag, link, x-error-code'
};
const PIECE = 16 * 1024;

function sha256Hex(bytes: Uint8Array): string {
	const hash = new Sha256();
	hash.update(bytes);
	return hash.digestHex();
}

export class FakeHub {
	readonly requests: FakeHubRequest[] = [];
	/** The next download (of any file) sends this many bytes, then fails as a dropped connection. */
	cutNextDownloadAfter: number | null = null;
	/** Entries per page of a tree listing; longer listings go on at the `Link` header's URL. */
	pageSize = 1000;
	/**
	 * Answers `resolve/` with a 302 to `/cdn/{sha256}`, as the Hub redirects a large file to its
	 * storage host (a fetch in the browser follows it; the unit tests' fetch does not).
	 */
	redirectDownloads = false;
	readonly #sha256 = new Map<Uint8Array, string>();

	constructor(readonly repos: Record<string, FakeHubRepo>) {}

	readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
		init?.signal?.throwIfAborted();
		const request = new Request(input, init);
		return this.answer(new URL(request.url), request.method, request.headers);
	};

	/** The Hub's answer to a request of `url`. */
	answer(url: URL, method: string, headers: Headers): Response {
		const range = headers.get('range');
		const response = this.#answer(url, method, range);
		this.requests.push({ method, path: url.pathname + url.search, range, status: response.status });
		return response;
	}

	#answer(url: URL, method: string, range: string | null): Response {
		if (method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS });
		const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
		if (parts[0] === 'api' && parts[1] === 'models' && parts[4] === 'tree') {
			return this.#tree(url, `${parts[2]}/${parts[3]}`);
		}
		if (parts[2] === 'resolve' && parts.length >= 5) {
			return this.#file(`${parts[0]}/${parts[1]}`, parts.slice(4).join('/'), range, method, url);
		}
		if (parts[0] === 'cdn' && parts.length === 2) {
			const bytes = this.#byHash(parts[1]);
			return bytes ? this.#serve(bytes, range, method) : error(404, 'EntryNotFound', 'Not found');
		}
		return error(404, 'EntryNotFound', 'Not found');
	}

	#tree(url: URL, repoName: string): Response {
		const repo = this.repos[repoName];
		// Signed out, the Hub answers an unknown repository as it would a private one.
		if (!repo) return error(401, 'RepoNotFound', 'Repository not found');
		const entries: unknown[] = [];
		const folders = new Set<string>();
		for (const [path, bytes] of Object.entries(repo.files).sort(([a], [b]) => a.localeCompare(b))) {
			const folder = path.split('/').slice(0, -1).join('/');
			if (folder && !folders.has(folder)) {
				folders.add(folder);
				entries.push({ type: 'directory', oid: '0'.repeat(40), size: 0, path: folder });
			}
			const sha256 = this.#hashOf(bytes);
			const lfs = /\.gguf$/i.test(path)
				? { lfs: { oid: sha256, size: bytes.length, pointerSize: 134 } }
				: {};
			entries.push({ type: 'file', oid: sha256.slice(0, 40), size: bytes.length, path, ...lfs });
		}
		const start = Number(url.searchParams.get('cursor') ?? 0);
		const page = entries.slice(start, start + this.pageSize);
		const headers: Record<string, string> = { ...CORS, 'content-type': 'application/json' };
		if (start + this.pageSize < entries.length) {
			const next = new URL(url);
			next.searchParams.set('cursor', String(start + this.pageSize));
			headers.link = `<${next.href}>; rel="next"`;
		}
		return new Response(JSON.stringify(page), { status: 200, headers });
	}

	#file(repoName: string, path: string, range: string | null, method: string, url: URL): Response {
		const repo = this.repos[repoName];
		if (!repo) return error(401, 'RepoNotFound', 'Repository not found');
		if (repo.gated) return error(401, 'GatedRepo', 'Access to this model is restricted');
		const bytes = repo.files[path];
		if (!bytes) return error(404, 'EntryNotFound', 'Entry not found');
		if (this.redirectDownloads) {
			return new Response(null, {
				status: 302,
				headers: { ...CORS, location: new URL(`/cdn/${this.#hashOf(bytes)}`, url).href }
			});
		}
		return this.#serve(bytes, range, method);
	}

	#byHash(sha256: string): Uint8Array | null {
		for (const repo of Object.values(this.repos)) {
			for (const bytes of Object.values(repo.files)) {
				if (this.#hashOf(bytes) === sha256) return bytes;
			}
		}
		return null;
	}

	#serve(bytes: Uint8Array, range: string | null, method: string): Response {
		const size = bytes.length;
		const headers: Record<string, string> = {
			...CORS,
			'accept-ranges': 'bytes',
			'content-type': 'application/octet-stream',
			etag: `"${this.#hashOf(bytes)}"`
		};
		const match = /^bytes=(\d+)-(\d*)$/.exec(range ?? '');
		let start = 0;
		let end = size - 1;
		let status = 200;
		if (match) {
			start = Number(match[1]);
			end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
			if (start >= size) {
				return new Response(null, {
					status: 416,
					headers: { ...headers, 'content-range': `bytes */${size}` }
				});
			}
			status = 206;
			headers['content-range'] = `bytes ${start}-${end}/${size}`;
		}
		headers['content-length'] = String(end - start + 1);
		if (method === 'HEAD') return new Response(null, { status, headers });
		const cut = this.cutNextDownloadAfter;
		// Header reads ask for a closed range; a download asks for the rest of the file.
		const isDownload = !match || match[2] === '';
		if (isDownload) this.cutNextDownloadAfter = null;
		const body = bytes.subarray(start, end + 1);
		return new Response(stream(body, isDownload ? cut : null), { status, headers });
	}

	#hashOf(bytes: Uint8Array): string {
		let hex = this.#sha256.get(bytes);
		if (!hex) {
			hex = sha256Hex(bytes);
			this.#sha256.set(bytes, hex);
		}
		return hex;
	}
}

function error(status: number, code: string, message: string): Response {
	return new Response(JSON.stringify({ error: message }), {
		status,
		headers: { ...CORS, 'content-type': 'application/json', 'x-error-code': code }
	});
}

/** `body` in pieces; with `cutAfter`, it fails after that many bytes as a dropped connection. */
function stream(body: Uint8Array, cutAfter: number | null): ReadableStream<Uint8Array> {
	let offset = 0;
	return new ReadableStream<Uint8Array>(
		{
			pull(controller) {
				const limit = cutAfter ?? body.length;
				if (offset >= limit) {
					if (cutAfter !== null && cutAfter < body.length) {
						controller.error(new TypeError('network error: the connection was reset'));
					} else {
						controller.close();
					}
					return;
				}
				const piece = body.slice(offset, Math.min(offset + PIECE, limit));
				offset += piece.length;
				controller.enqueue(piece);
			}
		},
		{ highWaterMark: 0 }
	);
}
