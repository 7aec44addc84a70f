/** Errors every engine adapter may throw; their names are stable so the page can match them. */

export class EngineCrashedError extends Error {
	override name = 'EngineCrashedError';
}

export class ContextFullError extends Error {
	override name = 'ContextFullError';
}

export class ModelNotLoadedError extends Error {
	override name = 'ModelNotLoadedError';
	constructor() {
		super('No model is loaded');
	}
}

/** A model source this engine cannot load (e.g. a WebLLM model given to the CPU engine). */
export class UnsupportedSourceError extends Error {
	override name = 'UnsupportedSourceError';
}
