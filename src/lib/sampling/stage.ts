import type { Candidates } from './candidates';
import type { PenaltyWindow } from './window';

/** What a stage may read about the current step besides the candidates. */
export interface StepContext {
	/** Every token id in the context so far, prompt included. */
	readonly history: ArrayLike<number>;
	readonly window: PenaltyWindow;
}

/** One configured stage of the chain, applied to the candidates once per step. */
export interface SamplerStage {
	/** Narrows or reshapes the candidates in place. */
	apply(candidates: Candidates, context: StepContext): void;
	/** True when this stage picked a single token without randomness (temperature 0). */
	readonly greedy?: boolean;
}

/** A numeric parameter a stage owns: its range, default and the value that turns it off. */
export interface ParamSpec<Key extends string = string> {
	key: Key;
	label: string;
	min: number;
	/** `'vocab'` means the model's vocabulary size. */
	max: number | 'vocab';
	minExclusive?: boolean;
	maxExclusive?: boolean;
	integer?: boolean;
	/** Values allowed outside [min, max], each with its meaning (e.g. −1 = whole context). */
	special?: Readonly<Record<number, string>>;
	default: number;
}

/** Parameter values by key, as a stage sees them. */
export type ParamValues<Key extends string> = Readonly<Record<Key, number>>;

/** Values every stage may read that are not plain numbers. */
export interface SharedInputs {
	/** Token id → bias added to its logit. */
	readonly logitBias: Readonly<Record<number, number>>;
}

/**
 * A kind of stage: everything the chain, the validator and the UI need to know about it. Adding a
 * stage means writing one of these in its own file and listing it in the registry.
 */
export interface StageDefinition<
	Name extends string = string,
	Key extends string = string,
	Read extends string = never
> {
	name: Name;
	label: string;
	/** One sentence on what the stage does, for help texts and traces. */
	summary: string;
	/** Parameters this stage owns (validated, defaulted and shown with it). */
	params: readonly ParamSpec<Key>[];
	/** Parameters owned by other stages that this one reads too. */
	reads?: readonly Read[];
	/** Whether these values leave the candidates unchanged (the chain then skips the stage). */
	isNeutral(values: ParamValues<Key | Read>, shared: SharedInputs): boolean;
	create(values: ParamValues<Key | Read>, shared: SharedInputs): SamplerStage;
}
