export { Candidates } from './candidates';
export {
	DEFAULT_SAMPLING_PARAMS,
	SamplingValidationError,
	describeRange,
	validateNumber,
	validateSamplingParams,
	type SamplingParams,
	type ValidationContext
} from './params';
export { MAX_SEED, Xoshiro128StarStar, randomSeed } from './rng';
export {
	DistributionError,
	Sampler,
	createSampler,
	type SamplerCheckpoint,
	type SamplerOptions
} from './sampler';
export type { ParamSpec, StageDefinition } from './stage';
export {
	DEFAULT_ORDER,
	PARAM_SPECS,
	STAGE_DEFINITIONS,
	STAGE_NAMES,
	stageDefinition,
	type StageName,
	type StageParamKey
} from './stages/registry';
export {
	DEFAULT_TRACE_TOP_N,
	type CandidateTrace,
	type DistributionKind,
	type StageTrace,
	type StepTrace
} from './trace';
