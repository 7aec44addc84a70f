/** The parts of `@mlc-ai/web-tokenizers`' Tokenizer the engine uses. */
export interface TokenizerLike {
	encode(text: string): Int32Array;
	decode(ids: Int32Array): string;
	getVocabSize(): number;
	idToToken(id: number): string;
	dispose(): void;
}

interface TokenizerClass {
	fromJSON(json: ArrayBuffer): Promise<TokenizerLike>;
}

/**
 * Loads the model's own tokenizer from its `tokenizer.json`, importing the library (4.7 MB of
 * wasm in base64) only when a WebLLM model is loaded.
 *
 * `@mlc-ai/web-tokenizers` 0.1.6 ships a UMD bundle in a `"type": "module"` package. Depending
 * on how the bundler reads it, the class arrives as a named export, on the default export, or
 * (when the file runs as a plain ES module) on `globalThis.tokenizers`.
 */
export async function loadTokenizerFromJson(json: ArrayBuffer): Promise<TokenizerLike> {
	const module: Record<string, unknown> = await import('@mlc-ai/web-tokenizers');
	const candidates = [
		module.Tokenizer,
		(module.default as { Tokenizer?: unknown } | undefined)?.Tokenizer,
		(globalThis as { tokenizers?: { Tokenizer?: unknown } }).tokenizers?.Tokenizer
	];
	const Tokenizer = candidates.find(
		(candidate): candidate is TokenizerClass =>
			typeof (candidate as TokenizerClass | undefined)?.fromJSON === 'function'
	);
	if (!Tokenizer) throw new Error('@mlc-ai/web-tokenizers did not provide a Tokenizer');
	return Tokenizer.fromJSON(json);
}
