export { Candidates } from './candidates';
export { displayExp } from './display-exp';
export {
	DEFAULT_SAMPLING_PARAMS,
	SamplingValidationError,
	WHAT_IF_KEYS,
	defaultStageValues,
	orderWithStage,
	placeInChain,
	switchOnSetStages,
	describeRange,
	validateNumber,
	validateSamplingParams,
	validateSequenceBreakers,
	whatIfKeys,
	whatIfSignature,
	type SamplingParams,
	type ValidationContext,
	type WhatIfKey
} from './params';
export {
	DEFAULT_DRY_SEQUENCE_BREAKERS,
	MAX_DRY_SEQUENCE_BREAKERS,
	MAX_DRY_SEQUENCE_BREAKER_LENGTH,
	sequenceBreakerIds
} from './stages/dry';
export { MAX_SEED, Xoshiro128StarStar, randomSeed } from './rng';
export {
	DistributionError,
	Sampler,
	createSampler,
	needsTokenTexts,
	type SamplerCheckpoint,
	type SamplerOptions
} from './sampler';
export {
	factValue,
	setFact,
	type StageDetail,
	type StageFact,
	type StageLine,
	type StageMeasure,
	type TokenSequence
} from './stage-detail';
export type {
	ExternalField,
	ExternalNames,
	ParamHelp,
	ParamSpec,
	StageDefinition,
	StageParam
} from './stage';
export { labelInSentence } from './stage';
export {
	DEFAULT_ORDER,
	PARAM_SPECS,
	STAGE_DEFINITIONS,
	STAGE_NAMES,
	panelParamsOf,
	paramSpec,
	paramSpecsOf,
	stageDefinition,
	type AnyStageDefinition,
	type StageName,
	type StageParamKey,
	type StageRegistry,
	type SweepStageParamKey
} from './stages/registry';
export {
	DEFAULT_TRACE_TOP_N,
	type CandidateTrace,
	type DistributionKind,
	type StageTrace,
	type StepTrace
} from './trace';
