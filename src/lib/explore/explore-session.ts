import { sharedPrefixLength } from '#lib/compare/outputs';
import type { Engine } from '#lib/engines/types';
import type { ModelInfo } from '#lib/core/model';
import type { DecodedStep } from '#lib/generation/decode';
import type { SamplingBackend } from '#lib/generation/types';
import { DEFAULT_TRACE_TOP_N, type SamplingParams } from '#lib/sampling';
import { Explorer, ExploreError, type ExploredStep } from './explorer';
import { ExplorationTree, type NodeView } from './tree';

/**
 * Step mode and what-ifs on the loaded model, inside the worker: one exploration tree per prompt
 * (the last single run's, or one started for step mode), and the engine's context kept in step
 * with it so a model call only evaluates the tokens the context lacks.
 */
export class ExploreSession {
	#explorer: Explorer | null = null;
	/** The tokens in the engine's context, when known. */
	#context: number[] | null = null;
	/**
	 * The previous tree's distribution arrays, refilled by the next tree's steps: at 151,936
	 * tokens a fresh 600 KB array per token cost more than copying into it.
	 */
	#spare: Float32Array[] = [];

	constructor(
		private readonly engine: Engine,
		private readonly model: ModelInfo,
		private readonly sampling: SamplingBackend
	) {}

	/** Follows a single run step by step, so its distributions feed later what-ifs. */
	recordRun(): { onStep: (step: DecodedStep) => void; finish: () => void } {
		let node = -1;
		let tree: ExplorationTree | null = null;
		return {
			onStep: ({ history, distribution, tokenId, sampler }) => {
				if (!tree) {
					tree = this.#start(history);
					node = tree.root.id;
				}
				tree.storeDistribution(node, this.#copy(distribution));
				node = tree.addChild(node, tokenId, {
					trace: sampler.lastTrace,
					pickedBy: 'sampler',
					checkpoint: sampler.checkpoint(),
					isStop: this.model.stopIds.includes(tokenId)
				}).id;
			},
			finish: () => {
				// Decoding feeds the tokens in order: the context holds a prefix of the run's path.
				this.#context = tree ? tree.history(node).slice(0, this.engine.contextUsed) : null;
			}
		};
	}

	/** The engine's context was changed by someone else (lanes, a failed run). */
	forgetContext(): void {
		this.#context = null;
	}

	/** A new, empty tree for `prompt` (token ids, BOS included), for step mode. */
	start(prompt: readonly number[]): NodeView[] {
		this.#requireRollback();
		return this.#start(prompt).views();
	}

	nodes(): NodeView[] {
		return this.#explorer?.tree.views() ?? [];
	}

	step(nodeId: number, params: SamplingParams, pick?: number): Promise<ExploredStep> {
		return this.#require().step(nodeId, params, pick);
	}

	resample(
		params: SamplingParams,
		maxSteps: number,
		onStep: (step: ExploredStep) => void,
		shouldStop: () => boolean
	): Promise<ExploredStep[]> {
		return this.#require().resample(params, maxSteps, onStep, shouldStop);
	}

	#start(prompt: readonly number[]): ExplorationTree {
		// The old tree is dropped here, and nothing else holds its distributions.
		if (this.#explorer) this.#spare = this.#explorer.tree.takeDistributions();
		const tree = new ExplorationTree(prompt);
		this.#explorer = new Explorer(tree, {
			createSampler: this.sampling.createSampler,
			vocabSize: this.model.vocabSize,
			distribution: this.model.distribution,
			stopIds: this.model.stopIds,
			traceTopN: DEFAULT_TRACE_TOP_N,
			evaluate: (history) => this.#evaluate(history)
		});
		return tree;
	}

	/** The model's next-token distribution after `history`, evaluating only what the context lacks. */
	async #evaluate(history: readonly number[]): Promise<Float32Array> {
		if (history.length >= this.model.contextLength) {
			throw new ExploreError(
				`The context window (${this.model.contextLength} tokens) is full at this step`
			);
		}
		const known = this.#context;
		// At least the last token must go through the model to get the distribution after it.
		const keep = known ? Math.min(sharedPrefixLength([known, history]), history.length - 1) : 0;
		// Unknown until the evaluation succeeds.
		this.#context = null;
		if (keep < this.engine.contextUsed) await this.engine.rollback(keep);
		const distribution = await this.engine.evaluate(history.slice(keep));
		this.#context = [...history];
		return this.#copy(distribution);
	}

	/** A copy of `distribution` the tree may keep, in a spare array when one is left. */
	#copy(distribution: Float32Array): Float32Array {
		const spare = this.#spare.pop();
		if (spare?.length !== distribution.length) return distribution.slice();
		spare.set(distribution);
		return spare;
	}

	#require(): Explorer {
		this.#requireRollback();
		if (!this.#explorer) throw new ExploreError('Run the model or start step mode first');
		return this.#explorer;
	}

	#requireRollback(): void {
		if (this.engine.rollbackReplays) {
			throw new ExploreError(
				'Step mode and what-ifs need an engine that can rewind its context (the CPU engine)'
			);
		}
	}
}
