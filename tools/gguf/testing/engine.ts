/**
 * Our engine (the committed wasm module) with a real-tokenizer test model loaded, made once per
 * tokenizer and process. Called by the tokenizer tests of tools/gguf.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LlamaWasm } from '../../../src/lib/engines/llama/module';
import { makeModel } from '../make-model';
import { ARCHITECTURE_OF, TINY_MODEL } from '../reference-tokenizer';
import type { RealTokenizerName } from '../tokenizer';

const root = path.resolve(import.meta.dirname, '../../..');
let compiled: Promise<WebAssembly.Module> | null = null;
const engines = new Map<RealTokenizerName, Promise<LlamaWasm>>();

/** The tiny model with `name`'s tokenizer and architecture (generated once into the cache) loaded in our engine. */
export function engineWith(name: RealTokenizerName): Promise<LlamaWasm> {
	compiled ??= readFile(path.join(root, 'static/engine/playground-llama.wasm')).then((bytes) =>
		WebAssembly.compile(bytes)
	);
	let engine = engines.get(name);
	if (!engine) {
		engine = (async () => {
			const made = await makeModel({ tokenizer: name, arch: ARCHITECTURE_OF[name], ...TINY_MODEL });
			const llama = await LlamaWasm.instantiate(await (compiled as Promise<WebAssembly.Module>));
			llama.load(new Uint8Array(await readFile(made.path)), { nCtx: 64 });
			return llama;
		})();
		engines.set(name, engine);
	}
	return engine;
}
