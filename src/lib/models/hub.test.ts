import { describe, expect, it } from 'vitest';
import {
	hubFileChoice,
	hubFileUrl,
	HubError,
	listHubGgufFiles,
	nextPageUrl,
	parseHubFileUrl,
	parseHubReference,
	parseHubTree
} from './hub';

const SHA = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d';

describe('parseHubReference', () => {
	it('reads org/repo and repository URLs on huggingface.co and hf.co', () => {
		const repo = { repo: 'ggml-org/models', revision: 'main', file: null };
		for (const text of [
			'ggml-org/models',
			'  ggml-org/models/ ',
			'https://huggingface.co/ggml-org/models',
			'https://huggingface.co/ggml-org/models/',
			'huggingface.co/ggml-org/models',
			'https://hf.co/ggml-org/models',
			'https://huggingface.co/models/ggml-org/models'
		]) {
			expect(parseHubReference(text), text).toEqual(repo);
		}
		expect(
			parseHubReference('https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/tree/v1.0')
		).toEqual({
			repo: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF',
			revision: 'v1.0',
			file: null
		});
	});

	it("reads a file's resolve/ and blob/ URL, with its folder and revision", () => {
		const file = { repo: 'ggml-org/models', revision: 'main', file: 'tinyllamas/stories260K.gguf' };
		expect(
			parseHubReference(
				'https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf'
			)
		).toEqual(file);
		expect(
			parseHubReference(
				'https://huggingface.co/ggml-org/models/blob/main/tinyllamas/stories260K.gguf?download=true'
			)
		).toEqual(file);
		expect(
			parseHubReference('https://huggingface.co/a/b/resolve/abc123/my%20model.gguf').file
		).toBe('my model.gguf');
	});

	it("accepts the configured Hub's own URLs", () => {
		expect(
			parseHubReference('http://127.0.0.1:5414/fixture/tiny', 'http://127.0.0.1:5414')
		).toEqual({
			repo: 'fixture/tiny',
			revision: 'main',
			file: null
		});
	});

	it('refuses what is not a Hub model, saying what is expected', () => {
		for (const text of [
			'',
			'gpt2',
			'a/b/c',
			'https://example.org/a/b',
			'https://huggingface.co/a',
			'https://huggingface.co/a/b/resolve/main',
			'../etc',
			'.hidden/repo',
			'org/repo name'
		]) {
			expect(() => parseHubReference(text), text).toThrow(HubError);
		}
		expect(() => parseHubReference('gpt2')).toThrow(/paste org\/repo/);
	});
});

describe('parseHubTree', () => {
	it('keeps GGUF files with their LFS size and sha256, and marks split parts', () => {
		const files = parseHubTree([
			{ type: 'file', path: '.gitattributes', size: 1519, oid: 'a1' },
			{ type: 'directory', path: 'tinyllamas', size: 0, oid: 'b2' },
			{
				type: 'file',
				path: 'tinyllamas/stories260K.gguf',
				size: 1185376,
				oid: 'c3',
				lfs: { oid: SHA, size: 1185376, pointerSize: 134 }
			},
			{ type: 'file', path: 'small.GGUF', size: 10, oid: 'd4' },
			{
				type: 'file',
				path: 'big-00001-of-00002.gguf',
				size: 5,
				lfs: { oid: SHA.toUpperCase(), size: 5_000_000_000, pointerSize: 134 }
			},
			{ type: 'file', path: 'broken.gguf', size: -1 },
			null
		]);
		expect(files).toEqual([
			{ path: 'tinyllamas/stories260K.gguf', sizeBytes: 1185376, sha256: SHA, split: null },
			{ path: 'small.GGUF', sizeBytes: 10, sha256: null, split: null },
			{
				path: 'big-00001-of-00002.gguf',
				sizeBytes: 5_000_000_000,
				sha256: SHA,
				split: { part: 1, of: 2 }
			}
		]);
	});

	it('refuses an answer that is not a list', () => {
		expect(() => parseHubTree({ error: 'x' })).toThrow(HubError);
	});
});

describe('URLs', () => {
	it('builds download URLs and reads them back', () => {
		const url = hubFileUrl(
			'https://huggingface.co/',
			'ggml-org/models',
			'main',
			'tiny llamas/a.gguf'
		);
		expect(url).toBe('https://huggingface.co/ggml-org/models/resolve/main/tiny%20llamas/a.gguf');
		expect(parseHubFileUrl(url)).toEqual({
			repo: 'ggml-org/models',
			revision: 'main',
			path: 'tiny llamas/a.gguf'
		});
		expect(parseHubFileUrl('http://127.0.0.1/models/a.gguf')).toBeNull();
	});

	it('follows a Link header to the next page', () => {
		const base = 'https://huggingface.co/api/models/a/b/tree/main?recursive=true';
		expect(
			nextPageUrl('<https://huggingface.co/api/models/a/b/tree/main?cursor=xyz>; rel="next"', base)
		).toBe('https://huggingface.co/api/models/a/b/tree/main?cursor=xyz');
		expect(nextPageUrl('</api/x?cursor=1>; rel=next', base)).toBe(
			'https://huggingface.co/api/x?cursor=1'
		);
		expect(nextPageUrl(null, base)).toBeNull();
		expect(nextPageUrl('<https://a/b>; rel="prev"', base)).toBeNull();
	});

	it('offers a stored Hub file under a stable id and name', () => {
		const choice = hubFileChoice({
			url: 'https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf',
			name: 'stories260K',
			sizeBytes: 1185376,
			sha256: SHA
		});
		expect(choice).toMatchObject({
			id: 'hub:ggml-org/models/tinyllamas/stories260K.gguf',
			name: 'stories260K (ggml-org/models)',
			file: 'stories260K.gguf',
			sizeExact: true,
			sha256: SHA,
			isLocal: false
		});
	});
});

function json(body: unknown, init: ResponseInit = {}): Response {
	return new Response(JSON.stringify(body), {
		...init,
		headers: { 'content-type': 'application/json', ...init.headers }
	});
}

describe('listHubGgufFiles', () => {
	const ref = { repo: 'org/repo', revision: 'main' };

	it('lists every page of the tree, sorted', async () => {
		const asked: string[] = [];
		const fetchImpl = (async (input: RequestInfo | URL) => {
			const url = String(input);
			asked.push(url);
			if (url.includes('cursor=2')) {
				return json([{ type: 'file', path: 'a.gguf', size: 3 }]);
			}
			return json([{ type: 'file', path: 'b.gguf', size: 4 }], {
				headers: {
					link: '<https://huggingface.co/api/models/org/repo/tree/main?cursor=2>; rel="next"'
				}
			});
		}) as typeof fetch;
		const files = await listHubGgufFiles(ref, { fetchImpl });
		expect(files.map((f) => f.path)).toEqual(['a.gguf', 'b.gguf']);
		expect(asked[0]).toBe('https://huggingface.co/api/models/org/repo/tree/main?recursive=true');
	});

	it('tells not found, gated or private, no GGUF files and network failures apart', async () => {
		const cases: [() => Promise<Response>, string, RegExp][] = [
			[
				async () => json({ error: 'Repository not found' }, { status: 404 }),
				'not-found',
				/not found/
			],
			[
				async () => json({}, { status: 401, headers: { 'x-error-code': 'RepoNotFound' } }),
				'not-found',
				/private repository also looks like this/
			],
			[async () => json({}, { status: 403 }), 'gated', /private or gated \(HTTP 403\)/],
			[
				async () => json({}, { status: 401, headers: { 'x-error-code': 'GatedRepo' } }),
				'gated',
				/is gated/
			],
			[
				async () => json([{ type: 'file', path: 'model.safetensors', size: 9 }]),
				'no-gguf',
				/no GGUF files/
			],
			[
				async () => {
					throw new TypeError('Failed to fetch');
				},
				'network',
				/could not be reached \(Failed to fetch\)/
			],
			[async () => new Response('<html>', { status: 200 }), 'bad-response', /could not be read/],
			[async () => json({}, { status: 500 }), 'http', /HTTP 500/]
		];
		for (const [answer, problem, message] of cases) {
			const error = await listHubGgufFiles(ref, { fetchImpl: answer as typeof fetch }).catch(
				(e) => e
			);
			expect(error, problem).toBeInstanceOf(HubError);
			expect(error.problem).toBe(problem);
			expect(error.message).toMatch(message);
		}
	});
});
