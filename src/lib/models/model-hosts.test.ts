import { describe, expect, it } from 'vitest';
import { CATALOGUE } from './catalogue';
import {
	allowsModelUrl,
	BUILT_IN_MODEL_HOSTS,
	parseHubUrl,
	parseModelHosts,
	refusedHosts
} from './model-hosts';
import { WEBLLM_CATALOGUE } from './webllm-catalogue';

const APP = 'https://playground.example';

describe('allowsModelUrl', () => {
	it('allows every catalogue download: GGUF weights, WebLLM weights and libraries', () => {
		const urls = [
			...CATALOGUE.flatMap((m) => (m.remoteUrl ? [m.remoteUrl] : [])),
			...WEBLLM_CATALOGUE.flatMap((m) => [`${m.modelUrl}/resolve/main/`, m.modelLibUrl])
		];
		expect(urls.length).toBeGreaterThan(10);
		for (const url of urls) expect(allowsModelUrl(url, BUILT_IN_MODEL_HOSTS, APP), url).toBe(true);
	});

	it("allows Hugging Face's download redirects and the app's own origin", () => {
		for (const url of [
			'https://cdn-lfs.huggingface.co/repos/x',
			'https://cdn-lfs-us-1.hf.co/repos/x',
			'https://cas-bridge.xethub.hf.co/xet-bridge-us/x',
			`${APP}/models/stories260K.gguf`
		]) {
			expect(allowsModelUrl(url, BUILT_IN_MODEL_HOSTS, APP), url).toBe(true);
		}
	});

	it('refuses other hosts, other ports, plain http and look-alike domains', () => {
		for (const url of [
			'https://example.org/model.gguf',
			'http://huggingface.co/x',
			'https://huggingface.co:8443/x',
			'https://evilhuggingface.co/x',
			'https://hf.co.evil.example/x',
			'not a url'
		]) {
			expect(allowsModelUrl(url, BUILT_IN_MODEL_HOSTS, APP), url).toBe(false);
		}
	});

	it('allows the hosts a deployment adds', () => {
		const hosts = [...BUILT_IN_MODEL_HOSTS, ...parseModelHosts('https://models.example.org')];
		expect(allowsModelUrl('https://models.example.org/lib.wasm', hosts, APP)).toBe(true);
		expect(allowsModelUrl('https://other.example.org/lib.wasm', hosts, APP)).toBe(false);
	});
});

describe('parseModelHosts', () => {
	it('reads origins separated by commas or spaces', () => {
		expect(
			parseModelHosts(' https://a.example, https://*.b.example  http://localhost:8080/')
		).toEqual(['https://a.example', 'https://*.b.example', 'http://localhost:8080']);
		expect(parseModelHosts(undefined)).toEqual([]);
	});

	it('names an entry that is not an origin', () => {
		expect(() => parseModelHosts('https://a.example/path')).toThrow(
			'MODEL_HOSTS: “https://a.example/path” is not an origin'
		);
		expect(() => parseModelHosts("https://a.example 'unsafe-inline'")).toThrow("“'unsafe-inline'”");
	});
});

describe('refusedHosts', () => {
	it('names each refused host once', () => {
		const allows = (url: string) => allowsModelUrl(url, BUILT_IN_MODEL_HOSTS, APP);
		expect(
			refusedHosts(
				[
					'https://a.example/m',
					'https://huggingface.co/x',
					'https://a.example/l.wasm',
					'https://b.example:8080/y'
				],
				allows
			)
		).toEqual(['a.example', 'b.example:8080']);
	});
});

describe('parseHubUrl', () => {
	it('is the real Hub unless a build names another origin', () => {
		expect(parseHubUrl(undefined)).toBe('https://huggingface.co');
		expect(parseHubUrl('')).toBe('https://huggingface.co');
		expect(parseHubUrl('http://127.0.0.1:5414/')).toBe('http://127.0.0.1:5414');
		expect(() => parseHubUrl('http://127.0.0.1:5414/api')).toThrow(/HUB_URL: .* is not an origin/);
		expect(() => parseHubUrl('ftp://x')).toThrow(/HUB_URL/);
	});
});
