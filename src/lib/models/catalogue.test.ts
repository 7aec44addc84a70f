import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, TEST_MODEL_ID } from './catalogue';

const root = path.resolve(import.meta.dirname, '../../..');

describe('the catalogue’s claims', () => {
	it('cites a source for every exact size and every sha256, and only then', () => {
		for (const entry of CATALOGUE) {
			const claims = entry.sizeExact || entry.sha256 !== null;
			expect(entry.source !== null, entry.id).toBe(claims);
			if (entry.source !== null) expect(entry.source.length, entry.id).toBeGreaterThan(10);
		}
	});

	it('gives every sha256 as 64 lowercase hex digits', () => {
		for (const entry of CATALOGUE)
			if (entry.sha256 !== null) expect(entry.sha256, entry.id).toMatch(/^[0-9a-f]{64}$/);
	});

	it('downloads a chat model with a sha256 from the Hub revision it was recorded at, not main', () => {
		for (const entry of CATALOGUE) {
			if (entry.sha256 === null || entry.id === TEST_MODEL_ID) continue;
			const revision = /\/resolve\/([0-9a-f]{40})\//.exec(entry.remoteUrl ?? '')?.[1];
			expect(revision, entry.id).toBeDefined();
			expect(entry.source, entry.id).toContain(revision!.slice(0, 12));
		}
	});

	it('gives a size for every entry: exact bytes when cited, else a rounded figure', () => {
		for (const entry of CATALOGUE) {
			expect(Number.isSafeInteger(entry.sizeBytes), entry.id).toBe(true);
			// A figure copied from a page that rounds to whole megabytes is no exact size.
			if (!entry.sizeExact) expect(entry.sizeBytes! % 1_000_000, entry.id).toBe(0);
		}
	});

	it('pins the sizes wllama’s example list states (issue 14)', () => {
		const size = (file: string) => CATALOGUE.find((e) => e.file === file)?.sizeBytes;
		expect(size('smollm2-360m-instruct-q8_0.gguf')).toBe(386_404_992);
		expect(size('qwen2.5-0.5b-instruct-q8_0.gguf')).toBe(675_710_816);
		expect(size('Qwen3-0.6B-Q8_0.gguf')).toBe(639_447_744);
		expect(size('llama-3.2-1b-instruct-q4_k_m.gguf')).toBe(807_690_656);
	});

	it('has the shipped test model’s real size and sha256', async () => {
		const entry = CATALOGUE.find((e) => e.id === TEST_MODEL_ID)!;
		const bytes = await readFile(path.join(root, 'models', entry.file));
		const digest = await crypto.subtle.digest('SHA-256', bytes);
		expect(bytes.length).toBe(entry.sizeBytes);
		expect(Buffer.from(digest).toString('hex')).toBe(entry.sha256);
	});

	it('names each entry’s architecture, with the newer small chat models among them', () => {
		for (const entry of CATALOGUE) expect(entry.architecture, entry.id).toBeTruthy();
		const architectures = new Set(CATALOGUE.map((e) => e.architecture));
		for (const arch of ['llama', 'qwen2', 'qwen3', 'gemma3']) expect(architectures).toContain(arch);
	});
});
