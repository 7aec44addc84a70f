import type { SamplingParams } from '../src/lib/sampling';

/**
 * The one table of values that switch each stage on for the stages bench (`npm run bench --
 * stages`), keyed by stage name: a setting someone would use, not an extreme one. A stage added
 * to the registry needs a row here; a unit test fails until it has one, and the bench lists it
 * as unmeasured. Values not given stay at the default chain's (with the stage) or at every
 * stage's neutral default (the stage alone).
 */
export const STAGE_BENCH_SETTINGS: Readonly<Record<string, Partial<SamplingParams>>> = {
	// Ten tokens nudged each way: a typical hand-written bias list.
	'logit-bias': {
		logitBias: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i * 997, i % 2 ? -5 : 5]))
	},
	// The whole context, so the penalties read the bench's long history.
	'repetition-penalty': { repeatPenalty: 1.1, repeatLastN: -1 },
	'frequency-presence': { frequencyPenalty: 0.3, presencePenalty: 0.3, repeatLastN: -1 },
	temperature: { temperature: 0.8 },
	'top-k': { topK: 40 },
	'top-p': { topP: 0.95 },
	'min-p': { minP: 0.05 },
	'top-a': { topA: 0.2 },
	'epsilon-cutoff': { epsilonCutoff: 0.0003 },
	'eta-cutoff': { etaCutoff: 0.002 },
	'top-n-sigma': { topNSigma: 1 },
	'typical-p': { typicalP: 0.95 },
	'tail-free': { tfsZ: 0.95 },
	'dynamic-temperature': { dynatempRange: 0.5 },
	'quadratic-smoothing': { smoothingFactor: 0.3 },
	'no-repeat-ngram': { noRepeatNgramSize: 3 },
	mirostat: { mirostatMode: 2 },
	// Probability 1: it fires every step, the costlier case.
	xtc: { xtcProbability: 1, xtcThreshold: 0.1 },
	// Its author's recipe; the window is the whole context, so DRY reads the bench's long history.
	dry: { dryMultiplier: 0.8, dryBase: 1.75, dryAllowedLength: 2, dryPenaltyLastN: -1 }
};

/** Tokens of context every configuration is given (history-reading stages read all of them). */
export const BENCH_HISTORY_LENGTH = 4096;
