import type { EngineId } from '#lib/core/model';
import type { PromptInput } from '#lib/core/prompt';
import type { SamplingMode } from '#lib/core/run';
import type { SamplingParams, SweepStageParamKey } from '#lib/sampling';
import type { SkillRef } from './skill';

/** An experiment: everything needed to run it again. Sessions, share links and the page speak it. */

/**
 * What a sweep can vary: the seed, a stage parameter its stage marks as a sweep axis, the model,
 * or the skill (the chat's system prompt).
 */
export type SweepParam = 'seed' | SweepStageParamKey | 'model' | 'skill';

/** The model an experiment ran on. */
export interface ExperimentModel {
	/** The picker's id (GGUF catalogue or local id, or `webllm:<id>`). */
	id: string;
	name: string;
	engine: EngineId;
	/** Hex sha256 of the model file, when the engine knows it. */
	sha256: string | null;
}

/** Everything needed to run an experiment again: model, prompt, settings and lanes. */
export interface Experiment {
	model: ExperimentModel;
	input: PromptInput;
	/** The panel's parameters (the base of every lane); `seed: null` means random. */
	params: SamplingParams;
	maxNewTokens: number;
	contextLength: number;
	stopSequences: string[];
	banEndOfText: boolean;
	sampling: SamplingMode;
	/** Compare only: the sweep's axes as typed, e.g. `{ param: 'seed', text: '1, 2, 3' }`. */
	sweep?: { param: SweepParam; text: string }[];
	/**
	 * Chat only: the skill picked for the system prompt, with its text at the time. The prompt
	 * sent is `input.systemPrompt`, which differs from the skill's text when it was edited after.
	 */
	skill?: SkillRef;
	/** Compare only: the skills a skill axis names, so the sweep reproduces without the library. */
	skills?: SkillRef[];
}
