import type { Candidates } from './candidates';
import type { StageName } from './stages/registry';
import { displayExp } from './display-exp';
import type { StageDetail } from './stage-detail';
import { ranksBefore } from './weights';

/**
 * What an engine hands the sampler.
 * - `logits`: raw logits, exactly as the model produced them.
 * - `logprobs`: log-probabilities at temperature 1 (raw logits up to an additive constant), which
 *   is exact for every sampler stage except the sign-dependent repetition penalty.
 */
export type DistributionKind = 'logits' | 'logprobs';

export const DEFAULT_TRACE_TOP_N = 20;

/** One candidate's path through the chain. */
export interface CandidateTrace {
	id: number;
	/** The value the engine produced (a logit, or a log-probability for `logprobs` engines). */
	logit: number;
	/** Probability before any stage, at temperature 1. */
	rawProbability: number;
	/** Probability after each stage of {@link StepTrace.stages}, `null` once removed. */
	probabilities: (number | null)[];
	/** The stage that removed it, or `null` if it reached the draw. */
	removedBy: StageName | null;
}

export interface StageTrace {
	name: StageName;
	/** True when the stage's parameters leave everything unchanged, so it was skipped. */
	skipped: boolean;
	/** Candidates left after the stage. */
	survivors: number;
	/** Probability mass (before the stage) of the candidates it removed. */
	massRemoved: number;
	/** Entropy in nats of the distribution after the stage. */
	entropy: number;
	/** The stage would have removed every candidate; the best one was kept instead. */
	keptBestOnly: boolean;
	/** The stage's own account of its decision, when it explains itself (see StageDetail). */
	detail?: StageDetail;
}

export interface StepTrace {
	/** 0 for the first sampled token of a run. */
	step: number;
	distribution: DistributionKind;
	/** The `topN` best candidates by raw value, plus the chosen token if it ranked lower. */
	candidates: CandidateTrace[];
	stages: StageTrace[];
	/** The uniform draw in [0, 1), or `null` when greedy decoding took no draw. */
	u: number | null;
	chosenId: number;
	/** Probability of the chosen token in the final distribution the draw used. */
	chosenProbability: number;
	entropyBefore: number;
	entropyAfter: number;
}

interface Distribution {
	maxLogit: number;
	/** Σ exp(logit − maxLogit) over the members. */
	normalizer: number;
	entropy: number;
}

/**
 * Records a step's trace as the chain runs. Only used when tracing is on, so it may allocate; it
 * works in float64 for display and never influences which token is picked.
 */
export class TraceRecorder {
	private readonly membership: Uint8Array;
	private tracked: readonly number[] = [];
	private current: (number | null)[] = [];
	private columns: (number | null)[][] = [];
	private removedBy: (StageName | null)[] = [];
	private stages: StageTrace[] = [];
	private raw: Distribution = { maxLogit: 0, normalizer: 1, entropy: 0 };
	private previous: Distribution = this.raw;
	private rawLogits: Float32Array = new Float32Array(0);
	/** What each applied stage of this step's first run left, for {@link replay}. */
	private afterStages: { after: Distribution; massRemoved: number }[] = [];
	private applications = 0;
	private replaying = false;

	constructor(
		vocabSize: number,
		readonly topN: number,
		private readonly distribution: DistributionKind
	) {
		this.membership = new Uint8Array(vocabSize);
	}

	/** Starts a step whose chain is about to run on `candidates`, following the `tracked` ids. */
	begin(candidates: Candidates, rawLogits: Float32Array, tracked: readonly number[]): void {
		this.rawLogits = rawLogits;
		this.replaying = false;
		this.afterStages = [];
		this.start(distributionOf(candidates), tracked);
	}

	/**
	 * Starts the same step again, its chain about to run once more on the same candidates, to
	 * follow more ids (the chosen one when it was not tracked). The chain is deterministic, so
	 * the distributions after each stage are the ones the first run measured: they are reused
	 * rather than computed again over the vocabulary.
	 */
	replay(tracked: readonly number[]): void {
		this.replaying = true;
		this.start(this.raw, tracked);
	}

	private start(raw: Distribution, tracked: readonly number[]): void {
		const rawLogits = this.rawLogits;
		this.tracked = tracked;
		this.raw = raw;
		this.previous = raw;
		this.current = tracked.map((id) => probabilityOf(rawLogits[id], raw));
		this.columns = tracked.map(() => []);
		this.removedBy = tracked.map(() => null);
		this.stages = [];
		this.applications = 0;
	}

	isTracked(id: number): boolean {
		return this.tracked.includes(id);
	}

	/** The ids this step follows, in the order of the trace's candidates. */
	get trackedIds(): readonly number[] {
		return this.tracked;
	}

	skipped(name: StageName, candidates: Candidates): void {
		this.stages.push({
			name,
			skipped: true,
			survivors: candidates.count,
			massRemoved: 0,
			entropy: this.previous.entropy,
			keptBestOnly: false
		});
		this.current.forEach((probability, i) => this.columns[i].push(probability));
	}

	applied(
		name: StageName,
		candidates: Candidates,
		countBefore: number,
		detail: StageDetail | undefined
	): void {
		let measured = this.afterStages[this.applications];
		if (!this.replaying) {
			measured = {
				after: distributionOf(candidates),
				massRemoved: candidates.count < countBefore ? 1 - this.keptMass(candidates) : 0
			};
			this.afterStages.push(measured);
		}
		this.applications++;
		const { after, massRemoved } = measured;
		this.stages.push({
			name,
			skipped: false,
			survivors: candidates.count,
			massRemoved,
			entropy: after.entropy,
			keptBestOnly: candidates.fallback,
			...(detail && { detail })
		});
		candidates.fallback = false;
		// A dense set holds every token: no need to mark them.
		const all = candidates.dense;
		if (!all) this.setMembership(candidates, 1);
		this.tracked.forEach((id, i) => {
			const present = all || this.membership[id] === 1;
			this.current[i] = present ? probabilityOf(candidates.logits[id], after) : null;
			if (!present) this.removedBy[i] ??= name;
			this.columns[i].push(this.current[i]);
		});
		if (!all) this.setMembership(candidates, 0);
		this.previous = after;
	}

	finish(step: number, candidates: Candidates, chosenId: number, u: number | null): StepTrace {
		const final = distributionOf(candidates);
		return {
			step,
			distribution: this.distribution,
			candidates: this.tracked.map((id, i) => ({
				id,
				logit: this.rawLogits[id],
				rawProbability: probabilityOf(this.rawLogits[id], this.raw),
				probabilities: this.columns[i],
				removedBy: this.removedBy[i]
			})),
			stages: this.stages,
			u,
			chosenId,
			chosenProbability: probabilityOf(candidates.logits[chosenId], final),
			entropyBefore: this.raw.entropy,
			entropyAfter: final.entropy
		};
	}

	/** Mass, under the distribution before this stage, of the candidates still present. */
	private keptMass(candidates: Candidates): number {
		const { maxLogit, normalizer } = this.previous;
		let kept = 0;
		for (let i = 0; i < candidates.count; i++) {
			kept += displayExp(candidates.logits[candidates.idAt(i)] - maxLogit);
		}
		return kept / normalizer;
	}

	private setMembership(candidates: Candidates, value: 0 | 1): void {
		for (let i = 0; i < candidates.count; i++) this.membership[candidates.idAt(i)] = value;
	}
}

function probabilityOf(logit: number, distribution: Distribution): number {
	return displayExp(logit - distribution.maxLogit) / distribution.normalizer;
}

function distributionOf(candidates: Candidates): Distribution {
	const maxLogit = candidates.maxLogit();
	const { logits, ids, count, dense } = candidates;
	let normalizer = 0;
	let weightedLogRatio = 0;
	for (let i = 0; i < count; i++) {
		const logRatio = logits[dense ? i : ids[i]] - maxLogit;
		const weight = displayExp(logRatio);
		if (weight > 0) {
			normalizer += weight;
			weightedLogRatio += weight * logRatio;
		}
	}
	// H = −Σ p·ln p with p = w/Z and ln p = logRatio − ln Z.
	const entropy = Math.log(normalizer) - weightedLogRatio / normalizer;
	return { maxLogit, normalizer, entropy: Math.max(0, entropy) };
}

/** The `n` best token ids by value, in rank order. */
export function topIds(logits: Float32Array, n: number): number[] {
	const best: number[] = [];
	if (n < 1) return best;
	for (let id = 0; id < logits.length; id++) {
		if (best.length === n) {
			// Ids come in ascending order, so one that only ties the worst kept ranks after it.
			const worst = logits[best[n - 1]];
			while (id < logits.length && logits[id] <= worst) id++;
			if (id === logits.length) break;
		}
		let at = best.length;
		while (at > 0 && ranksBefore(logits, id, best[at - 1])) at--;
		best.splice(at, 0, id);
		if (best.length > n) best.pop();
	}
	return best;
}
