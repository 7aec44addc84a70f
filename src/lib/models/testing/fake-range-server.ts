/**
 * A fake `fetch` serving one file as an HTTP server would, for tests of the remote GGUF reader
 * (`models/remote-gguf.ts`): Range requests answered with 206, or ignored (200 with the whole
 * body), bodies sent in chunks as they are read, with a count of the bytes sent and of the
 * requests cancelled. Open ranges (`bytes=100-`, a resumed download) are served to the end.
 */

export interface FakeRangeServerOptions {
	/** Answers every request with 200 and the whole file, as a server without Range support. */
	ignoreRange?: boolean;
	/** Leaves out Content-Range and Content-Length (a server, or CORS, that hides the size). */
	hideSize?: boolean;
	/** Answers every request with this status and no body. */
	status?: number;
	/** Sends only this many bytes of a whole-file answer, while announcing the full size. */
	cutAfter?: number;
	chunkBytes?: number;
}

export interface ServedRequest {
	range: string | null;
	status: number;
}

export class FakeRangeServer {
	readonly requests: ServedRequest[] = [];
	/** Bytes of bodies handed to the reader so far. */
	bytesSent = 0;
	/** Bodies cancelled or aborted before their end. */
	cancelled = 0;

	constructor(
		readonly file: Uint8Array,
		readonly options: FakeRangeServerOptions = {}
	) {}

	readonly fetch = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
		const signal = init?.signal ?? undefined;
		signal?.throwIfAborted();
		const range = new Headers(init?.headers).get('range');
		const size = this.file.length;
		const { options } = this;
		if (options.status !== undefined) {
			this.requests.push({ range, status: options.status });
			return new Response(null, { status: options.status });
		}
		const match = /^bytes=(\d+)-(\d*)$/.exec(range ?? '');
		const headers = new Headers({ 'content-type': 'application/octet-stream' });
		if (options.ignoreRange || !match) {
			this.requests.push({ range, status: 200 });
			if (!options.hideSize) headers.set('content-length', String(size));
			const body = this.file.subarray(0, options.cutAfter ?? size);
			return new Response(this.#stream(body, signal), { status: 200, headers });
		}
		const start = Number(match[1]);
		const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
		if (start >= size) {
			this.requests.push({ range, status: 416 });
			headers.set('content-range', `bytes */${size}`);
			return new Response(null, { status: 416, headers });
		}
		this.requests.push({ range, status: 206 });
		if (!options.hideSize) headers.set('content-range', `bytes ${start}-${end}/${size}`);
		return new Response(this.#stream(this.file.subarray(start, end + 1), signal), {
			status: 206,
			headers
		});
	};

	#stream(body: Uint8Array, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
		const chunk = this.options.chunkBytes ?? 16 * 1024;
		let offset = 0;
		let ended = false;
		const cancel = () => {
			if (!ended) this.cancelled++;
			ended = true;
		};
		return new ReadableStream<Uint8Array>(
			{
				start: (controller) => {
					signal?.addEventListener('abort', () => {
						if (ended) return;
						cancel();
						controller.error(signal.reason);
					});
				},
				pull: (controller) => {
					if (ended) return;
					if (offset >= body.length) {
						ended = true;
						controller.close();
						return;
					}
					const piece = body.slice(offset, offset + chunk);
					offset += piece.length;
					this.bytesSent += piece.length;
					controller.enqueue(piece);
				},
				cancel
			},
			{ highWaterMark: 0 }
		);
	}
}
