import type { DistributionKind, SamplingParams } from '#lib/sampling';
import type { SamplingBackend } from '#lib/generation/types';
import { ExplorationTree, type NodeView } from './tree';

/** Where a step's next-token distribution came from. */
export type StepSource = 'stored' | 'model';

export interface ExplorerDeps {
	createSampler: SamplingBackend['createSampler'];
	vocabSize: number;
	distribution: DistributionKind;
	/** Tokens that end generation. */
	stopIds: readonly number[];
	/** Candidates kept per trace. */
	traceTopN: number;
	/** The model's token texts when `params` need them (DRY's breakers); none when omitted. */
	tokenTexts?: (params: SamplingParams) => Promise<readonly string[] | undefined>;
	/** Runs the model: the next-token distribution after `history` (prompt and generated tokens). */
	evaluate: (history: readonly number[]) => Promise<Float32Array>;
}

export interface ExploredStep {
	node: NodeView;
	source: StepSource;
}

/** A step or what-if that cannot be taken, and why. */
export class ExploreError extends Error {
	override name = 'ExploreError';
}

/**
 * Step mode and what-ifs over one prompt's {@link ExplorationTree}. Every step samples with a
 * fresh sampler for the given parameters, resumed from the parent's point in the random stream,
 * so a branch continued step by step draws exactly what an uninterrupted run would.
 */
export class Explorer {
	constructor(
		readonly tree: ExplorationTree,
		private readonly deps: ExplorerDeps
	) {}

	/** The next-token distribution after `nodeId`: held in the tree, or from the model (then held). */
	async distributionAt(
		nodeId: number,
		history: readonly number[] = this.tree.history(nodeId)
	): Promise<{ distribution: Float32Array; source: StepSource }> {
		const stored = this.tree.distribution(nodeId);
		if (stored) return { distribution: stored, source: 'stored' };
		const distribution = await this.deps.evaluate(history);
		this.tree.storeDistribution(nodeId, distribution);
		return { distribution, source: 'model' };
	}

	/**
	 * One token after `nodeId`: the sampler draws with `params` (the seed must be resolved); `pick`
	 * replaces its choice with another token, starting a branch. The trace shows the draw either way.
	 */
	async step(nodeId: number, params: SamplingParams, pick?: number): Promise<ExploredStep> {
		const parent = this.tree.node(nodeId);
		if (parent.isStop)
			throw new ExploreError('Generation ended at this token; pick an earlier one');
		if (
			pick !== undefined &&
			!(Number.isInteger(pick) && pick >= 0 && pick < this.deps.vocabSize)
		) {
			throw new ExploreError(
				`Token ${pick} is not in the vocabulary (0–${this.deps.vocabSize - 1})`
			);
		}
		const sampler = await this.#sampler(params);
		if (parent.checkpoint) sampler.resume(parent.checkpoint);
		const history = this.tree.history(nodeId);
		const { distribution, source } = await this.distributionAt(nodeId, history);
		const sampled = sampler.sample(distribution, history);
		const tokenId = pick ?? sampled;
		const node = this.tree.addChild(nodeId, tokenId, {
			trace: sampler.lastTrace,
			pickedBy: pick === undefined || pick === sampled ? 'sampler' : 'user',
			checkpoint: sampler.checkpoint(),
			isStop: this.deps.stopIds.includes(tokenId)
		});
		return { node: this.tree.view(node.id), source };
	}

	/**
	 * Samples anew from the root with `params`: steps whose distribution the tree holds need no
	 * model call; past them the model continues. Ends at a stop token, after `maxSteps`, or when
	 * `shouldStop` says so (checked before every step).
	 */
	async resample(
		params: SamplingParams,
		maxSteps: number,
		onStep: (step: ExploredStep) => void = () => {},
		shouldStop: () => boolean = () => false
	): Promise<ExploredStep[]> {
		const sampler = await this.#sampler(params);
		const steps: ExploredStep[] = [];
		let nodeId = this.tree.root.id;
		// Grows with the path rather than being rebuilt from the tree at every step.
		const history = this.tree.history(nodeId);
		while (steps.length < maxSteps && !shouldStop()) {
			const { distribution, source } = await this.distributionAt(nodeId, history);
			const tokenId = sampler.sample(distribution, history);
			const node = this.tree.addChild(nodeId, tokenId, {
				trace: sampler.lastTrace,
				pickedBy: 'sampler',
				checkpoint: sampler.checkpoint(),
				isStop: this.deps.stopIds.includes(tokenId)
			});
			const step = { node: this.tree.view(node.id), source };
			steps.push(step);
			onStep(step);
			if (node.isStop) break;
			nodeId = node.id;
			history.push(tokenId);
		}
		return steps;
	}

	async #sampler(params: SamplingParams) {
		if (params.seed === null) throw new ExploreError('Step mode and what-ifs need a fixed seed');
		const tokenTexts = await this.deps.tokenTexts?.(params);
		return this.deps.createSampler(params, {
			vocabSize: this.deps.vocabSize,
			distribution: this.deps.distribution,
			trace: { topN: this.deps.traceTopN },
			tokenTexts
		});
	}
}
