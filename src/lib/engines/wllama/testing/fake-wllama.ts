import { CHATML_TEMPLATE } from '../../../../../tools/gguf/llama';
import type { WllamaContextInfo, WllamaLike, WllamaWasmPaths } from '../library';
import type { WllamaSamplingConfig } from '../native';
import { WllamaEngine } from '../wllama';
import type { ModelInfo } from '#lib/core/model';

/**
 * A stand-in for @wllama/wllama 2.4.0 with a tiny model: tokens 0–255 are single bytes, 256 is
 * BOS (`<s>`), 257 EOS (`</s>`), 258 end-of-turn (`<|im_end|>`) and 259 `<|im_start|>`; the
 * chat template is ChatML's. `probabilities(context)` plays the model; `getLogits(-1)`
 * returns them sorted by descending probability, as wllama does, leaving out tokens at 0.
 * `proxy.worker` stands for wllama's own worker, so tests can make it crash. Its own sampler
 * takes the most probable token at temperature 0 and otherwise draws from the probabilities
 * with a small generator restarted by every `samplingInit` from the seed given at load.
 */
export const FAKE_WLLAMA_VOCAB = 260;
export const WLLAMA_BOS = 256;
export const WLLAMA_EOS = 257;
export const WLLAMA_EOT = 258;

export { CHATML_TEMPLATE };

/** The control tokens' text, from id 256 on. */
const CONTROL = ['<s>', '</s>', '<|im_end|>', '<|im_start|>'];

export interface FakeWllamaScript {
	probabilities?: (context: readonly number[]) => Map<number, number>;
	/** Makes `loadModel` fail with this error. */
	loadError?: Error;
	/** Makes `decode` fail with this error (once). */
	decodeError?: Error;
	/** The model's chat template (default: ChatML's). */
	chatTemplate?: string | null;
	/** Calls that never settle (to test a crash of wllama's worker). */
	hang?: 'tokenize';
}

export class FakeWllama implements WllamaLike {
	readonly calls: string[] = [];
	readonly context: number[] = [];
	loadedWith: {
		blobs: Blob[];
		config: { n_ctx: number; n_threads: number; seed: number };
	} | null = null;
	/** The last `samplingInit`'s config and the sampler's history since. */
	sampling: { config: WllamaSamplingConfig; history: number[] } | null = null;
	#draws = 0;
	/** `document.baseURI` as wllama saw it while loading. */
	baseUriDuringLoad: string | undefined;
	readonly proxy = { worker: new EventTarget() };

	constructor(
		readonly paths: WllamaWasmPaths,
		readonly script: FakeWllamaScript = {}
	) {}

	async loadModel(
		blobs: Blob[],
		config: { n_ctx: number; n_threads: number; seed: number }
	): Promise<void> {
		this.calls.push('loadModel');
		this.baseUriDuringLoad = (globalThis as { document?: { baseURI?: string } }).document?.baseURI;
		if (this.script.loadError) throw this.script.loadError;
		this.loadedWith = { blobs, config };
	}

	getLoadedContextInfo(): WllamaContextInfo {
		return {
			n_vocab: FAKE_WLLAMA_VOCAB,
			n_ctx: this.loadedWith?.config.n_ctx ?? 0,
			n_ctx_train: 4096,
			metadata: { 'general.name': 'Fake GGUF' },
			token_bos: WLLAMA_BOS,
			token_eos: WLLAMA_EOS,
			token_eot: WLLAMA_EOT,
			list_tokens_eog: [WLLAMA_EOS, WLLAMA_EOT, -1],
			add_bos_token: true
		};
	}

	getChatTemplate(): string | null {
		return this.script.chatTemplate === undefined ? CHATML_TEMPLATE : this.script.chatTemplate;
	}

	getNumThreads(): number {
		return this.loadedWith?.config.n_threads ?? 1;
	}

	async tokenize(text: string, special: boolean): Promise<number[]> {
		this.calls.push(`tokenize ${special}`);
		if (this.script.hang === 'tokenize') return new Promise(() => {});
		const parts = special ? text.split(/(<s>|<\/s>|<\|im_end\|>|<\|im_start\|>)/) : [text];
		return parts.flatMap((part) =>
			special && CONTROL.includes(part)
				? [WLLAMA_BOS + CONTROL.indexOf(part)]
				: [...new TextEncoder().encode(part)]
		);
	}

	async detokenize(tokens: number[]): Promise<Uint8Array> {
		this.calls.push(`detokenize ${tokens.join(',')}`);
		const encoder = new TextEncoder();
		return new Uint8Array(
			tokens.flatMap((id) => (id < 256 ? [id] : [...encoder.encode(CONTROL[id - 256] ?? '')]))
		);
	}

	async decode(tokens: number[]): Promise<unknown> {
		this.calls.push(`decode ${tokens.length}`);
		const error = this.script.decodeError;
		if (error) {
			this.script.decodeError = undefined;
			throw error;
		}
		this.context.push(...tokens);
		return { nPast: this.context.length };
	}

	async getLogits(topK: number): Promise<{ token: number; p: number }[]> {
		this.calls.push(`getLogits ${topK}`);
		const probabilities =
			this.script.probabilities?.(this.context) ?? new Map([[97 + (this.context.length % 3), 1]]);
		return [...probabilities]
			.map(([token, p]) => ({ token, p }))
			.sort((a, b) => b.p - a.p)
			.filter(({ p }) => p > 0);
	}

	async samplingInit(config: WllamaSamplingConfig, pastTokens: number[]): Promise<void> {
		this.calls.push(`samplingInit ${pastTokens.length}`);
		this.sampling = { config, history: [...pastTokens] };
		this.#draws = this.loadedWith?.config.seed ?? 0;
	}

	async samplingSample(): Promise<{ token: number }> {
		this.calls.push('samplingSample');
		const config = this.sampling?.config;
		if (!config) throw new Error('samplingSample before samplingInit');
		const ranked = (await this.getLogits(-1)).filter((_, i) => i === 0 || config.temp > 0);
		this.#draws = (this.#draws * 1_103_515_245 + 12_345) % 2 ** 31;
		let u = this.#draws / 2 ** 31;
		for (const { token, p } of ranked) {
			u -= p / ranked.reduce((sum, r) => sum + r.p, 0);
			if (u <= 0) return { token };
		}
		return { token: ranked[ranked.length - 1].token };
	}

	async samplingAccept(tokens: number[]): Promise<void> {
		this.calls.push(`samplingAccept ${tokens.join(',')}`);
		this.sampling?.history.push(...tokens);
	}

	async kvRemove(nKeep: number, nDiscard: number): Promise<void> {
		this.calls.push(`kvRemove ${nKeep} ${nDiscard}`);
		this.context.length = nKeep;
	}

	async kvClear(): Promise<void> {
		this.calls.push('kvClear');
		this.context.length = 0;
	}

	async exit(): Promise<void> {
		this.calls.push('exit');
	}

	/** Makes wllama's own worker fail, as an out-of-memory crash does. */
	crash(message: string): void {
		const event = Object.assign(new Event('error'), { message });
		this.proxy.worker.dispatchEvent(event);
	}
}

/**
 * A {@link WllamaEngine} on a {@link FakeWllama} with `script`, loaded with `contextLength`
 * (no download, no hashing, no file check).
 */
export async function loadFakeWllamaEngine(
	script: FakeWllamaScript = {},
	contextLength = 256
): Promise<{ engine: WllamaEngine; model: ModelInfo; wllama: FakeWllama }> {
	let wllama: FakeWllama | null = null;
	const engine = new WllamaEngine({
		wasmBaseUrl: 'https://app.test/wllama',
		createWllama: (paths) => (wllama = new FakeWllama(paths, script)),
		libraryVersion: 'b1234',
		loadCachedModel: async () => ({
			blob: new Blob([new Uint8Array(8)]),
			sha256: 'cafe',
			storage: { status: 'cached', notice: null }
		}),
		sha256OfBlob: async () => 'beef',
		checkModelFile: async () => {}
	});
	const model = await engine.load(
		{ kind: 'url', url: 'https://models.test/tiny.gguf', name: 'Tiny', sha256: 'cafe' },
		{ contextLength }
	);
	if (!wllama) throw new Error('wllama was not created');
	return { engine, model, wllama };
}
