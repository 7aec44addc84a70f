/**
 * Functions the engine benches run inside the app's page (serialized by page.evaluate, so each
 * is self-contained): a run through the app's worker client in exact mode, and the same run on
 * wllama's own sampler. Called by engine.bench.ts.
 */

export interface RunArgs {
	prompt: string;
	tokens: number;
	seed: number;
	trace: boolean;
	/** `native`: the engine's own sampler through the app (engines without one refuse it). */
	sampling?: 'exact' | 'native';
}

export interface RunFigures {
	/** Decode speed as the app defines it (core/run-figures.ts): tokens after the first per second. */
	tokensPerSecond: number;
	tokens: number;
	text: string;
}

/**
 * One run through the app's worker client (the app's default sampler chain, the model's
 * end-of-generation ids banned as the page's "ban end of text" does), in exact mode unless
 * `sampling` says otherwise.
 */
export async function exactRunInPage(args: RunArgs): Promise<RunFigures> {
	type Client = {
		model: { stopIds: number[] } | null;
		generate: (request: unknown) => Promise<{
			text: string;
			tokenIds: number[];
			stats: { generatedTokens: number; decodeMs?: number | null };
		}>;
	};
	const hooks = (window as unknown as { __playground: { client: Client; defaults: object } })
		.__playground;
	const stopIds = hooks.client.model?.stopIds ?? [];
	const result = await hooks.client.generate({
		input: { mode: 'completion', prompt: args.prompt },
		params: {
			...hooks.defaults,
			seed: args.seed,
			logitBias: Object.fromEntries(stopIds.map((id) => [id, -100]))
		},
		maxNewTokens: args.tokens,
		trace: args.trace ? { topN: 20 } : null,
		sampling: args.sampling ?? 'exact'
	});
	return {
		tokensPerSecond: result.stats.decodeMs
			? (result.stats.generatedTokens - 1) / (result.stats.decodeMs / 1000)
			: 0,
		tokens: result.tokenIds.length,
		text: result.text
	};
}

export interface NativeOpenArgs {
	/** URL of wllama's ES module on the page's origin. */
	moduleUrl: string;
	/** URL of the model file. */
	modelUrl: string;
	seed: number;
}

/**
 * wllama's own sampler (llama.cpp's common sampler) on the same model, called from the page
 * directly, for when the app has no native mode on this engine: one thread, the single-thread
 * wasm the app uses. Opens the model in a wllama instance of the page's own, kept until
 * {@link nativeCloseInPage}.
 */
export async function nativeOpenInPage(args: NativeOpenArgs): Promise<void> {
	type Wllama = { loadModel(blobs: Blob[], config: object): Promise<void> };
	const { Wllama } = (await import(args.moduleUrl)) as {
		Wllama: new (paths: object, options: object) => Wllama;
	};
	const wasm = new URL('/wllama/single-thread/wllama.wasm', location.href).href;
	const silent = { debug: () => {}, log: () => {}, warn: () => {}, error: console.error };
	const wllama = new Wllama(
		{ 'single-thread/wllama.wasm': wasm },
		{ suppressNativeLog: true, logger: silent }
	);
	const blob = await (await fetch(args.modelUrl)).blob();
	await wllama.loadModel([blob], { n_ctx: 2048, n_threads: 1, seed: args.seed });
	(window as unknown as { __benchWllama: unknown }).__benchWllama = wllama;
}

/**
 * One run on the page's wllama: the prompt decoded afresh, then llama.cpp's sampler with the
 * app's default chain (end-of-generation ids banned) samples, accepts and decodes one token at
 * a time, as wllama's own completion loop does. Tokens/s counts from the end of the prompt, as
 * the app's statistics do.
 */
export async function nativeRunInPage(args: { prompt: string; tokens: number }): Promise<number> {
	type Wllama = {
		getLoadedContextInfo(): { token_bos: number; list_tokens_eog: number[]; token_eos: number };
		tokenize(text: string, special: boolean): Promise<number[]>;
		decode(tokens: number[], options: object): Promise<unknown>;
		samplingInit(config: object, pastTokens?: number[]): Promise<void>;
		samplingSample(): Promise<{ token: number }>;
		samplingAccept(tokens: number[]): Promise<void>;
		kvClear(): Promise<void>;
	};
	type Defaults = {
		temperature: number;
		topK: number;
		topP: number;
		minP: number;
		repeatPenalty: number;
		repeatLastN: number;
	};
	const scope = window as unknown as {
		__benchWllama: Wllama;
		__playground: { defaults: Defaults };
	};
	const wllama = scope.__benchWllama;
	const defaults = scope.__playground.defaults;
	const info = wllama.getLoadedContextInfo();
	const banned = [...new Set([info.token_eos, ...info.list_tokens_eog])].filter((id) => id >= 0);
	const prompt = [info.token_bos, ...(await wllama.tokenize(args.prompt, true))];
	await wllama.kvClear();
	await wllama.decode(prompt, {});
	await wllama.samplingInit(
		{
			temp: defaults.temperature,
			top_k: defaults.topK,
			top_p: defaults.topP,
			min_p: defaults.minP,
			penalty_repeat: defaults.repeatPenalty,
			penalty_last_n: defaults.repeatLastN,
			logit_bias: banned.map((token) => ({ token, bias: -100 }))
		},
		prompt
	);
	// Timed as the app times its decode phase: from the first token to the last.
	let first = 0;
	let last = 0;
	for (let i = 0; i < args.tokens; i++) {
		const { token } = await wllama.samplingSample();
		last = performance.now();
		if (i === 0) first = last;
		await wllama.samplingAccept([token]);
		if (i < args.tokens - 1) await wllama.decode([token], {});
	}
	return (args.tokens - 1) / ((last - first) / 1000);
}

export async function nativeCloseInPage(): Promise<void> {
	const scope = window as unknown as { __benchWllama?: { exit(): Promise<void> } };
	await scope.__benchWllama?.exit();
	delete scope.__benchWllama;
}
