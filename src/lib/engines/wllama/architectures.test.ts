import { describe, expect, it } from 'vitest';
import { WLLAMA_ARCHITECTURES } from './architectures';

describe('WLLAMA_ARCHITECTURES', () => {
	it("lists the catalogue's architectures first, each name once", () => {
		// TinyStories and SmolLM2 are llama models, Qwen2.5 is qwen2.
		expect(WLLAMA_ARCHITECTURES.slice(0, 2)).toEqual(['llama', 'qwen2']);
		expect(new Set(WLLAMA_ARCHITECTURES).size).toBe(WLLAMA_ARCHITECTURES.length);
	});
});
