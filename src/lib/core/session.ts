import type { Experiment } from '#lib/core/experiment';
import type { FinishReason, GenerationStats, IgnoredParam, StepTrace } from '#lib/core/run';
import type { SamplingParams } from '#lib/sampling';
import type { SkillRef } from './skill';

/**
 * What is stored of runs and compares. The same shapes are the export format (see
 * `session-format.ts`), so a change here is a new format version.
 */

/** One generated token as the run saw it. */
export interface TokenRecord {
	id: number;
	/** The token's own text. */
	piece: string;
	/** The sampler's trace of this step, when the run recorded traces. */
	trace?: StepTrace;
}

export type RunStatus = 'running' | 'done' | 'stopped' | 'failed' | 'interrupted';

/** One output: the single run, or one lane of a compare. */
export interface RunRecord {
	/** Lane id for compares, `run` for a single run. */
	id: string;
	/** The lane's overrides in words (e.g. "seed 7 · T 1.2"); empty for a single run. */
	label: string;
	/** Picker id of the model this output ran on (lanes may differ from the experiment's). */
	modelId: string;
	/** The parameters this output ran with. */
	params: SamplingParams;
	/** The seed actually used (a random seed is resolved when the run starts). */
	seed: number | null;
	text: string;
	tokens: TokenRecord[];
	/** `running` while it streams; a stored `running` found after a reload reads as interrupted. */
	status: RunStatus;
	finishReason: FinishReason | null;
	/** The stop sequence that ended the run, for finish reason `stop-sequence`. */
	stopSequence: string | null;
	stats: GenerationStats | null;
	/** Native mode only: what WebLLM's own sampler did not honour (empty otherwise). */
	ignoredParams: IgnoredParam[];
	/** Which model and engine ran it, e.g. "TinyStories 260K · wasm, 1 thread"; empty if unknown. */
	ranOn: string;
	error: string | null;
	/**
	 * The skill a skill axis gave this lane: its text is the system prompt the lane sent instead
	 * of the experiment's `input.systemPrompt` (see `runSystemPrompt` in skill.ts). Absent otherwise.
	 */
	skill?: SkillRef;
}

/** A compare's shared prompt evaluations, summed over its models. */
export interface PrefillRecord {
	evaluations: number;
	ms: number;
}

export interface SessionRecord {
	/** Random, unique id. */
	id: string;
	name: string;
	kind: 'single' | 'compare';
	/** ms since the epoch. */
	createdAt: number;
	updatedAt: number;
	experiment: Experiment;
	runs: RunRecord[];
	/** Compare only (null for single runs): how often the prompt was evaluated for its lanes. */
	prefill: PrefillRecord | null;
	/** Compare only: the user's judgement of its lanes, when it was judged (see compare/judgement.ts). */
	judgement?: Judgement;
}

/** Which lanes of a compare the user preferred: lane (run) ids, best first. */
export interface Judgement {
	/**
	 * Ranked lanes, best first; marking one lane "Best" is a ranking of one. Lanes left out rank
	 * below every lane listed, level with each other.
	 */
	ranking: string[];
}
