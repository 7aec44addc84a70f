/**
 * The engine configurations the Chromium benches measure the app with, one entry per CPU
 * engine: adding an engine to the figures is adding an entry here. Read by engine.bench.ts and
 * sweep.bench.ts.
 */

export interface EngineConfig {
	/** Short column name in the tables. */
	name: string;
	/** Query options that select the engine (and its threads) in the app. */
	query: string;
	/**
	 * Matches the model status line when this engine runs the model; a build whose status line
	 * does not match (the option is not supported yet) is skipped and said so.
	 */
	backend: RegExp;
	/**
	 * The engine whose own sampler is measured beside exact mode (the reference for the
	 * exact ÷ native ratio); at most one entry sets it.
	 */
	nativeSampler?: 'wllama';
}

export const ENGINES: readonly EngineConfig[] = [
	{
		// Our llama.cpp build (issue 13): exact sampling over raw logits.
		name: 'llama',
		query: 'threads=1&cpuEngine=llama',
		backend: /our llama\.cpp build/
	},
	{
		// @wllama/wllama 2.4.0; before the `cpuEngine` option it is the only CPU engine.
		name: 'wllama',
		query: 'threads=1&cpuEngine=wllama',
		backend: /· (wllama|wasm) \(llama\.cpp /,
		nativeSampler: 'wllama'
	}
];
