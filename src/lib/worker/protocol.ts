import type { StoredWebLlmModel } from '#lib/engines/webllm/storage';
import type {
	CpuEngineId,
	LoadProgress,
	ModelInfo,
	ModelSource,
	WebLlmModel
} from '#lib/core/model';
import type {
	GenerateRequest,
	GenerationEvent,
	LaneEvent,
	LanesRequest,
	LanesResult
} from '#lib/generation/types';
import type { GenerationResult } from '#lib/core/run';
import type { PromptInput } from '#lib/core/prompt';
import type { PromptView } from '#lib/generation/prompt';
import type { ExploredStep } from '#lib/explore/explorer';
import type { NodeView } from '#lib/explore/tree';
import type { SamplingParams } from '#lib/sampling';

export interface WorkerEnvironment {
	/** SharedArrayBuffer available, so the CPU engine may use several threads. */
	crossOriginIsolated: boolean;
	hardwareConcurrency: number;
	/** `navigator.gpu` exists (an adapter may still be unavailable). */
	webgpu: boolean;
}

export interface WorkerLoadOptions {
	contextLength?: number;
	threads?: number;
	/** The engine for a GGUF file; our llama.cpp build when omitted. */
	cpuEngine?: CpuEngineId;
}

export interface WorkerConfig {
	/** Absolute URL of the folder wllama's wasm files are served from. */
	wasmBaseUrl: string;
	/** Absolute URL of our llama.cpp module's wasm. */
	engineWasmUrl: string;
}

/** What the inference worker exposes through comlink. Callbacks arrive as comlink proxies. */
export interface InferenceApi {
	/** Must be the first call. */
	configure(config: WorkerConfig): void;
	environment(): WorkerEnvironment;
	loadModel(
		source: ModelSource,
		options: WorkerLoadOptions,
		onProgress?: (progress: LoadProgress) => void
	): Promise<ModelInfo>;
	/** Aborts a download in progress (the load then rejects with an AbortError). */
	cancelLoad(): void;
	unloadModel(): Promise<void>;
	/** Text → ids; `addBos` prepends BOS when the model wants it, as a completion prompt does. */
	tokenize(text: string, options?: { special?: boolean; addBos?: boolean }): Promise<number[]>;
	/** Each token's own text, e.g. for a trace view. */
	tokenPieces(ids: number[]): Promise<string[]>;
	/**
	 * The prompt `input` gives as the model is fed it: the rendered chat template (or the
	 * completion text) cut at its special tokens, and its tokens marked special or not.
	 */
	renderPrompt(input: PromptInput): Promise<PromptView>;
	generate(
		request: GenerateRequest,
		onEvent?: (event: GenerationEvent) => void
	): Promise<GenerationResult>;
	/**
	 * Runs 1–16 lanes on the loaded model, one after another: the prompt is evaluated once and
	 * every exact lane continues from it. Each lane's events arrive wrapped with its id, then its
	 * outcome; a lane that is invalid or fails reports its error and the others go on.
	 */
	generateLanes(request: LanesRequest, onEvent?: (event: LaneEvent) => void): Promise<LanesResult>;
	/**
	 * Ends the running generation after the step in progress (finish reason `stopped`); for
	 * lanes, the lane in progress and every lane not started yet.
	 */
	stop(): void;
	/** Starts step mode: a new exploration tree for the prompt `input` gives. */
	exploreStart(input: PromptInput): Promise<NodeView[]>;
	/** The tree of the last exact single run (or step-mode session), root first. */
	exploreNodes(): NodeView[];
	/**
	 * One token after node `nodeId`, drawn with `params` (seed fixed) or, with `pick`, that token
	 * instead of the draw (a branch).
	 */
	exploreStep(nodeId: number, params: SamplingParams, pick?: number): Promise<ExploredStep>;
	/**
	 * Samples again from the prompt with `params`: steps the tree holds need no model call, then
	 * the model continues. `stop()` ends it.
	 */
	exploreResample(
		params: SamplingParams,
		maxSteps: number,
		onStep?: (step: ExploredStep) => void
	): Promise<ExploredStep[]>;
	/** Throws an uncaught error inside the worker, to test crash recovery. */
	simulateCrash(): void;
	/** Which of `models` WebLLM keeps in its IndexedDB cache, with their sizes. */
	storedWebLlmModels(models: WebLlmModel[]): Promise<StoredWebLlmModel[]>;
	deleteStoredWebLlmModel(model: WebLlmModel): Promise<void>;
}
