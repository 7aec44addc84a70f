import type { LlamaWasm } from './module';

/**
 * Our llama.cpp module as the engine adapter (`llama.ts`) sees it: exactly the calls it makes of
 * the module's class ({@link LlamaWasm}, `module.ts`), so unit tests run the adapter on a fake
 * (`testing/`) and the worker hands in real instances. Every call is synchronous: the module
 * runs in the worker's own thread. A failure the C API checks throws an error with its message
 * (a full context: `ContextFullError`); when the instance aborts (a wasm trap) the call throws
 * `EngineCrashedError` and `aborted` is true from then on.
 */
export type LlamaBinding = Pick<
	LlamaWasm,
	| 'aborted'
	| 'load'
	| 'meta'
	| 'tokenize'
	| 'tokenBytes'
	| 'endOfGenerationTokens'
	| 'isControl'
	| 'decode'
	| 'logits'
	| 'logitsSummary'
	| 'seqRemove'
	| 'seqCopy'
	| 'clear'
	| 'unload'
>;

export type { LlamaBatch, LlamaFacts, LlamaLoadOptions } from './module';

/** A new instance of the module (the worker's compiles the wasm once and instantiates it). */
export type LlamaBindingFactory = () => Promise<LlamaBinding>;
