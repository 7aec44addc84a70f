import type {
	CpuEngineId,
	LoadProgress,
	ModelInfo,
	ModelSource,
	WebLlmModel
} from '#lib/core/model';
import { chatMessages, type PromptInput } from '#lib/core/prompt';
import type { PromptView } from '#lib/generation/prompt';
import type { FinishReason, GenerationResult } from '#lib/core/run';
import type { StoredWebLlmModel } from '#lib/engines/webllm/storage';
import type { ExploredStep } from '#lib/explore/explorer';
import type { NodeView } from '#lib/explore/tree';
import type {
	GenerateRequest,
	GenerationEvent,
	LaneEvent,
	LanesRequest,
	LanesResult
} from '#lib/generation/types';
import type { SamplingParams, StepTrace } from '#lib/sampling';
import { WorkerCrashedError } from '#lib/worker/client';
import type { PlaygroundClient, WorkerRestart } from '../client';

/** A model as the fake worker reports it. */
export function fakeModel(overrides: Partial<ModelInfo> = {}): ModelInfo {
	return {
		name: 'Fake model',
		vocabSize: 100,
		contextLength: 2048,
		trainedContextLength: 2048,
		bosId: 1,
		eosId: 2,
		stopIds: [2],
		addBos: true,
		chatTemplate: null,
		sha256: 'a'.repeat(64),
		sizeBytes: 1000,
		storage: null,
		distribution: 'logits',
		backend: 'fake, 1 thread',
		...overrides
	};
}

/** A token's text in the fake vocabulary. */
export const fakePiece = (id: number): string => `<${id}>`;

/** A finished run's result over `tokenIds`. */
export function fakeResult(tokenIds: number[], seed: number): GenerationResult {
	return {
		text: tokenIds.map(fakePiece).join(''),
		tokenIds,
		finishReason: 'max-tokens',
		stopSequence: null,
		seed,
		stats: {
			promptTokens: 3,
			generatedTokens: tokenIds.length,
			timeToFirstTokenMs: 1,
			prefillMs: 1,
			decodeMs: 200,
			totalMs: 5,
			meanEntropy: 1,
			perplexity: 2
		}
	};
}

function node(id: number, parent: number | null, tokenId: number | null, depth: number): NodeView {
	return {
		id,
		parent,
		tokenId,
		depth,
		children: [],
		trace: null,
		pickedBy: parent === null ? null : 'sampler',
		isStop: false,
		stored: true
	};
}

interface Pending<T> {
	resolve: (value: T) => void;
	reject: (error: unknown) => void;
}

/**
 * A worker that answers at once from a script, for state-class tests. Every run generates
 * {@link tokens} (the seed is the request's, or 7); loads report two progress steps. Set
 * {@link holdLoads} to keep loads pending until {@link finishLoad} or `cancelLoad`; as in the
 * worker, a load started while one is pending cancels it. {@link crash} makes it crash mid-call.
 */
export class FakeClient implements PlaygroundClient {
	/** Token ids every generation produces, in order. */
	tokens = [10, 11, 12];
	/**
	 * When set, a generation's tokens come from this instead of {@link tokens} (e.g. a stream that
	 * depends on the seed, as the real sampler's does).
	 */
	tokensOf: ((seed: number, count: number) => number[]) | null = null;
	/** How generations end (`max-tokens` unless set). */
	finishReason: FinishReason = 'max-tokens';
	model: ModelInfo = fakeModel();
	holdLoads = false;
	/** When set, the next load fails with this error. */
	loadError: unknown = null;
	/** When set, generations wait for {@link finishGeneration} after their first token. */
	holdGenerations = false;
	/** When set, lanes wait for {@link finishGeneration} after the first lane's first token. */
	holdLanes = false;
	stops = 0;
	readonly loads: { source: ModelSource; contextLength?: number }[] = [];
	/** The CPU engine each load asked for. */
	readonly loadEngines: (CpuEngineId | undefined)[] = [];
	readonly generations: GenerateRequest[] = [];
	readonly laneRequests: LanesRequest[] = [];
	readonly resamples: SamplingParams[] = [];
	readonly stored: StoredWebLlmModel[] = [];
	readonly deleted: string[] = [];
	/** The explore tree: root 0 and one node per token of the last run. */
	nodes: NodeView[] = [];
	/** The trace every explore step carries (the sampler's draw is token 50); none when null. */
	stepTrace: StepTrace | null = null;

	#listeners: ((event: WorkerRestart) => void)[] = [];
	#pendingLoad: (Pending<ModelInfo> & { onProgress?: (p: LoadProgress) => void }) | null = null;
	#pendingGeneration: Pending<void> | null = null;

	onStatus(listener: (event: WorkerRestart) => void): () => void {
		this.#listeners.push(listener);
		return () => (this.#listeners = this.#listeners.filter((l) => l !== listener));
	}

	/** Makes the fake worker "crash and restart", as the real client reports it. */
	restart(reason: string, lostModel: ModelInfo | null): void {
		for (const listener of this.#listeners) listener({ reason, lostModel });
	}

	/**
	 * Makes the worker crash while a generation or lanes are held: as the real client does, it
	 * fails the pending call and reports the restart (the model is lost) before the call's
	 * caller hears of the failure.
	 */
	crash(reason: string): void {
		this.failGeneration(new WorkerCrashedError(reason));
		this.restart(reason, this.model);
	}

	async loadModel(
		source: ModelSource,
		options: {
			contextLength?: number;
			threads?: number;
			cpuEngine?: CpuEngineId;
			onProgress?: (progress: LoadProgress) => void;
		} = {}
	): Promise<ModelInfo> {
		this.loads.push({ source, contextLength: options.contextLength });
		this.loadEngines.push(options.cpuEngine);
		this.#cancelPendingLoad();
		options.onProgress?.({ phase: 'download', loadedBytes: 1, totalBytes: 4 });
		if (this.loadError) {
			const error = this.loadError;
			this.loadError = null;
			throw error;
		}
		if (this.holdLoads) {
			return new Promise<ModelInfo>((resolve, reject) => {
				this.#pendingLoad = { resolve, reject, onProgress: options.onProgress };
			});
		}
		options.onProgress?.({ phase: 'download', loadedBytes: 4, totalBytes: 4 });
		return { ...this.model, contextLength: options.contextLength ?? this.model.contextLength };
	}

	/** Ends a held load: reports the rest of the download, then the model. */
	finishLoad(): void {
		const pending = this.#pendingLoad;
		this.#pendingLoad = null;
		pending?.onProgress?.({ phase: 'download', loadedBytes: 4, totalBytes: 4 });
		pending?.resolve({ ...this.model });
	}

	/** Reports download progress of a held load. */
	progressLoad(progress: LoadProgress): void {
		this.#pendingLoad?.onProgress?.(progress);
	}

	async cancelLoad(): Promise<void> {
		this.#cancelPendingLoad();
	}

	#cancelPendingLoad(): void {
		const pending = this.#pendingLoad;
		this.#pendingLoad = null;
		pending?.reject(Object.assign(new Error('Loading was cancelled'), { name: 'AbortError' }));
	}

	async tokenize(text: string): Promise<number[]> {
		return [...text].map((char) => char.charCodeAt(0) % 100);
	}

	async tokenPieces(ids: number[]): Promise<string[]> {
		return ids.map(fakePiece);
	}

	/** The prompt's text as one piece (a chat as `[role]content`), its characters as tokens. */
	async renderPrompt(input: PromptInput): Promise<PromptView> {
		const text =
			input.mode === 'completion'
				? input.prompt
				: chatMessages(input)
						.map((m) => `[${m.role}]${m.content}`)
						.join('');
		const ids = await this.tokenize(text);
		return {
			pieces: [{ special: false, text }],
			tokens: ids.map((id) => ({ id, piece: fakePiece(id), special: false }))
		};
	}

	async generate(
		request: GenerateRequest,
		onEvent?: (event: GenerationEvent) => void
	): Promise<GenerationResult> {
		this.generations.push(request);
		const seed = request.params.seed ?? 7;
		onEvent?.({ type: 'start', seed, promptTokens: [1, 3, 4] });
		const tokens =
			this.tokensOf?.(seed, request.maxNewTokens) ?? this.tokens.slice(0, request.maxNewTokens);
		for (const [index, tokenId] of tokens.entries()) {
			onEvent?.({
				type: 'token',
				index,
				tokenId,
				piece: fakePiece(tokenId),
				text: fakePiece(tokenId),
				isStop: false
			});
			if (index === 0 && this.holdGenerations) {
				await new Promise<void>((resolve, reject) => {
					this.#pendingGeneration = { resolve, reject };
				});
			}
		}
		this.nodes = [node(0, null, null, 0)];
		for (const [i, tokenId] of tokens.entries()) {
			this.nodes.push(node(i + 1, i, tokenId, i + 1));
			this.nodes[i].children = [i + 1];
		}
		return { ...fakeResult(tokens, seed), finishReason: this.finishReason };
	}

	/** Lets a held generation go on. */
	finishGeneration(): void {
		this.#pendingGeneration?.resolve();
		this.#pendingGeneration = null;
	}

	/** Makes a held generation fail with `error`. */
	failGeneration(error: unknown): void {
		this.#pendingGeneration?.reject(error);
		this.#pendingGeneration = null;
	}

	async generateLanes(
		request: LanesRequest,
		onEvent?: (event: LaneEvent) => void
	): Promise<LanesResult> {
		this.laneRequests.push(request);
		onEvent?.({ type: 'prefill', promptTokens: [1, 3, 4], prefillMs: 2 });
		const lanes: LanesResult['lanes'] = [];
		for (const lane of request.lanes) {
			const seed = lane.params.seed ?? 7;
			// Each lane's tokens depend on its seed, so lanes differ as they would.
			const tokens = this.tokens.slice(0, request.maxNewTokens).map((t) => t + seed);
			onEvent?.({
				type: 'lane',
				laneId: lane.id,
				event: { type: 'start', seed, promptTokens: [] }
			});
			for (const [index, tokenId] of tokens.entries()) {
				const piece = fakePiece(tokenId);
				onEvent?.({
					type: 'lane',
					laneId: lane.id,
					event: { type: 'token', index, tokenId, piece, text: piece, isStop: false }
				});
				if (index === 0 && lanes.length === 0 && this.holdLanes) {
					await new Promise<void>((resolve, reject) => {
						this.#pendingGeneration = { resolve, reject };
					});
				}
			}
			const outcome = { ok: true as const, result: fakeResult(tokens, seed) };
			onEvent?.({ type: 'lane-end', laneId: lane.id, outcome });
			lanes.push({ laneId: lane.id, outcome });
		}
		return {
			promptTokens: [1, 3, 4],
			prefillMs: 2,
			promptEvaluations: 1,
			decodedTogether: false,
			sequentialReason: null,
			lanes
		};
	}

	async exploreStart(): Promise<NodeView[]> {
		this.nodes = [node(0, null, null, 0)];
		return this.nodes;
	}

	async exploreNodes(): Promise<NodeView[]> {
		return this.nodes.map((n) => ({ ...n, children: [...n.children] }));
	}

	async exploreStep(nodeId: number, _params: SamplingParams, pick?: number): Promise<ExploredStep> {
		const parent = this.nodes[nodeId];
		const added = node(this.nodes.length, nodeId, pick ?? 50, parent.depth + 1);
		added.trace = this.stepTrace;
		if (pick !== undefined) added.pickedBy = 'user';
		this.nodes = [...this.nodes, added];
		parent.children = [...parent.children, added.id];
		return { node: added, source: 'model' };
	}

	async exploreResample(params: SamplingParams, maxSteps: number): Promise<ExploredStep[]> {
		this.resamples.push(params);
		const steps: ExploredStep[] = [];
		let parent = 0;
		for (let i = 0; i < Math.min(maxSteps, 2); i++) {
			const step = await this.exploreStep(parent, params, 60 + i);
			step.node.pickedBy = 'sampler';
			steps.push({ node: step.node, source: i === 0 ? 'stored' : 'model' });
			parent = step.node.id;
		}
		return steps;
	}

	async stop(): Promise<void> {
		this.stops++;
		this.finishGeneration();
	}

	async storedWebLlmModels(): Promise<StoredWebLlmModel[]> {
		return [...this.stored];
	}

	async deleteStoredWebLlmModel(model: WebLlmModel): Promise<void> {
		this.deleted.push(model.id);
		const at = this.stored.findIndex((s) => s.id === model.id);
		if (at >= 0) this.stored.splice(at, 1);
	}

	dispose(): void {}
}
