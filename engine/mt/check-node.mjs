// Checks the experimental multi-threaded build (engine/mt/build.sh node) in Node: greedy text
// from a prompt, prompt time and decode tokens/s for a given thread count. See
// docs/engine-threads.md. Usage, from the repository root:
//   node engine/mt/check-node.mjs models/stories260K.gguf <threads> [poll] [tokens] [prompt]
// poll: ggml's spin level (0..100) for the persistent pool, -1 for none. Prints one JSON line.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [modelPath, threadsArg = '1', pollArg = '50', tokensArg = '40', prompt = 'Once upon a time'] =
	process.argv.slice(2);
const threads = Number(threadsArg);
const poll = Number(pollArg);
const newTokens = Number(tokensArg);
const dir = path.resolve('.cache/engine-mt/node');

async function main() {
	const started = performance.now();
	// Emscripten 3.1.6 fetches the .wasm by path when fetch exists (Node >= 18), which fails;
	// handing it the bytes avoids that.
	const { default: create } = await import(
		pathToFileURL(path.join(dir, 'playground-llama-mt.js')).href
	);
	const M = await create({
		wasmBinary: fs.readFileSync(path.join(dir, 'playground-llama-mt.wasm'))
	});
	const instantiateMs = performance.now() - started;
	const api = (name) => M[`_${name}`];
	const cString = (ptr) => {
		const end = M.HEAPU8.indexOf(0, ptr);
		return Buffer.from(M.HEAPU8.subarray(ptr, end)).toString();
	};
	const fail = (what) => new Error(`${what}: ${cString(api('pg_last_error')())}`);
	if (api('pg_set_threads')(threads, poll) !== 0) throw new Error('bad thread count or poll');

	const bytes = fs.readFileSync(modelPath);
	const modelPtr = api('pg_alloc')(bytes.length);
	M.HEAPU8.set(bytes, modelPtr);
	const status = api('pg_load')(modelPtr, bytes.length, 512, 0, 1);
	api('pg_free')(modelPtr);
	if (status !== 0) throw fail('load');
	const nVocab = api('pg_n_vocab')();

	const text = Buffer.from(prompt);
	const textPtr = api('pg_alloc')(text.length + 1);
	M.HEAPU8.set(text, textPtr);
	const tokensPtr = api('pg_alloc')(4 * 512);
	const nPrompt = api('pg_tokenize')(textPtr, text.length, 1, 0, tokensPtr, 512);
	if (nPrompt < 0) throw fail('tokenize');
	const promptTokens = Array.from(new Int32Array(M.HEAPU8.buffer, tokensPtr, nPrompt));

	const block = api('pg_alloc')(512 * 13);
	const decodeGreedy = (tokens, pos0) => {
		const n = tokens.length;
		const ints = new Int32Array(M.HEAPU8.buffer, block, n * 3);
		tokens.forEach((t, i) => {
			ints[i] = t;
			ints[n + i] = pos0 + i;
			ints[2 * n + i] = 0;
		});
		const wanted = new Uint8Array(M.HEAPU8.buffer, block + n * 12, n);
		wanted.fill(0);
		wanted[n - 1] = 1;
		if (api('pg_decode')(block, block + n * 4, block + n * 8, block + n * 12, n) !== 0)
			throw fail('decode');
		const logits = new Float32Array(M.HEAPU8.buffer, api('pg_logits')(n - 1), nVocab);
		let best = 0;
		for (let i = 1; i < nVocab; i++) if (logits[i] > logits[best]) best = i;
		return best;
	};

	const t0 = performance.now();
	let next = decodeGreedy(promptTokens, 0);
	const t1 = performance.now();
	const generated = [];
	for (let pos = promptTokens.length; generated.length < newTokens; pos++) {
		generated.push(next);
		if (generated.length < newTokens) next = decodeGreedy([next], pos);
	}
	const t2 = performance.now();

	const piecePtr = api('pg_alloc')(256);
	const pieces = generated.map((t) => {
		const n = api('pg_token_piece')(t, 0, piecePtr, 256);
		return Buffer.from(M.HEAPU8.subarray(piecePtr, piecePtr + n));
	});
	console.log(
		JSON.stringify({
			threads,
			poll,
			instantiateMs: Math.round(instantiateMs),
			promptTokens: nPrompt,
			promptMs: Math.round(t1 - t0),
			decodeTokensPerS: Number(((newTokens - 1) / ((t2 - t1) / 1000)).toFixed(1)),
			text: Buffer.concat(pieces).toString()
		})
	);
}

// The pool's workers keep Node alive, so exit explicitly.
main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	}
);
