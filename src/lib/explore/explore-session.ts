import { hasSequences, type Engine } from '#lib/engines/types';
import type { ModelInfo } from '#lib/core/model';
import type { DecodedStep } from '#lib/generation/decode';
import type { SamplingBackend } from '#lib/generation/types';
import { DEFAULT_TRACE_TOP_N, type SamplingParams } from '#lib/sampling';
import { BranchSequences } from './branch-sequences';
import { Explorer, ExploreError, type ExploredStep } from './explorer';
import { ExplorationTree, type NodeView } from './tree';
import { tokenTextsFor } from '#lib/generation/token-texts';

/**
 * Step mode and what-ifs on the loaded model, inside the worker: one exploration tree per prompt
 * (the last single run's, or one started for step mode), and the engine's contexts kept in step
 * with it so a model call only evaluates the tokens a context lacks. On an engine with sequences
 * each branch keeps one of its own (branch-sequences.ts): switching back to a branch evaluates
 * nothing again, and a what-if leaves the run's sequence (0, where runs decode) intact.
 */

/** The engine's contexts as explore uses them: sequence 0 alone on an engine without sequences. */
interface Contexts {
	count: number;
	length(seq: number): number;
	copy(src: number, dst: number): Promise<void>;
	rollback(seq: number, length: number): Promise<void>;
	evaluate(seq: number, ids: readonly number[]): Promise<Float32Array>;
}

function contextsOf(engine: Engine): Contexts {
	if (hasSequences(engine)) {
		return {
			count: engine.maxSequences + 1,
			length: (seq) => engine.sequenceLength(seq),
			copy: (src, dst) => engine.copySequence(src, dst),
			rollback: (seq, length) => engine.rollbackSequence(seq, length),
			evaluate: (seq, ids) => engine.evaluateSequence(seq, ids)
		};
	}
	return {
		count: 1,
		length: () => engine.contextUsed,
		copy: () => Promise.reject(new Error('This engine holds one context')),
		rollback: (_seq, length) => engine.rollback(length),
		evaluate: (_seq, ids) => engine.evaluate(ids)
	};
}

export class ExploreSession {
	#explorer: Explorer | null = null;
	readonly #contexts: Contexts;
	/** The tokens each sequence holds, when known; sequence 0 is the one runs decode on. */
	readonly #sequences: BranchSequences;
	/**
	 * The previous tree's distribution arrays, refilled by the next tree's steps: at 151,936
	 * tokens a fresh 600 KB array per token cost more than copying into it.
	 */
	#spare: Float32Array[] = [];

	constructor(
		private readonly engine: Engine,
		private readonly model: ModelInfo,
		private readonly sampling: SamplingBackend
	) {
		this.#contexts = contextsOf(engine);
		this.#sequences = new BranchSequences(this.#contexts.count);
	}

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
				this.#sequences.set(0, tree ? tree.history(node).slice(0, this.engine.contextUsed) : null);
			}
		};
	}

	/**
	 * The engine's sequences were used by someone else (lanes fork into them and drop them), so
	 * nothing is known of what they hold.
	 */
	forgetContext(): void {
		this.#sequences.forget();
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
			tokenTexts: (params) => tokenTextsFor(this.engine, this.model, [params]),
			evaluate: (history) => this.#evaluate(history)
		});
		return tree;
	}

	/**
	 * The model's next-token distribution after `history`, evaluating only what the sequence
	 * that shares most of it lacks (at least the last token).
	 */
	async #evaluate(history: readonly number[]): Promise<Float32Array> {
		if (history.length >= this.model.contextLength) {
			throw new ExploreError(
				`The context window (${this.model.contextLength} tokens) is full at this step`
			);
		}
		const contexts = this.#contexts;
		const { seq, copyFrom, keep } = this.#sequences.plan(history);
		// Unknown until the evaluation succeeds.
		this.#sequences.set(seq, null);
		if (copyFrom !== null) await contexts.copy(copyFrom, seq);
		if (keep < contexts.length(seq)) await contexts.rollback(seq, keep);
		const distribution = await contexts.evaluate(seq, history.slice(keep));
		this.#sequences.set(seq, history);
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
