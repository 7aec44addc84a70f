import { Candidates } from './candidates';
import { stageValues, validateSamplingParams, type SamplingParams } from './params';
import { Xoshiro128StarStar, randomSeed } from './rng';
import type { SamplerStage, StageState, StepContext } from './stage';
import { sequenceBreakerIds } from './stages/dry';
import { stageDefinition, type StageName } from './stages/registry';
import {
	DEFAULT_TRACE_TOP_N,
	TraceRecorder,
	topIds,
	type DistributionKind,
	type StepTrace
} from './trace';
import { MAX_VOCAB_SIZE, weightOf } from './weights';
import { PenaltyWindow } from './window';

export interface SamplerOptions {
	vocabSize: number;
	/** What the engine hands over (default `logits`); recorded in traces. */
	distribution?: DistributionKind;
	/** Record a {@link StepTrace} per step, following the `topN` best candidates (default 20). */
	trace?: boolean | { topN?: number };
	/**
	 * The model's token texts (index = id), for DRY's sequence breakers: a token is a breaker when
	 * its text contains one of `drySequenceBreakers`. Without them no token is a breaker; callers
	 * pass them when {@link needsTokenTexts} says the parameters need them.
	 */
	tokenTexts?: readonly string[];
}

/** Whether sampling with `params` reads the model's token texts (DRY runs, with breakers). */
export function needsTokenTexts(params: SamplingParams): boolean {
	return (
		params.order.includes('dry') &&
		params.drySequenceBreakers.length > 0 &&
		!stageDefinition('dry').isNeutral(stageValues(params), { logitBias: params.logitBias })
	);
}

/** A sampler's position in its random stream (see {@link Sampler.checkpoint}). */
export interface SamplerCheckpoint {
	rng: [number, number, number, number];
	steps: number;
	/**
	 * What each stage that keeps state across steps remembers (Mirostat's μ), by stage name.
	 * Present only when the chain has such a stage; a stage missing here (a checkpoint from
	 * before it kept state, or from a chain without it) starts from its initial state.
	 */
	states?: Record<string, number[]>;
}

/** The engine handed over a distribution the sampler cannot use. */
export class DistributionError extends Error {
	override readonly name = 'DistributionError';

	constructor(
		message: string,
		readonly step: number,
		readonly index: number | null
	) {
		super(message);
	}
}

interface ChainLink {
	name: StageName;
	/** `null` when the parameters leave the stage neutral, so it is skipped. */
	stage: SamplerStage | null;
	/** The stage's draws for the current step: its slice of {@link Sampler.stageDraws}. */
	draws: Float64Array;
}

/**
 * Picks next tokens from full next-token distributions: runs the user's chain of stages, then
 * one seeded draw. Same distributions, history, parameters and seed give the same tokens.
 *
 * Every step reads its random numbers from one seeded stream, in a fixed order: first the draws
 * of the chain's random stages (those whose definition declares `draws` and whose parameters
 * are not neutral; XTC takes one), in chain order, then the final draw (none when greedy). So
 * the stream's position after a step depends only on the parameters and the steps taken, and a
 * checkpoint is just that position.
 */
export class Sampler {
	/** The seed in use (drawn once when the parameters asked for a random one). */
	readonly seed: number;
	readonly params: Readonly<SamplingParams>;
	readonly vocabSize: number;
	/** Trace of the latest step when tracing is on, else `null`. */
	lastTrace: StepTrace | null = null;
	/** Number of tokens sampled so far. */
	steps = 0;

	private readonly chain: ChainLink[];
	/** The chain's stages that keep state across steps, by name. */
	private readonly stateful: { name: StageName; state: StageState }[];
	private readonly greedy: boolean;
	private readonly candidates: Candidates;
	private readonly window: PenaltyWindow;
	private readonly recorder: TraceRecorder | null;
	private rng: Xoshiro128StarStar;
	/** The random stages' draws for the current step, in chain order (see the class comment). */
	private readonly stageDraws: Float64Array;
	/** Reused every step, so sampling with tracing off allocates nothing. */
	private readonly context: {
		history: ArrayLike<number>;
		window: PenaltyWindow;
		draws: ArrayLike<number>;
	};

	constructor(params: SamplingParams, options: SamplerOptions) {
		const { vocabSize } = options;
		if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize > MAX_VOCAB_SIZE) {
			throw new RangeError(
				`vocabSize must be an integer in [1, ${MAX_VOCAB_SIZE}]; got ${vocabSize}`
			);
		}
		this.params = validateSamplingParams(params, { vocabSize });
		this.vocabSize = vocabSize;
		this.seed = params.seed ?? randomSeed();
		this.rng = Xoshiro128StarStar.fromSeed(this.seed);
		const values = stageValues(params);
		const shared = {
			logitBias: params.logitBias,
			order: params.order,
			sequenceBreakers:
				options.tokenTexts && needsTokenTexts(params)
					? sequenceBreakerIds(options.tokenTexts, params.drySequenceBreakers)
					: undefined
		};
		const links = params.order.map((name) => {
			const definition = stageDefinition(name);
			const neutral = definition.isNeutral(values, shared);
			return { name, definition, neutral, drawCount: neutral ? 0 : (definition.draws ?? 0) };
		});
		this.stageDraws = new Float64Array(links.reduce((sum, link) => sum + link.drawCount, 0));
		let drawsBefore = 0;
		this.chain = links.map(({ name, definition, neutral, drawCount }) => {
			const draws = this.stageDraws.subarray(drawsBefore, drawsBefore + drawCount);
			drawsBefore += drawCount;
			return { name, stage: neutral ? null : definition.create(values, shared), draws };
		});
		this.greedy = this.chain.some((link) => link.stage?.greedy === true);
		this.stateful = this.chain.flatMap(({ name, stage }) =>
			stage?.state ? [{ name, state: stage.state }] : []
		);
		this.candidates = new Candidates(vocabSize);
		this.window = new PenaltyWindow(vocabSize);
		this.context = { history: [], window: this.window, draws: this.stageDraws };
		const trace = options.trace;
		const topN =
			typeof trace === 'object' ? (trace.topN ?? DEFAULT_TRACE_TOP_N) : DEFAULT_TRACE_TOP_N;
		this.recorder = trace
			? new TraceRecorder(vocabSize, topN, options.distribution ?? 'logits')
			: null;
	}

	/**
	 * Picks the next token from `distribution` (vocabulary-length logits or log-probabilities),
	 * given every token id in the context so far (`history`, prompt included).
	 */
	sample(distribution: Float32Array, history: ArrayLike<number>): number {
		const { candidates, recorder } = this;
		if (distribution.length !== this.vocabSize || !candidates.reset(distribution)) {
			throw this.distributionError(distribution);
		}
		// The random stages' draws come first in the step's share of the stream, then the final one.
		const { stageDraws, rng } = this;
		for (let i = 0; i < stageDraws.length; i++) stageDraws[i] = rng.nextFloat();
		const context = this.context;
		context.history = history;
		this.window.invalidate();
		let tracked: number[] = [];
		if (recorder) {
			tracked = topIds(distribution, recorder.topN);
			recorder.begin(candidates, distribution, tracked);
		}
		this.runChain(context);
		const u = this.greedy ? null : rng.nextFloat();
		const id = u === null ? candidates.bestId() : this.draw(u);
		// Read before a trace's replay; stages learn of the pick only once that replay is done.
		const probability = this.stateful.length > 0 ? this.finalProbability(id) : 0;
		if (recorder) {
			if (!recorder.isTracked(id)) {
				// The chain is deterministic: replay it once more, following the chosen token too.
				this.window.invalidate();
				candidates.reset(distribution);
				recorder.replay([...tracked, id]);
				this.runChain(context);
			}
			this.lastTrace = recorder.finish(this.steps, candidates, id, u);
		}
		for (const { name, state } of this.stateful) {
			state.observe(id, probability);
			const detail = this.lastTrace?.stages.find((stage) => stage.name === name)?.detail;
			if (recorder && detail) state.explainPick?.(detail);
		}
		this.steps++;
		return id;
	}

	/** Where the sampler is in its random stream, to continue from there later. */
	checkpoint(): SamplerCheckpoint {
		const checkpoint: SamplerCheckpoint = { rng: this.rng.state(), steps: this.steps };
		if (this.stateful.length > 0) {
			checkpoint.states = Object.fromEntries(
				this.stateful.map(({ name, state }) => [name, state.save()])
			);
		}
		return checkpoint;
	}

	/**
	 * Continues from a checkpoint of a sampler with the same seed, as if the steps before it had
	 * just been taken (step mode resumes a branch this way).
	 */
	resume(checkpoint: SamplerCheckpoint): void {
		this.rng = new Xoshiro128StarStar(checkpoint.rng);
		this.steps = checkpoint.steps;
		for (const { name, state } of this.stateful) state.load(checkpoint.states?.[name] ?? null);
		this.lastTrace = null;
	}

	/** Starts the random stream again from the seed, as for a fresh run. */
	restart(): void {
		this.rng = Xoshiro128StarStar.fromSeed(this.seed);
		this.steps = 0;
		for (const { state } of this.stateful) state.load(null);
		this.lastTrace = null;
	}

	/** Runs the chain; the random stages read the draws already taken for this step. */
	private runChain(context: StepContext & { draws: ArrayLike<number> }): void {
		const { candidates, recorder, chain } = this;
		for (let i = 0; i < chain.length; i++) {
			const { name, stage, draws } = chain[i];
			if (!stage) {
				recorder?.skipped(name, candidates);
				continue;
			}
			const before = candidates.count;
			context.draws = draws;
			const detail = recorder && stage.explain?.(candidates, context, recorder.trackedIds);
			stage.apply(candidates, context);
			recorder?.applied(name, candidates, before, detail ?? undefined);
		}
	}

	/** Walks the renormalised distribution in rank order until the cumulative weight passes u. */
	private draw(u: number): number {
		const { candidates } = this;
		const maxLogit = candidates.maxLogit();
		const threshold = u * candidates.totalWeight(maxLogit);
		return candidates.ranking[candidates.smallestPrefixReaching(maxLogit, threshold, false) - 1];
	}

	/** The chosen member's probability in the final distribution, from the shared weights. */
	private finalProbability(id: number): number {
		const { candidates } = this;
		const maxLogit = candidates.maxLogit();
		return weightOf(candidates.logits[id], maxLogit) / candidates.totalWeight(maxLogit);
	}

	/** Explains why `distribution` cannot be sampled from. */
	private distributionError(distribution: Float32Array): DistributionError {
		if (distribution.length !== this.vocabSize) {
			return new DistributionError(
				`Step ${this.steps}: the engine returned ${distribution.length} values for a vocabulary of ${this.vocabSize}`,
				this.steps,
				null
			);
		}
		const bad = distribution.findIndex((value) => !(value < Infinity));
		if (bad !== -1) {
			return new DistributionError(
				`Step ${this.steps}: the engine returned ${distribution[bad]} for token ${bad}`,
				this.steps,
				bad
			);
		}
		return new DistributionError(
			`Step ${this.steps}: the engine ruled out every token (all values are -Infinity)`,
			this.steps,
			null
		);
	}
}

/** Validates `params` and builds a sampler for a model with the given vocabulary. */
export function createSampler(params: SamplingParams, options: SamplerOptions): Sampler {
	return new Sampler(params, options);
}
