/**
 * The hosts the app may download models from, as Content-Security-Policy host sources: Hugging
 * Face (and the CDN hosts it redirects downloads to) and the host of WebLLM's model libraries.
 * The policy's `connect-src` is built from this list (tools/vite/content-security-policy.ts,
 * called by vite.config.ts); the model shelf asks `allowsModelUrl` before it offers a custom
 * model, so a host the policy would block is reported when the model is added, not when it loads.
 * Also the Hub's base URL a build talks to (`HUB_URL`, read by vite.config.ts).
 */

export const BUILT_IN_MODEL_HOSTS: readonly string[] = [
	'https://huggingface.co',
	// Downloads redirect to e.g. cdn-lfs.huggingface.co, cdn-lfs-us-1.hf.co or
	// cas-bridge.xethub.hf.co, and every hop of a redirect is checked against the policy.
	'https://*.huggingface.co',
	'https://*.hf.co',
	'https://raw.githubusercontent.com'
];

const HOST_SOURCE = /^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/;

/**
 * Reads a deployment's extra model hosts (the `MODEL_HOSTS` setting: origins separated by commas
 * or spaces, `*.` allowed in front of a domain). Throws naming the first entry that is not one.
 */
export function parseModelHosts(text: string | undefined): string[] {
	const hosts: string[] = [];
	for (const entry of (text ?? '').split(/[\s,]+/).filter(Boolean)) {
		const host = entry.toLowerCase().replace(/\/$/, '');
		if (!HOST_SOURCE.test(host)) {
			throw new Error(
				`MODEL_HOSTS: “${entry}” is not an origin such as https://models.example.org or https://*.example.org`
			);
		}
		hosts.push(host);
	}
	return hosts;
}

function defaultPort(protocol: string): string {
	return protocol === 'https:' ? '443' : '80';
}

/** Whether `url` matches one CSP host source as written by `parseModelHosts` or the list above. */
function matchesHostSource(url: URL, source: string): boolean {
	const parsed = /^(https?):\/\/(\*\.)?([^:]+)(?::(\d+))?$/.exec(source);
	if (!parsed) return false;
	const [, scheme, wildcard, host, port] = parsed;
	// A policy's http: source also allows https: (CSP upgrades the scheme), never the reverse.
	if (url.protocol !== `${scheme}:` && !(scheme === 'http' && url.protocol === 'https:')) {
		return false;
	}
	const hostOk = wildcard ? url.hostname.endsWith(`.${host}`) : url.hostname === host;
	// URL leaves `port` empty for the scheme's default port, which a source without one allows.
	const portOk = port ? (url.port || defaultPort(url.protocol)) === port : url.port === '';
	return hostOk && portOk;
}

/** Whether the policy built from `hosts` lets the app fetch `url` (same-origin always can). */
export function allowsModelUrl(url: string, hosts: readonly string[], appOrigin: string): boolean {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return false;
	}
	if (parsed.origin === appOrigin) return true;
	return hosts.some((source) => matchesHostSource(parsed, source));
}

/** The hosts of the URLs the policy would refuse, each once, in order. */
export function refusedHosts(urls: readonly string[], allows: (url: string) => boolean): string[] {
	const hosts = urls.filter((url) => !allows(url)).map((url) => URL.parse(url)?.host ?? url);
	return hosts.filter((host, i) => hosts.indexOf(host) === i);
}

/** The Hub the app talks to unless a build sets another (the browser tests' fixture Hub). */
export const HUGGING_FACE_URL = 'https://huggingface.co';

/**
 * Reads a build's `HUB_URL` setting (an origin such as http://127.0.0.1:5414, for the browser
 * tests' fixture Hub); the real Hub when unset. Throws naming what is wrong.
 */
export function parseHubUrl(text: string | undefined): string {
	if (!text) return HUGGING_FACE_URL;
	const url = URL.parse(text);
	if (!url || !/^https?:$/.test(url.protocol) || (url.pathname !== '/' && url.pathname !== '')) {
		throw new Error(`HUB_URL: “${text}” is not an origin such as https://huggingface.co`);
	}
	return url.origin;
}
