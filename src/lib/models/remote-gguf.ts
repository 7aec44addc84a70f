/**
 * Reads and checks the header of a GGUF file on a server before it is downloaded, with the GGUF
 * reader of `gguf.ts`. The reader's byte ranges are served from a prefix of the file fetched with
 * HTTP Range requests: the first 256 KiB, then at least doubling, so a 150k-token vocabulary
 * (several MB of metadata) takes a few requests and a bad file is refused after its first
 * bytes. A server that ignores Range (200 with the whole body) is read as a stream only as far
 * as the reader needs, then the request is aborted. Called by the page's model facts
 * (`app/model-facts.svelte.ts`), with the browser's fetch.
 */
import { readGguf, type ByteSource, type GgufCheckOptions, type GgufFacts } from './gguf';

/** The header could not be read (network, HTTP status, an odd server); says nothing about the file. */
export class HeaderReadError extends Error {
	override name = 'HeaderReadError';
	constructor(
		message: string,
		/** The HTTP status that refused the read, when one did (e.g. 401 for a gated file). */
		readonly status: number | null = null
	) {
		super(message);
	}
}

export interface RemoteGgufOptions extends GgufCheckOptions {
	fetchImpl?: typeof fetch;
	signal?: AbortSignal;
	/** The file's size as known otherwise (an exact catalogue size), for servers that hide it. */
	knownSize?: number | null;
	/** Bytes asked for by the first request. */
	firstBytes?: number;
	/** The reader gives up (HeaderReadError) rather than hold more of the file than this. */
	maxHeaderBytes?: number;
}

export const FIRST_BYTES = 256 * 1024;
const MAX_HEADER_BYTES = 64 * 1024 * 1024;
/** What the GGUF reader asks for at a time: small, since this source fetches ahead itself. */
const READER_WINDOW = 64 * 1024;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** `bytes first-last/total` (total may be `*`), or `bytes *\/total` of a 416. */
function parseContentRange(
	header: string | null
): { start: number | null; total: number | null } | null {
	const match = /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i.exec(header?.trim() ?? '');
	if (!match) return null;
	return {
		start: match[1] === undefined ? null : Number(match[1]),
		total: match[2] === '*' ? null : Number(match[2])
	};
}

/** A file on a server as a {@link ByteSource}: a prefix of it, fetched as the reader goes. */
class RemoteFile implements ByteSource {
	size = 0;
	readonly window = READER_WINDOW;
	#bytes = new Uint8Array(0);
	#length = 0;
	/** The body of a response still being read: a server that ignored Range, or sent more. */
	#stream: ReadableStreamDefaultReader<Uint8Array> | null = null;
	/** Bytes of `#stream` still to drop before the first one not held yet. */
	#skip = 0;
	/** Whether `#stream` is a whole file (status 200) rather than a range. */
	#wholeBody = false;
	/** How many bytes were held when `#stream` started. */
	#heldAtTake = 0;
	readonly #controller = new AbortController();
	readonly #fetch: typeof fetch;
	readonly #firstBytes: number;
	readonly #maxBytes: number;
	readonly #unlink: () => void;

	constructor(
		readonly url: string,
		private readonly options: RemoteGgufOptions
	) {
		this.#fetch = options.fetchImpl ?? ((input, init) => fetch(input, init));
		this.#firstBytes = options.firstBytes ?? FIRST_BYTES;
		this.#maxBytes = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
		const outer = options.signal;
		const abort = () => this.#controller.abort(outer?.reason);
		outer?.addEventListener('abort', abort);
		if (outer?.aborted) abort();
		this.#unlink = () => outer?.removeEventListener('abort', abort);
	}

	/** Asks for the first bytes and learns the file's size. */
	async open(): Promise<void> {
		const response = await this.#request(0, this.#firstBytes);
		const range = parseContentRange(response.headers.get('content-range'));
		let size: number | null;
		if (response.status === 206) {
			if (range && range.start !== 0) {
				throw new HeaderReadError(`the server sent bytes from ${range.start}, not from 0`);
			}
			size = range?.total ?? null;
		} else if (response.status === 416) {
			// Only an empty file has no first byte.
			size = range?.total ?? null;
		} else {
			const length = response.headers.get('content-length');
			size = length !== null && /^\d+$/.test(length) ? Number(length) : null;
		}
		size ??= this.options.knownSize ?? null;
		if (size === null) {
			await response.body?.cancel().catch(() => {});
			throw new HeaderReadError('the server did not say how large the file is');
		}
		this.size = size;
		if (response.status === 416) return;
		this.#take(response, 0);
		await this.#fill(Math.min(this.#firstBytes, size));
	}

	async read(offset: number, length: number): Promise<Uint8Array> {
		const end = Math.min(offset + length, this.size);
		await this.#fill(end);
		return this.#bytes.subarray(offset, end);
	}

	/**
	 * Ends any request still under way. The rest of a range (at most the first request's size) is
	 * read to its end rather than cut off, which a browser reports as a failed request; a whole
	 * file, or a longer rest, is aborted.
	 */
	close(): void {
		const stream = this.#stream;
		this.#stream = null;
		this.#unlink();
		if (!stream || this.#wholeBody) {
			void stream?.cancel().catch(() => {});
			this.#controller.abort();
			return;
		}
		void (async () => {
			let left = this.#firstBytes;
			try {
				while (left > 0) {
					const { done, value } = await stream.read();
					if (done) return;
					left -= value.length;
				}
				await stream.cancel();
			} catch {
				// The request failed on its own; nothing is waiting for it.
			} finally {
				this.#controller.abort();
			}
		})();
	}

	/** Holds bytes `[0, end)`, fetching what is missing. */
	async #fill(end: number): Promise<void> {
		if (end > this.#maxBytes) {
			throw new HeaderReadError(
				`the header goes on past the first ${this.#maxBytes / (1024 * 1024)} MB of the file`
			);
		}
		while (this.#length < end) {
			if (this.#stream) {
				const { done, value } = await this.#stream.read();
				if (done) {
					this.#stream = null;
					// A 206 ends where it said; the next request asks for more. A whole body, or a
					// range with nothing in it, that ends early contradicts the size the server gave.
					if (this.#length < end && (this.#wholeBody || this.#length === this.#heldAtTake)) {
						throw new HeaderReadError(
							`the server sent ${this.#length} bytes of a file it said has ${this.size}`
						);
					}
					continue;
				}
				this.#append(value);
				continue;
			}
			const target = Math.min(this.size, Math.max(end, this.#length * 2, this.#firstBytes));
			const response = await this.#request(this.#length, target - this.#length);
			if (response.status === 206) {
				const range = parseContentRange(response.headers.get('content-range'));
				if (range?.start !== this.#length) {
					await response.body?.cancel().catch(() => {});
					throw new HeaderReadError(
						`the server sent a different range of the file than the one asked for (${this.#length}–${target})`
					);
				}
				this.#take(response, 0);
			} else if (response.status === 200) {
				this.#take(response, this.#length);
			} else {
				await response.body?.cancel().catch(() => {});
				throw new HeaderReadError(`HTTP ${response.status} for bytes from ${this.#length}`);
			}
		}
	}

	/** Reads `response`'s body from here on, dropping its first `skip` bytes (held already). */
	#take(response: Response, skip: number): void {
		if (!response.body) throw new HeaderReadError('the response has no body');
		this.#stream = response.body.getReader();
		this.#skip = skip;
		this.#wholeBody = response.status === 200;
		this.#heldAtTake = this.#length;
	}

	#append(chunk: Uint8Array): void {
		let bytes = chunk;
		if (this.#skip > 0) {
			const dropped = Math.min(this.#skip, bytes.length);
			this.#skip -= dropped;
			bytes = bytes.subarray(dropped);
		}
		if (bytes.length === 0) return;
		const needed = this.#length + bytes.length;
		if (needed > this.#bytes.length) {
			// Views handed out earlier keep the old buffer, which still holds their bytes.
			const grown = new Uint8Array(Math.max(needed, this.#bytes.length * 2, 64 * 1024));
			grown.set(this.#bytes.subarray(0, this.#length));
			this.#bytes = grown;
		}
		this.#bytes.set(bytes, this.#length);
		this.#length = needed;
	}

	async #request(start: number, length: number): Promise<Response> {
		let response: Response;
		try {
			response = await this.#fetch(this.url, {
				headers: { Range: `bytes=${start}-${start + Math.max(length, 1) - 1}` },
				signal: this.#controller.signal,
				// A cached whole-file answer would defeat the ranges; the file does not change.
				cache: 'no-store'
			});
		} catch (error) {
			if (this.options.signal?.aborted) throw error;
			throw new HeaderReadError(`the server could not be reached (${messageOf(error)})`);
		}
		if (response.status !== 200 && response.status !== 206 && response.status !== 416) {
			await response.body?.cancel().catch(() => {});
			throw new HeaderReadError(
				`HTTP ${response.status} ${response.statusText}`.trim(),
				response.status
			);
		}
		return response;
	}
}

/**
 * Reads and checks the header of the GGUF file at `url` without downloading the file. Throws a
 * `GgufError` when the file is malformed or unsupported (as `readGguf` does), a
 * {@link HeaderReadError} when the header could not be read.
 */
export async function readRemoteGguf(
	url: string,
	options: RemoteGgufOptions = {}
): Promise<GgufFacts> {
	const file = new RemoteFile(url, options);
	try {
		await file.open();
		return await readGguf(file, options);
	} catch (error) {
		if (error instanceof HeaderReadError || options.signal?.aborted) throw error;
		if (error instanceof Error && error.name === 'GgufError') throw error;
		throw new HeaderReadError(messageOf(error));
	} finally {
		file.close();
	}
}
