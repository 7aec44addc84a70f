/**
 * Copies wllama's WebAssembly builds into static/wllama/ so the app serves them from its own
 * origin (never a CDN). Runs before dev, build and preview (npm pre-scripts).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const from = path.join(root, 'node_modules', '@wllama', 'wllama', 'esm');
const to = path.join(root, 'static', 'wllama');

for (const build of ['single-thread', 'multi-thread']) {
	const target = path.join(to, build, 'wllama.wasm');
	const wanted = await readFile(path.join(from, build, 'wllama.wasm'));
	const present = await readFile(target).catch(() => null);
	if (present?.equals(wanted)) continue;
	await mkdir(path.dirname(target), { recursive: true });
	await writeFile(target, wanted);
	console.log(`prepare-wasm: wrote ${path.relative(root, target)}`);
}
