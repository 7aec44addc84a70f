// Checks the experimental multi-threaded build (engine/mt/build.sh web) in Debian's Chromium:
// serves .cache/engine-mt/web/ and models/ cross-origin isolated, loads the ES-module glue in a
// module worker (as the app's inference worker would), and prints one JSON line per thread
// count with the greedy stories260K text and decode tokens/s. See docs/engine-threads.md.
//   node engine/mt/check-browser.mjs ['[[threads, poll], ...]']     (PORT: default 4533)
import { chromium } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

const port = Number(process.env.PORT ?? 4533);
const runs = JSON.parse(process.argv[2] ?? '[[1,50],[2,50]]');
const folders = { '/engine/': '.cache/engine-mt/web/', '/models/': 'models/' };
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

const page = `<!doctype html><meta charset="utf-8"><title>engine threads</title><script type="module">
const params = new URLSearchParams(location.search);
const worker = new Worker('/worker.js', { type: 'module' });
worker.onmessage = (e) => console.log('RESULT ' + JSON.stringify(e.data));
worker.onerror = (e) => console.log('RESULT ' + JSON.stringify({ error: e.message }));
worker.postMessage({ threads: Number(params.get('threads')), poll: Number(params.get('poll')) });
</script>`;

// The same steps as check-node.mjs, in a module worker.
const worker = `self.onmessage = async (e) => {
	const { threads, poll } = e.data;
	try {
		const { default: create } = await import('/engine/playground-llama-mt.js');
		const M = await create();
		const api = (name) => M['_' + name];
		if (api('pg_set_threads')(threads, poll) !== 0) throw new Error('bad thread count or poll');
		const bytes = new Uint8Array(await (await fetch('/models/stories260K.gguf')).arrayBuffer());
		const modelPtr = api('pg_alloc')(bytes.length);
		M.HEAPU8.set(bytes, modelPtr);
		const status = api('pg_load')(modelPtr, bytes.length, 512, 0, 1);
		api('pg_free')(modelPtr);
		if (status !== 0) throw new Error('load failed: ' + status);
		const nVocab = api('pg_n_vocab')();
		const text = new TextEncoder().encode('Once upon a time');
		const textPtr = api('pg_alloc')(text.length + 1);
		M.HEAPU8.set(text, textPtr);
		const tokensPtr = api('pg_alloc')(4 * 64);
		const n = api('pg_tokenize')(textPtr, text.length, 1, 0, tokensPtr, 64);
		const prompt = Array.from(new Int32Array(M.HEAPU8.buffer, tokensPtr, n));
		const block = api('pg_alloc')(64 * 13);
		const decodeGreedy = (tokens, pos0) => {
			const k = tokens.length;
			const ints = new Int32Array(M.HEAPU8.buffer, block, k * 3);
			tokens.forEach((t, i) => { ints[i] = t; ints[k + i] = pos0 + i; ints[2 * k + i] = 0; });
			const wanted = new Uint8Array(M.HEAPU8.buffer, block + k * 12, k);
			wanted.fill(0);
			wanted[k - 1] = 1;
			if (api('pg_decode')(block, block + k * 4, block + k * 8, block + k * 12, k) !== 0) throw new Error('decode failed');
			const logits = new Float32Array(M.HEAPU8.buffer, api('pg_logits')(k - 1), nVocab);
			let best = 0;
			for (let i = 1; i < nVocab; i++) if (logits[i] > logits[best]) best = i;
			return best;
		};
		const t0 = performance.now();
		let next = decodeGreedy(prompt, 0);
		const t1 = performance.now();
		const generated = [];
		for (let pos = prompt.length; generated.length < 40; pos++) {
			generated.push(next);
			if (generated.length < 40) next = decodeGreedy([next], pos);
		}
		const t2 = performance.now();
		const piecePtr = api('pg_alloc')(256);
		const bytesOut = [];
		for (const t of generated) {
			const k = api('pg_token_piece')(t, 0, piecePtr, 256);
			bytesOut.push(...M.HEAPU8.subarray(piecePtr, piecePtr + k));
		}
		self.postMessage({ threads, poll, isolated: self.crossOriginIsolated, promptMs: Math.round(t1 - t0),
			decodeTokensPerS: Number((39 / ((t2 - t1) / 1000)).toFixed(1)), text: new TextDecoder().decode(new Uint8Array(bytesOut)) });
	} catch (error) {
		self.postMessage({ threads, poll, error: String((error && error.stack) || error) });
	}
};`;

const server = http.createServer(async (req, res) => {
	const url = new URL(req.url ?? '/', 'http://localhost').pathname;
	const headers = {
		'Cross-Origin-Opener-Policy': 'same-origin',
		'Cross-Origin-Embedder-Policy': 'require-corp'
	};
	if (url === '/' || url === '/worker.js') {
		res.writeHead(200, { ...headers, 'Content-Type': types[url === '/' ? '.html' : '.js'] });
		res.end(url === '/' ? page : worker);
		return;
	}
	const prefix = Object.keys(folders).find((p) => url.startsWith(p));
	const name = prefix && path.basename(url);
	const data = name && (await readFile(path.join(folders[prefix], name)).catch(() => null));
	if (!data) {
		res.writeHead(404, headers);
		res.end();
		return;
	}
	const type = types[path.extname(name)] ?? 'application/octet-stream';
	res.writeHead(200, { ...headers, 'Content-Type': type });
	res.end(data);
});
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));

const browser = await chromium.launch({
	// As e2e/browser.ts: Debian's Chromium unless CHROMIUM_PATH names another.
	executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
	args: [
		'--no-sandbox',
		'--disable-background-networking',
		'--disable-component-update',
		'--disable-sync',
		'--no-first-run'
	]
});
try {
	for (const [threads, poll] of runs) {
		const tab = await browser.newPage();
		const result = new Promise((resolve) =>
			tab.on('console', (m) => m.text().startsWith('RESULT ') && resolve(m.text().slice(7)))
		);
		await tab.goto(`http://127.0.0.1:${port}/?threads=${threads}&poll=${poll}`);
		const timeout = new Promise((resolve) =>
			setTimeout(() => resolve(JSON.stringify({ threads, poll, error: 'timeout' })), 120_000)
		);
		console.log(await Promise.race([result, timeout]));
		await tab.close();
	}
} finally {
	await browser.close();
	server.close();
}
