import { describe, expect, it } from 'vitest';
import {
	appContentSecurityPolicy,
	documentHeader,
	serializePolicy
} from './content-security-policy';

describe('the app policy', () => {
	it('loads scripts and workers from the app only, and allows no JavaScript eval', () => {
		const policy = appContentSecurityPolicy();
		expect(policy['script-src']).toEqual(['self', 'wasm-unsafe-eval']);
		expect(policy['worker-src']).toEqual(['self', 'blob:']);
		expect(policy['object-src']).toEqual(['none']);
		expect(policy['connect-src']).toContain('https://huggingface.co');
	});

	it("adds a deployment's model hosts to connect-src only", () => {
		const policy = appContentSecurityPolicy(['https://models.example.org']);
		expect(policy['connect-src']).toContain('https://models.example.org');
		expect(serializePolicy(policy).match(/models\.example\.org/g)).toHaveLength(1);
	});

	it('quotes keywords and hashes, not hosts or schemes', () => {
		expect(
			serializePolicy({
				'script-src': ['self', 'wasm-unsafe-eval', 'sha256-abc='],
				'worker-src': ['self', 'blob:'],
				'connect-src': ['https://*.hf.co']
			})
		).toBe(
			"script-src 'self' 'wasm-unsafe-eval' 'sha256-abc='; worker-src 'self' blob:; connect-src https://*.hf.co"
		);
	});
});

describe('documentHeader', () => {
	it("takes a built page's own policy, hashes included, and adds frame-ancestors", () => {
		const html =
			'<head><meta http-equiv="content-security-policy" content="script-src &#39;self&#39; &#39;sha256-x=&#39;"></head>';
		expect(documentHeader(html, 'fallback')).toBe(
			"script-src 'self' 'sha256-x='; frame-ancestors 'none'"
		);
	});

	it('keeps the whole policy for a page without one', () => {
		expect(documentHeader('<p>Not found</p>', 'default-src x')).toBe('default-src x');
	});
});
