import type { ParamSpec, StageDefinition, StageParam } from '../stage';
import { dynamicTemperature } from './dynamic-temperature';
import { dry } from './dry';
import { epsilonCutoff } from './epsilon-cutoff';
import { etaCutoff } from './eta-cutoff';
import { frequencyPresence } from './frequency-presence';
import { logitBias } from './logit-bias';
import { minP } from './min-p';
import { noRepeatNgram } from './no-repeat-ngram';
import { quadraticSmoothing } from './quadratic-smoothing';
import { mirostat } from './mirostat';
import { repetitionPenalty } from './repetition-penalty';
import { tailFree } from './tail-free';
import { temperature } from './temperature';
import { topA } from './top-a';
import { topK } from './top-k';
import { topNSigma } from './top-n-sigma';
import { topP } from './top-p';
import { typicalP } from './typical-p';
import { xtc } from './xtc';

/**
 * The registry: every stage the chain can run, in the default order. It is the one home of each
 * stage parameter's facts; the validator, the parameter panel's fields and help, the sweep axes,
 * the what-if keys and the "why" explanations are all derived from it. Functions that derive a
 * table take a registry argument (defaulting to this one) so tests can pass one with a new stage.
 */
export const STAGE_DEFINITIONS = [
	logitBias,
	repetitionPenalty,
	frequencyPresence,
	temperature,
	topK,
	topP,
	minP,
	topA,
	epsilonCutoff,
	etaCutoff,
	topNSigma,
	typicalP,
	tailFree,
	dynamicTemperature,
	quadraticSmoothing,
	noRepeatNgram,
	mirostat,
	xtc,
	dry
] as const;

/** Any stage, with its parameter keys widened to strings. */
export type AnyStageDefinition = StageDefinition<string, string, string>;

/** A list of stages in their default order: the real one, or a test's. */
export type StageRegistry = readonly AnyStageDefinition[];

type Definitions = (typeof STAGE_DEFINITIONS)[number];

type Params = Definitions['params'][number];

export type StageName = Definitions['name'];

/** Keys of every numeric parameter the stages own. */
export type StageParamKey = Params['key'];

/** Keys of the stage parameters a sweep may vary (those whose `sweep` is set). */
export type SweepStageParamKey = Extract<Params, { sweep: object }>['key'];

export const STAGE_NAMES: readonly StageName[] = STAGE_DEFINITIONS.map((stage) => stage.name);

/** The stages the default chain runs: every stage but those switched off by default. */
export const DEFAULT_ORDER: readonly StageName[] = STAGE_DEFINITIONS.filter(
	(stage: AnyStageDefinition) => !stage.offByDefault
).map((stage) => stage.name);

export function stageDefinition(name: StageName): StageDefinition<StageName, string, string> {
	const definition = STAGE_DEFINITIONS.find((stage) => stage.name === name);
	if (!definition) throw new RangeError(`Unknown sampler stage "${name}"`);
	// Each definition narrows its parameter keys; callers pass complete parameter sets.
	return definition as unknown as StageDefinition<StageName, string, string>;
}

/** Every numeric parameter of `registry`, in stage order. */
export function paramSpecsOf(registry: StageRegistry = STAGE_DEFINITIONS): readonly StageParam[] {
	return registry.flatMap((stage) => stage.params);
}

/**
 * Every numeric parameter of `registry` in the parameter panel's order: by the stages'
 * `panelRank`, then as each stage lists them.
 */
export function panelParamsOf(registry: StageRegistry = STAGE_DEFINITIONS): readonly StageParam[] {
	return [...registry].sort((a, b) => a.panelRank - b.panelRank).flatMap((stage) => stage.params);
}

/** Every numeric parameter spec, in stage order. */
export const PARAM_SPECS: readonly StageParam<StageParamKey>[] =
	paramSpecsOf() as readonly StageParam<StageParamKey>[];

/** The spec of one stage parameter. */
export function paramSpec(key: StageParamKey): ParamSpec<StageParamKey> {
	const spec = PARAM_SPECS.find((s) => s.key === key);
	if (!spec) throw new RangeError(`No sampler parameter "${key}"`);
	return spec;
}
