import type { LlamaBindingFactory } from './binding';
import { LlamaWasm } from './module';

/**
 * Instances of our llama.cpp module for the inference worker: the wasm at `wasmUrl` is fetched
 * and compiled once, on the first load, and every load gets a new instance of it. A failed
 * fetch or compile is tried again at the next load.
 */
export function llamaInstances(
	wasmUrl: string,
	fetchWasm: (url: string) => Promise<Response> = (url) => fetch(url)
): LlamaBindingFactory {
	let compiled: Promise<WebAssembly.Module> | null = null;
	const compile = async (): Promise<WebAssembly.Module> => {
		const response = await fetchWasm(wasmUrl);
		if (!response.ok) {
			throw new Error(
				`The llama.cpp engine could not be fetched (HTTP ${response.status} for ${wasmUrl})`
			);
		}
		return WebAssembly.compile(await response.arrayBuffer());
	};
	return async () => {
		compiled ??= compile();
		try {
			return await LlamaWasm.instantiate(await compiled);
		} catch (error) {
			compiled = null;
			throw error;
		}
	};
}
