import { describe, expect, it } from 'vitest';
import { ENGINES } from './engines';

// The benches label every figure with the engine whose entry matched the model status line.
const byName = (name: string) => ENGINES.find((e) => e.name === name)!;

describe('engine configurations', () => {
	const statuses = {
		wllamaToday:
			'Loaded TinyStories 260K · wasm (llama.cpp b6327), 1 thread · vocabulary 512 · context 2,048 tokens · engine gives log-probabilities',
		wllamaNamed:
			'Loaded TinyStories 260K · wllama (llama.cpp b6327 in wasm), 1 thread · vocabulary 512 · context 2,048 tokens',
		ours: 'Loaded TinyStories 260K · our llama.cpp build (llama.cpp b7000 in wasm), 1 thread · vocabulary 512 · engine gives logits'
	};

	it('recognizes wllama by its status line, before and after engines were named', () => {
		expect(byName('wllama').backend.test(statuses.wllamaToday)).toBe(true);
		expect(byName('wllama').backend.test(statuses.wllamaNamed)).toBe(true);
		expect(byName('wllama').backend.test(statuses.ours)).toBe(false);
	});

	it('skips our engine when the build runs wllama for its option', () => {
		expect(byName('llama').backend.test(statuses.ours)).toBe(true);
		expect(byName('llama').backend.test(statuses.wllamaToday)).toBe(false);
		expect(byName('llama').backend.test(statuses.wllamaNamed)).toBe(false);
	});

	it('has one engine whose own sampler is the native reference, each selected by a query', () => {
		expect(ENGINES.filter((e) => e.nativeSampler)).toHaveLength(1);
		for (const engine of ENGINES) expect(engine.query).toMatch(/(^|&)threads=1(&|$)/);
		expect(new Set(ENGINES.map((e) => e.query)).size).toBe(ENGINES.length);
	});
});
