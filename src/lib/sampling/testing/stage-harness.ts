import { Candidates } from '../candidates';
import { DEFAULT_SAMPLING_PARAMS, stageValues, type SamplingParams } from '../params';
import type { StageDetail } from '../stage-detail';
import { stageDefinition, type StageName } from '../stages/registry';
import { PenaltyWindow } from '../window';

/** One stage made from `overrides`, the candidates of `logits` and a step's context for it. */
function setUp(
	name: StageName,
	logits: ArrayLike<number>,
	overrides: Partial<SamplingParams>,
	history: number[],
	draws: number[]
) {
	const params = { ...DEFAULT_SAMPLING_PARAMS, ...overrides };
	const candidates = new Candidates(logits.length);
	candidates.reset(Float32Array.from(logits));
	const stage = stageDefinition(name).create(stageValues(params), {
		logitBias: params.logitBias,
		order: params.order
	});
	return {
		candidates,
		stage,
		context: { history, window: new PenaltyWindow(logits.length), draws }
	};
}

/** Runs one stage alone on `logits` and returns the resulting candidate set. */
export function runStage(
	name: StageName,
	logits: ArrayLike<number>,
	overrides: Partial<SamplingParams> = {},
	history: number[] = [],
	/** The stage's draws for the step (a random stage such as XTC reads them). */
	draws: number[] = []
): Candidates {
	const { candidates, stage, context } = setUp(name, logits, overrides, history, draws);
	stage.apply(candidates, context);
	return candidates;
}

/**
 * What one stage's `explain` says on `logits`, following `tracked` ids; checks that explaining
 * changed nothing (the stage then gives the same members as without it).
 */
export function explainStage(
	name: StageName,
	logits: ArrayLike<number>,
	overrides: Partial<SamplingParams> = {},
	tracked: readonly number[] = Array.from({ length: logits.length }, (_, i) => i),
	history: number[] = [],
	/** The stage's draws for the step (a random stage such as XTC reads them). */
	draws: number[] = []
): StageDetail {
	const { candidates, stage, context } = setUp(name, logits, overrides, history, draws);
	if (!stage.explain) throw new Error(`Stage ${name} does not explain itself`);
	const detail = stage.explain(candidates, context, tracked);
	stage.apply(candidates, context);
	const plain = runStage(name, logits, overrides, history, draws);
	if (members(candidates).join() !== members(plain).join()) {
		throw new Error(`Explaining stage ${name} changed what it keeps`);
	}
	return detail;
}

/** Member ids of a candidate set, in their listed order. */
export function members(candidates: Candidates): number[] {
	return Array.from({ length: candidates.count }, (_, i) => candidates.idAt(i));
}

/** Float64 softmax of `logits` restricted to `ids` (every token when omitted). */
export function softmax(logits: ArrayLike<number>, ids?: number[]): Map<number, number> {
	const chosen = ids ?? Array.from({ length: logits.length }, (_, i) => i);
	const max = Math.max(...chosen.map((id) => logits[id]));
	const exps = chosen.map((id) => Math.exp(logits[id] - max));
	const total = exps.reduce((a, b) => a + b, 0);
	return new Map(chosen.map((id, i) => [id, exps[i] / total]));
}

/** Token ids sorted by rank: higher logit first, ties by lower id. */
export function rankOrder(logits: ArrayLike<number>, ids?: number[]): number[] {
	const chosen = ids ?? Array.from({ length: logits.length }, (_, i) => i);
	return [...chosen].sort((a, b) =>
		logits[a] !== logits[b] ? (logits[a] > logits[b] ? -1 : 1) : a - b
	);
}
