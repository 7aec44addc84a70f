import { describe, expect, it } from 'vitest';
import { CATALOGUE, TEST_MODEL_ID } from './catalogue';
import { buildLocalIndex, fetchLocalModels, modelChoices, parseLocalIndex } from './local-models';

const entry = (name: string, isFile = true) => ({ name, isFile, sizeBytes: 10, modifiedMs: 0 });

describe('buildLocalIndex', () => {
	it('lists GGUF files only, sorted, never paths or hidden files', () => {
		const index = buildLocalIndex([
			entry('b.gguf'),
			entry('README.md'),
			entry('.hidden.gguf'),
			entry('dir.gguf', false),
			entry('A.GGUF'),
			entry('../x.gguf')
		]);
		expect(index.models.map((m) => m.file)).toEqual(['A.GGUF', 'b.gguf']);
		expect(index.models[0]).toEqual({
			file: 'A.GGUF',
			sizeBytes: 10,
			modified: '1970-01-01T00:00:00.000Z'
		});
	});
});

describe('parseLocalIndex', () => {
	it('keeps well-formed entries and drops the rest', () => {
		const good = { file: 'm.gguf', sizeBytes: 5, modified: 'x' };
		expect(
			parseLocalIndex({ models: [good, { file: '../m.gguf', sizeBytes: 1, modified: 'x' }, null] })
		).toEqual([good]);
		expect(parseLocalIndex(null)).toEqual([]);
		expect(parseLocalIndex({ models: 'no' })).toEqual([]);
	});
});

describe('modelChoices', () => {
	it('prefers the local copy of a catalogue model and appends unknown local files', () => {
		const choices = modelChoices(
			CATALOGUE,
			[
				{ file: 'stories260K.gguf', sizeBytes: 1_185_376, modified: 'x' },
				{ file: 'my model.gguf', sizeBytes: 7, modified: 'x' }
			],
			'/models'
		);
		const stories = choices.find((c) => c.id === TEST_MODEL_ID);
		expect(stories).toMatchObject({ url: '/models/stories260K.gguf', isLocal: true });
		const remote = choices.find((c) => c.id === 'smollm2-135m-instruct-q8');
		expect(remote).toMatchObject({ isLocal: false, url: remote?.remoteUrl });
		expect(choices.at(-1)).toMatchObject({
			id: 'local:my model.gguf',
			url: '/models/my%20model.gguf',
			chat: null
		});
		expect(choices).toHaveLength(CATALOGUE.length + 1);
	});
});

describe('fetchLocalModels', () => {
	it('returns nothing when there is no listing', async () => {
		const notFound = async () => new Response('no', { status: 404 });
		expect(await fetchLocalModels('/models/index.json', notFound)).toEqual([]);
		const offline = async () => {
			throw new TypeError('Failed to fetch');
		};
		expect(await fetchLocalModels('/models/index.json', offline)).toEqual([]);
	});

	it('parses the listing', async () => {
		const ok = async () =>
			Response.json({ models: [{ file: 'a.gguf', sizeBytes: 1, modified: 'x' }] });
		expect(await fetchLocalModels('/models/index.json', ok)).toHaveLength(1);
	});
});

describe('CATALOGUE', () => {
	it('has unique ids and GGUF files, and HTTPS Hugging Face URLs', () => {
		expect(new Set(CATALOGUE.map((e) => e.id)).size).toBe(CATALOGUE.length);
		for (const e of CATALOGUE) {
			expect(e.file).toMatch(/\.gguf$/);
			expect(e.remoteUrl).toMatch(
				/^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/(main|[0-9a-f]{40})\//
			);
			expect(e.remoteUrl?.endsWith(`/${e.file}`)).toBe(true);
		}
	});
});
