import type { Config } from '@sveltejs/kit/vite';
import type { Connect, Plugin } from 'vite';
import { BUILT_IN_MODEL_HOSTS } from '../../src/lib/models/model-hosts.ts';

/**
 * The app's Content-Security-Policy, built once in vite.config.ts and used twice: SvelteKit
 * writes it into the built page as a `<meta>` (with the hash of its inline start-up script), and
 * `contentSecurityPolicyHeaders` sends it as a header in dev and preview, where it also governs
 * the inference worker and the service worker (a worker's policy comes from the headers of its
 * own script, never from the page's `<meta>`).
 */

export type CspDirectives = NonNullable<NonNullable<Config['csp']>['directives']>;

/** The policy: everything from the app's own origin, downloads also from the model hosts. */
export function appContentSecurityPolicy(extraModelHosts: readonly string[] = []): CspDirectives {
	const modelHosts = [...BUILT_IN_MODEL_HOSTS, ...extraModelHosts] as CspDirectives['connect-src'];
	return {
		'default-src': ['self'],
		// WebAssembly compiles need 'wasm-unsafe-eval' (llama.cpp, WebLLM's model libraries and
		// tokenizer); no JavaScript eval.
		'script-src': ['self', 'wasm-unsafe-eval'],
		// wllama starts its worker, and its threads, from blob: URLs of its bundled worker code.
		'worker-src': ['self', 'blob:'],
		'connect-src': ['self', ...(modelHosts ?? [])],
		'img-src': ['self', 'data:', 'blob:'],
		// Svelte sets style attributes; inline styles cannot run code.
		'style-src': ['self', 'unsafe-inline'],
		'font-src': ['self'],
		'manifest-src': ['self'],
		'object-src': ['none'],
		'base-uri': ['self'],
		'form-action': ['self'],
		// Header only: browsers ignore it in a <meta>.
		'frame-ancestors': ['none']
	};
}

const QUOTED = new Set([
	'self',
	'none',
	'unsafe-inline',
	'unsafe-eval',
	'wasm-unsafe-eval',
	'strict-dynamic',
	'unsafe-hashes'
]);

/** The header value of a policy, keywords and hashes quoted as CSP wants them. */
export function serializePolicy(directives: CspDirectives): string {
	return Object.entries(directives)
		.filter(([, values]) => Array.isArray(values))
		.map(([name, values]) =>
			[
				name,
				...(values as string[]).map((v) =>
					QUOTED.has(v) || /^(sha\d{3}|nonce)-/.test(v) ? `'${v}'` : v
				)
			].join(' ')
		)
		.join('; ');
}

const META_POLICY = /<meta http-equiv="content-security-policy" content="([^"]*)"\s*\/?>/i;

function unescapeAttribute(text: string): string {
	return text
		.replaceAll('&quot;', '"')
		.replaceAll('&#39;', "'")
		.replaceAll('&lt;', '<')
		.replaceAll('&gt;', '>')
		.replaceAll('&amp;', '&');
}

/**
 * The header for a built page: the policy of its own `<meta>` (which carries the hashes of the
 * page's inline scripts; without them the header would block those scripts, since the browser
 * enforces both) plus `frame-ancestors`, which only a header can carry.
 */
export function documentHeader(html: string, fallback: string): string {
	const meta = META_POLICY.exec(html);
	if (!meta) return fallback;
	return `${unescapeAttribute(meta[1])}; frame-ancestors 'none'`;
}

function isHtml(contentType: unknown): boolean {
	return String(contentType ?? '').startsWith('text/html');
}

/**
 * Sends the policy on every response. A built page's header is taken from its own `<meta>`, so
 * HTML responses are held until complete; in dev SvelteKit sends the page's header itself and
 * replaces this one.
 */
function sendPolicy(header: string): Connect.NextHandleFunction {
	return (_req, res, next) => {
		res.setHeader('Content-Security-Policy', header);
		const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
		const write = res.write.bind(res) as (...args: unknown[]) => boolean;
		const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
		let held: unknown[] | null = null;
		const chunks: Buffer[] = [];
		// A 304's headers replace the cached response's: a page's policy (with its script hashes)
		// must not be replaced by the plain one.
		const keepCachedPolicy = () => res.removeHeader('Content-Security-Policy');
		const keep = (chunk: unknown, encoding?: unknown) => {
			if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
			chunks.push(
				typeof chunk === 'string'
					? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
					: Buffer.from(chunk as Uint8Array)
			);
		};
		res.writeHead = ((...args: unknown[]) => {
			const headers = args.find(
				(a): a is Record<string, unknown> => typeof a === 'object' && a !== null
			);
			const type = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type');
			if ((typeof args[0] === 'number' ? args[0] : res.statusCode) === 304) keepCachedPolicy();
			// SvelteKit's dev server sends its own header for the page it renders; keep that one.
			const ours = res.getHeader('content-security-policy') === header;
			if (ours && res.req.method === 'GET' && isHtml(type?.[1] ?? res.getHeader('content-type'))) {
				held = args;
				return res;
			}
			return writeHead(...args);
		}) as typeof res.writeHead;
		// Arguments are passed on untouched: the preview server's compression counts them.
		res.write = ((...args: unknown[]) => {
			if (!held) return write(...args);
			const [chunk, encoding, callback] = args;
			keep(chunk, encoding);
			if (typeof encoding === 'function') encoding();
			else if (typeof callback === 'function') callback();
			return true;
		}) as typeof res.write;
		res.end = ((...args: unknown[]) => {
			if (!held && !res.headersSent && res.statusCode === 304) keepCachedPolicy();
			if (!held) return end(...args);
			const [chunk, encoding, callback] = args;
			keep(chunk, encoding);
			const body = Buffer.concat(chunks);
			res.setHeader('Content-Security-Policy', documentHeader(body.toString('utf8'), header));
			writeHead(...held);
			held = null;
			const done = [encoding, callback].find((a) => typeof a === 'function');
			return done ? end(body, done) : end(body);
		}) as typeof res.end;
		next();
	};
}

/** Sends the Content-Security-Policy header in dev and preview. */
export function contentSecurityPolicyHeaders(directives: CspDirectives): Plugin {
	const header = serializePolicy(directives);
	return {
		name: 'sampling-playground:content-security-policy',
		configureServer(server) {
			server.middlewares.use(sendPolicy(header));
		},
		configurePreviewServer(server) {
			// After the preview server's compression, so that the held page is read uncompressed;
			// still before SvelteKit, which serves the files.
			return () => server.middlewares.use(sendPolicy(header));
		}
	};
}
