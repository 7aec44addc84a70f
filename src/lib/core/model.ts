import type { DistributionKind } from '#lib/sampling';

/**
 * The models every layer speaks of: which engine runs them, where their weights come from, what
 * loading reports, and what a loaded model is. Engines produce these; the page shows them.
 */

/**
 * `llama`: our llama.cpp build in wasm, the CPU engine for GGUF files by default. `wllama`: the
 * second CPU engine for GGUF files (llama.cpp through @wllama/wllama). `webllm`: WebGPU.
 */
export type EngineId = 'llama' | 'wllama' | 'webllm';

/** The engines that run GGUF files on the CPU. */
export type CpuEngineId = Exclude<EngineId, 'webllm'>;

/** Where a model's weights come from. `url` and `blob` are GGUF files for the CPU engine. */
export type ModelSource =
	| {
			kind: 'url';
			url: string;
			name?: string;
			/** Hex sha256 the file must have, when known (a download that differs is refused). */
			sha256?: string;
	  }
	| { kind: 'blob'; blob: Blob; name: string }
	| { kind: 'webllm'; model: WebLlmModel };

/** A model compiled for WebLLM (MLC): weights folder plus the compiled model library. */
export interface WebLlmModel {
	/** WebLLM's model id, e.g. `SmolLM2-360M-Instruct-q4f32_1-MLC`. */
	id: string;
	name: string;
	/** Absolute URL of the weights (a Hugging Face repository or a folder with the same files). */
	modelUrl: string;
	/** URL of the compiled model library (.wasm). */
	modelLibUrl: string;
	/** WebGPU features the model needs, e.g. `shader-f16` for q*f16 quantizations. */
	requiredFeatures: string[];
	/** GPU memory needed, in MB, when known. */
	vramRequiredMB: number | null;
	contextWindow?: number;
}

export interface LoadProgress {
	/**
	 * What is happening now, shown beside the progress bar: downloading, reading the browser's
	 * stored copy, checking a file's sha256, storing a download, starting the engine.
	 */
	phase: 'download' | 'read' | 'verify' | 'store' | 'initialize';
	loadedBytes: number;
	/** 0 when the total is not known yet. */
	totalBytes: number;
	/** Progress of the phase in [0, 1], for phases not counted in bytes (e.g. shader compiling). */
	fraction?: number;
	/** The engine's own words for what it is doing, when it says. */
	detail?: string;
}

export interface ModelInfo {
	name: string;
	vocabSize: number;
	/** Context window the model was loaded with. */
	contextLength: number;
	/** The context window the model was trained with, when the file says. */
	trainedContextLength: number | null;
	bosId: number | null;
	eosId: number | null;
	/** Tokens that end generation (EOS, end-of-turn…). */
	stopIds: number[];
	/** Whether a BOS token is prepended to a completion prompt. */
	addBos: boolean;
	/** The model's chat template (Jinja source), when it has one. */
	chatTemplate: string | null;
	/**
	 * The vocabulary's special (control) tokens, for marking them in token views; absent when
	 * the engine does not say.
	 */
	specialIds?: number[];
	/** sha256 of the model file in hex, when known. */
	sha256: string | null;
	/** Size of the weights in bytes, when known. */
	sizeBytes: number | null;
	/**
	 * Where a downloaded GGUF file came from this time, or null when the app does not store the
	 * model itself (a file opened from disk; WebLLM keeps its own cache).
	 */
	storage: ModelFileStorage | null;
	distribution: DistributionKind;
	/** How the engine runs this model, for display (e.g. "wasm, 1 thread"). */
	backend: string;
}

/** How a downloaded model file was obtained, and what the page should be told about it. */
export interface ModelFileStorage {
	/**
	 * `cached`: read from the browser's storage, no download. `downloaded`: fetched and stored.
	 * `redownloaded`: the stored copy was damaged, so it was fetched and stored again.
	 * `not-stored`: fetched, but it could not be stored (e.g. the disk is full).
	 */
	status: 'cached' | 'downloaded' | 'redownloaded' | 'not-stored';
	/** A sentence for the page when something went wrong (damaged copy, full disk). */
	notice: string | null;
}
