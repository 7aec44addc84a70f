import type { Candidates } from './candidates';
import type { StageDetail } from './stage-detail';
import type { PenaltyWindow } from './window';

/** What a stage may read about the current step besides the candidates. */
export interface StepContext {
	/** Every token id in the context so far, prompt included. */
	readonly history: ArrayLike<number>;
	readonly window: PenaltyWindow;
	/**
	 * This stage's uniform draws in [0, 1) for the step, as many as its definition's `draws`
	 * (empty for stages that take none). The sampler takes them from the run's seeded stream
	 * before the chain runs (see {@link StageDefinition.draws}), so running the chain twice in
	 * one step (as tracing may) sees the same values and draws nothing more.
	 */
	readonly draws?: ArrayLike<number>;
}

/** One configured stage of the chain, applied to the candidates once per step. */
export interface SamplerStage {
	/** Narrows or reshapes the candidates in place. */
	apply(candidates: Candidates, context: StepContext): void;
	/** True when this stage picked a single token without randomness (temperature 0). */
	readonly greedy?: boolean;
	/**
	 * Tracing only, called just before {@link apply} with the same candidates and context: what
	 * the stage is about to decide, for its chart in "Why this token?" (`tracked` lists the ids
	 * the trace follows; a measure gives one value per id, in that order). It must change nothing.
	 */
	explain?(candidates: Candidates, context: StepContext, tracked: readonly number[]): StageDetail;
	/**
	 * What a stage remembers from one step to the next (Mirostat's μ). `apply` only reads it; the
	 * sampler updates it once per step after the draw, saves it in its checkpoints and sets it
	 * back on restart and resume, so step mode, branches, what-ifs and replays stay exact.
	 */
	readonly state?: StageState;
}

/** The memory of a stage that keeps state across steps (see {@link SamplerStage.state}). */
export interface StageState {
	/** The state as plain numbers, for a checkpoint. */
	save(): number[];
	/** Sets a state saved by {@link save}; `null` sets the initial state (a fresh run). */
	load(saved: readonly number[] | null): void;
	/**
	 * Called once per step, after the draw and never during a trace's second run of the chain:
	 * the chosen token and its probability in the final distribution (after every stage).
	 */
	observe(chosenId: number, probability: number): void;
	/** Tracing: adds to this step's detail what the pick changed (Mirostat's μ after it). */
	explainPick?(detail: StageDetail): void;
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
	/**
	 * This parameter's field name in other tools' settings (llama.cpp's `/completion` request,
	 * text-generation-webui's preset YAML, SillyTavern's text-completion preset JSON), for import
	 * and export. Omitted: the tools have no such field. See `#lib/formats/sampler-settings`.
	 */
	external?: ExternalNames;
}

/** How another tool names a value; `read`/`write` convert where its meaning differs from ours. */
export type ExternalField =
	| string
	| {
			name: string;
			/** Their value → ours (e.g. text-generation-webui's range 0 = whole context → −1). */
			read?: (value: number) => number;
			/** Our value → theirs. */
			write?: (value: number) => number;
	  };

/** A parameter's or a stage's names in the tools whose settings can be imported. */
export interface ExternalNames {
	llamaCpp?: ExternalField;
	textgen?: ExternalField;
	sillyTavern?: ExternalField;
}

/** Help for one setting: what it does, what low and high values do, uses, and common fixes. */
export interface ParamHelp {
	what: string;
	low: string;
	high: string;
	typical: string;
	/** Common symptoms this setting fixes, and which way to turn it. */
	fixes: string;
}

/**
 * A numeric parameter a stage owns, with everything the rest of the app says about it: the
 * parameter panel, its help, sweeps and what-ifs all read it from here.
 */
export interface StageParam<Key extends string = string> extends ParamSpec<Key> {
	help: ParamHelp;
	/** The panel's slider; the number field beside it accepts the whole range. */
	slider: { min: number; max: number; step: number };
	/** A hint shown above this value (temperature above 1 flattens the distribution). */
	warnAbove?: { value: number; text: string };
	/**
	 * When a sweep may vary it: the short name lane labels use ("T 0.7"); the sweep picker shows
	 * `label`. `null` for parameters a sweep does not offer.
	 */
	sweep: { short: string } | null;
	/** Whether changing it re-samples an open what-if (anything that changes the draw should). */
	resamplesWhatIf: boolean;
}

/** Parameter values by key, as a stage sees them. */
export type ParamValues<Key extends string> = Readonly<Record<Key, number>>;

/** Values every stage may read that are not plain numbers. */
export interface SharedInputs {
	/** Token id → bias added to its logit. */
	readonly logitBias: Readonly<Record<number, number>>;
	/**
	 * The chain's order, for a stage that defers to another one in it (temperature defers to
	 * dynamic temperature). The sampler always passes it; absent, each stage is judged alone (as
	 * for a native sampler, which runs none of the stages another defers to).
	 */
	readonly order?: readonly string[];
	/**
	 * DRY's sequence breakers as token ids of the model: the tokens whose text contains one of
	 * `drySequenceBreakers` (see `sequenceBreakerIds`). Filled where the sampler is created, from
	 * the model's token texts; absent (no token texts, or DRY off), no token is a breaker.
	 */
	readonly sequenceBreakers?: ReadonlySet<number>;
}

/**
 * A kind of stage: everything the chain, the validator and the UI need to know about it. Adding a
 * stage means writing one of these in its own file and listing it in the registry; every table
 * of the app (panel fields, help, sweep axes, what-if keys, explanations) is derived from them.
 */
export interface StageDefinition<
	Name extends string = string,
	Key extends string = string,
	Read extends string = never
> {
	name: Name;
	label: string;
	/** What the stage does, in a sentence or two; the "why this token" charts show it. */
	summary: string;
	/**
	 * Where the stage's parameters stand in the parameter panel and the sweep picker, lowest first.
	 * The panel leads with the choice stages, although the chain runs the penalties first.
	 */
	panelRank: number;
	/**
	 * The stage's names in other tools' sampler orders: llama.cpp's `samplers` list and
	 * text-generation-webui's `sampler_priority` (also used by SillyTavern). Several stages may
	 * share a name (llama.cpp's "penalties"); one stage may have several (textgen's penalties).
	 */
	externalOrder?: { llamaCpp?: string; textgen?: readonly string[] };
	/**
	 * Left out of the default order: the user switches it on in the chain order. Stages added
	 * after the first seven set it, so the default chain, old links and old sessions (whose
	 * orders do not list them) keep running exactly the stages they ran.
	 */
	offByDefault?: true;
	/**
	 * Where the stage goes when it is switched on: before this stage if the chain runs it, else
	 * last. Stages that penalise logits join before temperature, as llama.cpp runs them (after
	 * temperature 0 they would change nothing, and after another temperature their penalty would
	 * be scaled by it).
	 */
	joinsBefore?: string;
	/**
	 * How many uniform draws in [0, 1) the stage takes from the run's seeded stream each step
	 * (XTC takes one); omitted for the deterministic stages. The rule that keeps a run repeatable
	 * bit for bit: at the start of every step, before the chain runs, the sampler takes `draws`
	 * floats for each stage of the chain that is not neutral, in chain order, and only then the
	 * final draw (none when greedy). The count is fixed by the parameters, never by what a stage
	 * sees, so checkpoints, step mode, branches and what-ifs need no state beyond the stream's
	 * position. The stage reads its values from {@link StepContext.draws}.
	 */
	draws?: number;
	/** Parameters this stage owns (validated, defaulted and shown with it). */
	params: readonly StageParam<Key>[];
	/**
	 * For a stage switched on by a parameter of its own (Mirostat's mode): the values that make it
	 * act, which a sweep of its other parameters sets when the switch is off.
	 */
	actingValues?: Readonly<Partial<Record<Key, number>>>;
	/** Parameters owned by other stages that this one reads too. */
	reads?: readonly Read[];
	/** Whether these values leave the candidates unchanged (the chain then skips the stage). */
	isNeutral(values: ParamValues<Key | Read>, shared: SharedInputs): boolean;
	create(values: ParamValues<Key | Read>, shared: SharedInputs): SamplerStage;
}

/**
 * A stage's label as it reads inside a sentence: lower case ("top-p (nucleus)"), except a label
 * that starts with an acronym ("XTC", "DRY"), which keeps its capitals.
 */
export function labelInSentence(label: string): string {
	return /^[A-Z]{2,}\b/.test(label) ? label : label.toLowerCase();
}
