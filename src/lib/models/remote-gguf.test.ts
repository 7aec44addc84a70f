import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GgufError, readGguf } from './gguf';
import { FIRST_BYTES, HeaderReadError, readRemoteGguf } from './remote-gguf';
import { FakeRangeServer } from './testing/fake-range-server';
import { TEST_METADATA, TEST_TENSORS, writeTestGguf } from './testing/gguf-writer';

const URL = 'https://models.test/model.gguf';
const supportedArchitectures = ['llama', 'qwen2'];
const realModel = new Uint8Array(readFileSync('models/stories260K.gguf'));

function withArchitecture(bytes: Uint8Array, name: string): Uint8Array {
	const copy = bytes.slice();
	const key = new TextEncoder().encode('general.architecture');
	const at = Buffer.from(copy).indexOf(Buffer.from(key));
	copy.set(new TextEncoder().encode(name), at + key.length + 4 + 8);
	return copy;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(Error);
	return error as Error;
}

/** A header with a vocabulary of `n` tokens: several MB of metadata. */
function bigVocabulary(n: number): Uint8Array {
	const tokens = Array.from({ length: n }, (_, i) => `token-${i}`);
	return writeTestGguf({
		metadata: {
			...TEST_METADATA,
			'general.architecture': { type: 'string', value: 'qwen2' },
			'qwen2.context_length': { type: 'u32', value: 32768 },
			'tokenizer.ggml.tokens': { type: 'strings', value: tokens }
		},
		tensors: TEST_TENSORS
	});
}

describe('readRemoteGguf', () => {
	it('reads the test model with Range requests, without fetching it whole', async () => {
		const server = new FakeRangeServer(realModel);
		const facts = await readRemoteGguf(URL, {
			fetchImpl: server.fetch,
			supportedArchitectures
		});
		expect(facts).toEqual(await readGguf(new Blob([realModel])));
		expect(server.requests).toEqual([{ range: `bytes=0-${FIRST_BYTES - 1}`, status: 206 }]);
		expect(server.bytesSent).toBeLessThanOrEqual(FIRST_BYTES);
		expect(server.bytesSent).toBeLessThan(realModel.length);
	});

	it('reads a range to its end rather than cutting it off (a failed request in the browser)', async () => {
		const server = new FakeRangeServer(realModel);
		await readRemoteGguf(URL, { fetchImpl: server.fetch, supportedArchitectures });
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(server.cancelled).toBe(0);
	});

	it('fetches further ranges, each following the last, for a 150k-token vocabulary', async () => {
		const file = bigVocabulary(150_000);
		expect(file.length).toBeGreaterThan(2_000_000);
		const server = new FakeRangeServer(file);
		const facts = await readRemoteGguf(URL, {
			fetchImpl: server.fetch,
			supportedArchitectures
		});
		expect(facts).toMatchObject({
			architecture: 'qwen2',
			vocabSize: 150_000,
			contextLength: 32768,
			hasChatTemplate: true,
			fileSize: file.length
		});
		expect(server.requests.length).toBeGreaterThanOrEqual(3);
		// Few requests: each asks for at least as much as is held already.
		expect(server.requests.length).toBeLessThanOrEqual(5);
		let next = 0;
		for (const request of server.requests) {
			expect(request.status).toBe(206);
			const [, start] = /^bytes=(\d+)-/.exec(request.range ?? '') ?? [];
			expect(Number(start)).toBe(next);
			next = Number(/-(\d+)$/.exec(request.range ?? '')?.[1]) + 1;
		}
		expect(server.bytesSent).toBeLessThanOrEqual(file.length);
	});

	it('reads a server that ignores Range only as far as needed, then aborts the request', async () => {
		const server = new FakeRangeServer(realModel, { ignoreRange: true });
		const facts = await readRemoteGguf(URL, { fetchImpl: server.fetch, supportedArchitectures });
		expect(facts.vocabSize).toBe(512);
		expect(server.requests).toHaveLength(1);
		expect(server.requests[0].status).toBe(200);
		expect(server.bytesSent).toBeLessThanOrEqual(FIRST_BYTES);
		expect(server.cancelled).toBe(1);
	});

	it('reads a big header from a server that ignores Range in one request', async () => {
		const file = bigVocabulary(150_000);
		const server = new FakeRangeServer(file, { ignoreRange: true });
		const facts = await readRemoteGguf(URL, { fetchImpl: server.fetch, supportedArchitectures });
		expect(facts.vocabSize).toBe(150_000);
		expect(server.requests).toHaveLength(1);
	});

	it('refuses a file that is not GGUF after its first bytes', async () => {
		const zeros = new Uint8Array(8 * 1024 * 1024);
		const server = new FakeRangeServer(zeros);
		const error = await failure(readRemoteGguf(URL, { fetchImpl: server.fetch }));
		expect(error).toBeInstanceOf(GgufError);
		expect(error.message).toBe('not a GGUF file: it starts with 00 00 00 00, not "GGUF"');
		expect(server.bytesSent).toBeLessThanOrEqual(FIRST_BYTES);
	});

	it('refuses a truncated file by its header alone', async () => {
		const cut = realModel.slice(0, Math.floor(realModel.length / 2));
		const server = new FakeRangeServer(cut);
		const error = await failure(
			readRemoteGguf(URL, { fetchImpl: server.fetch, supportedArchitectures })
		);
		expect(error).toBeInstanceOf(GgufError);
		expect(error.message).toMatch(
			new RegExp(`^truncated: tensor \\S+ ends at byte \\d+, the file has ${cut.length}$`)
		);
		expect(server.bytesSent).toBeLessThan(cut.length);
	});

	it('refuses an unsupported architecture with the checker’s message', async () => {
		const server = new FakeRangeServer(withArchitecture(realModel, 'zzzzz'), {
			ignoreRange: true
		});
		const error = await failure(
			readRemoteGguf(URL, { fetchImpl: server.fetch, supportedArchitectures })
		);
		expect(error).toBeInstanceOf(GgufError);
		expect(error.message).toBe('architecture zzzzz is not supported; supported: llama, qwen2');
		expect(server.cancelled).toBe(1);
	});

	it('says why a header could not be read', async () => {
		const notFound = new FakeRangeServer(realModel, { status: 404 });
		const error = await failure(readRemoteGguf(URL, { fetchImpl: notFound.fetch }));
		expect(error).toBeInstanceOf(HeaderReadError);
		expect(error.message).toBe('HTTP 404');

		const offline = await failure(
			readRemoteGguf(URL, {
				fetchImpl: () => Promise.reject(new TypeError('Failed to fetch'))
			})
		);
		expect(offline).toBeInstanceOf(HeaderReadError);
		expect(offline.message).toBe('the server could not be reached (Failed to fetch)');

		const cut = new FakeRangeServer(realModel, { ignoreRange: true, cutAfter: 100 });
		const short = await failure(readRemoteGguf(URL, { fetchImpl: cut.fetch }));
		expect(short).toBeInstanceOf(HeaderReadError);
		expect(short.message).toBe(
			`the server sent 100 bytes of a file it said has ${realModel.length}`
		);
	});

	it('needs the file’s size: from the server, else as known otherwise', async () => {
		const hidden = new FakeRangeServer(realModel, { hideSize: true });
		const error = await failure(readRemoteGguf(URL, { fetchImpl: hidden.fetch }));
		expect(error).toBeInstanceOf(HeaderReadError);
		expect(error.message).toBe('the server did not say how large the file is');
		const facts = await readRemoteGguf(URL, {
			fetchImpl: hidden.fetch,
			knownSize: realModel.length
		});
		expect(facts.vocabSize).toBe(512);
	});

	it('gives up on a header larger than it may hold', async () => {
		const server = new FakeRangeServer(bigVocabulary(150_000));
		const error = await failure(
			readRemoteGguf(URL, { fetchImpl: server.fetch, maxHeaderBytes: 1024 * 1024 })
		);
		expect(error).toBeInstanceOf(HeaderReadError);
		expect(error.message).toBe('the header goes on past the first 1 MB of the file');
	});

	it('reads an empty file as one', async () => {
		const server = new FakeRangeServer(new Uint8Array(0));
		const error = await failure(readRemoteGguf(URL, { fetchImpl: server.fetch }));
		expect(error.message).toBe('not a GGUF file: it starts with nothing, not "GGUF"');
	});
});
