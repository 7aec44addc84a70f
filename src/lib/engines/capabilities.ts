import type { CpuEngineId, EngineId } from '#lib/core/model';
import type { SamplingMode } from '#lib/core/run';
import {
	labelInSentence,
	STAGE_DEFINITIONS,
	type SamplingParams,
	type StageParamKey
} from '#lib/sampling';

/**
 * What each engine honours in each sampling mode: the one table the engines' checks, the
 * native run's report and the page's notes and disabled inputs all read. Data only.
 */

/** What a run can ask for besides the sampler's parameters. */
export type RunFeature = 'trace';

/** Every setting whose support the table states: each `SamplingParams` field and each run feature. */
export type CapabilityKey = keyof SamplingParams | RunFeature;

export type Capability =
	| { support: 'honoured' }
	| {
			/**
			 * `ignored`: the setting has no effect in this mode (its input may be disabled);
			 * `differs`: the engine applies it in its own way; `refused`: a request asking for it
			 * is rejected.
			 */
			support: 'ignored' | 'differs' | 'refused';
			/** A short noun phrase for lists ("top-k", "traces"). */
			label: string;
			/** What the engine does instead, in one sentence. */
			reason: string;
	  };

export type ModeCapabilities = { readonly [Key in CapabilityKey]: Capability };

export type ModeSupport =
	{ available: true; capabilities: ModeCapabilities } | { available: false; reason: string };

const HONOURED = { support: 'honoured' } as const;

/**
 * Every stage parameter of the registry with the capability `of` its stage gives: a table starts
 * from it and then states what it knows, so a stage added to the registry is covered (our
 * sampler runs it; a native sampler that does not list it ignores it).
 */
function everyStageParam(
	of: (stage: (typeof STAGE_DEFINITIONS)[number]) => Capability
): Record<StageParamKey, Capability> {
	return Object.fromEntries(
		STAGE_DEFINITIONS.flatMap((stage) => stage.params.map((spec) => [spec.key, of(stage)]))
	) as Record<StageParamKey, Capability>;
}

/** What a native sampler without the stage does: the stage does not run there. */
function missingStage(engine: string): (stage: { label: string }) => Capability {
	return (stage) => ({
		support: 'ignored',
		label: labelInSentence(stage.label),
		reason: `${engine} has no ${labelInSentence(stage.label)}; that stage does not run.`
	});
}

/** Our own sampler picks every token, so every setting counts. */
const EXACT = {
	...everyStageParam(() => HONOURED),
	temperature: HONOURED,
	topK: HONOURED,
	topP: HONOURED,
	minP: HONOURED,
	repeatPenalty: HONOURED,
	repeatLastN: HONOURED,
	frequencyPenalty: HONOURED,
	presencePenalty: HONOURED,
	logitBias: HONOURED,
	drySequenceBreakers: HONOURED,
	seed: HONOURED,
	order: HONOURED,
	trace: HONOURED
} satisfies ModeCapabilities;

/** WebLLM's own GPU sampler (its version is pinned in package.json). */
const WEBLLM_NATIVE = {
	...everyStageParam(missingStage('WebLLM')),
	temperature: HONOURED,
	topK: {
		support: 'ignored',
		label: 'top-k',
		reason: 'WebLLM has no top-k; all tokens stay in play.'
	},
	topP: HONOURED,
	minP: {
		support: 'ignored',
		label: 'min-p',
		reason: 'WebLLM has no min-p; all tokens stay in play.'
	},
	repeatPenalty: HONOURED,
	repeatLastN: {
		support: 'differs',
		label: 'the penalty window',
		reason:
			'WebLLM penalizes only the tokens generated in this run: the prompt does not count and there is no window.'
	},
	frequencyPenalty: HONOURED,
	presencePenalty: HONOURED,
	logitBias: HONOURED,
	drySequenceBreakers: {
		support: 'ignored',
		label: 'DRY',
		reason: 'WebLLM has no DRY; its sequence breakers are not used.'
	},
	seed: {
		support: 'differs',
		label: 'seeds that match other engines',
		reason:
			'WebLLM draws on the GPU with its own generator: the same seed repeats a native run on this device, but not the tokens of exact sampling.'
	},
	order: {
		support: 'ignored',
		label: 'stage order',
		reason:
			'WebLLM always applies logit bias, then penalties, temperature and top-p, in that order.'
	},
	trace: {
		support: 'refused',
		label: 'traces',
		reason:
			"Native sampling runs on the engine's own sampler, which records no trace; turn tracing off or use exact sampling"
	}
} satisfies ModeCapabilities;

/**
 * llama.cpp's own sampler inside wllama 2.4.0 (its `samplingInit`, `samplingSample` and
 * `samplingAccept`; llama.cpp build b8948). Its chain is fixed: logit bias, penalties, top-k,
 * top-p, min-p, temperature, then a draw (llama.cpp's DRY, typical-p and XTC stages stay off).
 */
const WLLAMA_NATIVE = {
	...everyStageParam(missingStage("wllama's llama.cpp chain")),
	// With Mirostat on, llama.cpp runs only logit bias, temperature and Mirostat (wllama/native.ts
	// names the stages that then do not run).
	mirostatMode: HONOURED,
	mirostatTau: HONOURED,
	mirostatEta: HONOURED,
	mirostatM: {
		support: 'differs',
		label: 'mirostat v1 m',
		reason: 'llama.cpp fits Mirostat v1 to the best 100 tokens, always.'
	},
	temperature: HONOURED,
	// llama.cpp's temperature sampler is `temp-ext`: dynamic temperature, at temperature's place.
	dynatempRange: HONOURED,
	dynatempExponent: HONOURED,
	topK: HONOURED,
	topP: HONOURED,
	minP: HONOURED,
	repeatPenalty: HONOURED,
	repeatLastN: HONOURED,
	frequencyPenalty: HONOURED,
	presencePenalty: HONOURED,
	logitBias: HONOURED,
	drySequenceBreakers: {
		support: 'ignored',
		label: 'DRY',
		reason: "wllama's llama.cpp chain runs no DRY; its sequence breakers are not used."
	},
	seed: {
		support: 'differs',
		label: 'seeds that match other engines',
		reason:
			"llama.cpp draws with its own generator, which wllama 2.4.0 seeds once when the model loads: native runs with the same settings repeat each other whatever the seed, and their tokens differ from exact sampling's."
	},
	order: {
		support: 'ignored',
		label: 'stage order',
		reason:
			"llama.cpp's chain always applies logit bias, then penalties, top-k, top-p, min-p and temperature, in that order."
	},
	trace: {
		support: 'refused',
		label: 'traces',
		reason:
			"Native sampling runs on the engine's own sampler, which records no trace; turn tracing off or use exact sampling"
	}
} satisfies ModeCapabilities;

/** What native mode runs on each engine that has one, for the mode choice and notes. */
export const NATIVE_SAMPLER_NAMES = {
	wllama: "llama.cpp's own sampler in wllama (multi-threaded)",
	webllm: "WebLLM's GPU sampler"
} satisfies Partial<Record<EngineId, string>>;

/** What the page calls each engine, e.g. in the CPU engine choice. */
export const ENGINE_NAMES = {
	llama: 'our llama.cpp build',
	wllama: 'wllama',
	webllm: 'WebLLM'
} satisfies Record<EngineId, string>;

/** What each CPU engine is for, in the CPU engine choice. */
export const CPU_ENGINE_NOTES = {
	llama: 'exact sampling at native speed, raw logits, 1 thread',
	wllama:
		"llama.cpp through @wllama/wllama, multi-threaded, for comparisons with llama.cpp's own sampler"
} satisfies Record<CpuEngineId, string>;

export const ENGINE_MODES = {
	llama: {
		exact: { available: true, capabilities: EXACT },
		native: {
			available: false,
			reason: 'This engine has no sampler of its own; use exact sampling'
		}
	},
	wllama: {
		exact: { available: true, capabilities: EXACT },
		native: { available: true, capabilities: WLLAMA_NATIVE }
	},
	webllm: {
		exact: { available: true, capabilities: EXACT },
		native: { available: true, capabilities: WEBLLM_NATIVE }
	}
} satisfies Record<EngineId, Record<SamplingMode, ModeSupport>>;
