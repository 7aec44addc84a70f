import type { LoadProgress, ModelInfo, ModelSource, WebLlmModel } from '#lib/core/model';
import type { PromptInput } from '#lib/core/prompt';
import type { GenerationResult } from '#lib/core/run';
import type { StoredWebLlmModel } from '#lib/engines/webllm-storage';
import type { ExploredStep } from '#lib/explore/explorer';
import type { NodeView } from '#lib/explore/tree';
import type {
	GenerateRequest,
	GenerationEvent,
	LaneEvent,
	LanesRequest,
	LanesResult
} from '#lib/generation/types';
import type { SamplingParams } from '#lib/sampling';

/** The worker was replaced (it crashed); the model it held must be loaded again. */
export interface WorkerRestart {
	reason: string;
	lostModel: ModelInfo | null;
}

/**
 * The inference worker as the page's state classes use it. The worker's client implements it;
 * unit tests pass `testing/fake-client.ts`. State classes depend on this, never on the client.
 */
export interface PlaygroundClient {
	onStatus(listener: (event: WorkerRestart) => void): () => void;
	loadModel(
		source: ModelSource,
		options?: {
			contextLength?: number;
			threads?: number;
			onProgress?: (progress: LoadProgress) => void;
		}
	): Promise<ModelInfo>;
	cancelLoad(): Promise<void>;
	tokenize(text: string): Promise<number[]>;
	tokenPieces(ids: number[]): Promise<string[]>;
	generate(
		request: GenerateRequest,
		onEvent?: (event: GenerationEvent) => void
	): Promise<GenerationResult>;
	generateLanes(request: LanesRequest, onEvent?: (event: LaneEvent) => void): Promise<LanesResult>;
	exploreStart(input: PromptInput): Promise<NodeView[]>;
	exploreNodes(): Promise<NodeView[]>;
	exploreStep(nodeId: number, params: SamplingParams, pick?: number): Promise<ExploredStep>;
	exploreResample(params: SamplingParams, maxSteps: number): Promise<ExploredStep[]>;
	/** Ends the running generation after the current token (for lanes: every lane). */
	stop(): Promise<void>;
	storedWebLlmModels(models: WebLlmModel[]): Promise<StoredWebLlmModel[]>;
	deleteStoredWebLlmModel(model: WebLlmModel): Promise<void>;
	dispose(): void;
}
