import type { ParamSpec, StageDefinition } from '../stage';
import { frequencyPresence } from './frequency-presence';
import { logitBias } from './logit-bias';
import { minP } from './min-p';
import { repetitionPenalty } from './repetition-penalty';
import { temperature } from './temperature';
import { topK } from './top-k';
import { topP } from './top-p';

/** Every stage the chain can run, in the default order. */
export const STAGE_DEFINITIONS = [
	logitBias,
	repetitionPenalty,
	frequencyPresence,
	temperature,
	topK,
	topP,
	minP
] as const;

type Definitions = (typeof STAGE_DEFINITIONS)[number];

export type StageName = Definitions['name'];

/** Keys of every numeric parameter the stages own. */
export type StageParamKey = Definitions extends infer D
	? D extends { params: readonly ParamSpec<infer Key>[] }
		? Key
		: never
	: never;

export const STAGE_NAMES: readonly StageName[] = STAGE_DEFINITIONS.map((stage) => stage.name);

export const DEFAULT_ORDER: readonly StageName[] = STAGE_NAMES;

export function stageDefinition(name: StageName): StageDefinition<StageName, string, string> {
	const definition = STAGE_DEFINITIONS.find((stage) => stage.name === name);
	if (!definition) throw new RangeError(`Unknown sampler stage "${name}"`);
	// Each definition narrows its parameter keys; callers pass complete parameter sets.
	return definition as unknown as StageDefinition<StageName, string, string>;
}

/** Every numeric parameter spec, in stage order. */
export const PARAM_SPECS: readonly ParamSpec<StageParamKey>[] = STAGE_DEFINITIONS.flatMap(
	(stage) => stage.params as readonly ParamSpec<StageParamKey>[]
);
