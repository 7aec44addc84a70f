import type { IgnoredParam } from '#lib/core/run';
import type { SamplingParams, StageName } from '#lib/sampling';
import { ENGINE_MODES } from '../capabilities';
import { activeStages, ignoredStageParams, orderDiffers } from '../native-stages';

/**
 * wllama's native mode: the sampling config its `samplingInit` takes for the user's parameters,
 * and what llama.cpp's chain does not honour of them (reasons from the capability table). Called
 * by {@link WllamaEngine}.
 */

/** The fields of wllama 2.4.0's `SamplingConfig` this mode sets. */
export interface WllamaSamplingConfig {
	temp: number;
	/** llama.cpp's dynamic temperature (its temperature sampler is `temp-ext`): 0 turns it off. */
	dynatemp_range: number;
	dynatemp_exponent: number;
	top_k: number;
	top_p: number;
	min_p: number;
	penalty_repeat: number;
	penalty_freq: number;
	penalty_present: number;
	penalty_last_n: number;
	logit_bias: { token: number; bias: number }[];
	/** Set only when Mirostat runs: 1 or 2 (llama.cpp then runs logit bias, temperature, Mirostat). */
	mirostat?: number;
	mirostat_tau?: number;
	mirostat_eta?: number;
}

/**
 * Position of each of our stages in llama.cpp's fixed chain (wllama 2.4.0 builds it from
 * llama.cpp's default sampler list and cannot change it): logit bias, penalties (one stage),
 * top-k, top-p, min-p, temperature.
 */
const WLLAMA_RANK: Partial<Record<StageName, number>> = {
	'logit-bias': 0,
	'repetition-penalty': 1,
	'frequency-presence': 1,
	'top-k': 2,
	'top-p': 3,
	'min-p': 4,
	temperature: 5,
	// llama.cpp's temperature sampler is the extended one: dynamic temperature runs in its place.
	'dynamic-temperature': 5,
	mirostat: 6
};

/**
 * What llama.cpp's chain is asked to do: the user's values for active stages and no-ops for the
 * rest (dynamic temperature is llama.cpp's own: its temperature sampler moves T by ± the range,
 * so T is passed as the base whenever dynamic temperature is on) (llama.cpp's own defaults are not neutral: top-k 40, top-p 0.95, min-p 0.05,
 * temperature 0.8). The penalty window "whole context" (-1) is passed as the context length,
 * since llama.cpp's penalties stage turns -1 into 0, which switches it off.
 */
export function wllamaSamplingConfig(
	params: SamplingParams,
	contextLength: number
): WllamaSamplingConfig {
	const active = new Set(activeStages(params));
	const repeat = active.has('repetition-penalty');
	const frequencyPresence = active.has('frequency-presence');
	const dynamic = active.has('dynamic-temperature');
	const window = params.repeatLastN === -1 ? contextLength : params.repeatLastN;
	return {
		// Dynamic temperature moves T around its base, even when temperature itself is left out.
		temp: active.has('temperature') || dynamic ? params.temperature : 1,
		dynatemp_range: dynamic ? params.dynatempRange : 0,
		dynatemp_exponent: dynamic ? params.dynatempExponent : 1,
		top_k: active.has('top-k') ? params.topK : 0,
		top_p: active.has('top-p') ? params.topP : 1,
		min_p: active.has('min-p') ? params.minP : 0,
		penalty_repeat: repeat ? params.repeatPenalty : 1,
		penalty_freq: frequencyPresence ? params.frequencyPenalty : 0,
		penalty_present: frequencyPresence ? params.presencePenalty : 0,
		penalty_last_n: repeat || frequencyPresence ? window : 0,
		logit_bias: active.has('logit-bias')
			? Object.entries(params.logitBias).map(([token, bias]) => ({ token: Number(token), bias }))
			: [],
		...(active.has('mirostat') && {
			mirostat: params.mirostatMode,
			mirostat_tau: params.mirostatTau,
			mirostat_eta: params.mirostatEta
		})
	};
}

/** The stages llama.cpp leaves out of its chain when Mirostat is on. */
const REPLACED_BY_MIROSTAT: readonly StageName[] = [
	'repetition-penalty',
	'frequency-presence',
	'top-k',
	'top-p',
	'min-p'
];

/** llama.cpp's common sampler fits Mirostat v1 to the best 100 tokens, always. */
const LLAMA_CPP_MIROSTAT_M = 100;

/**
 * What Mirostat changes in llama.cpp's chain: with it on, only logit bias, temperature and
 * Mirostat run, so the other active stages are ignored; v1's m is fixed at 100 there.
 */
function mirostatIgnored(params: SamplingParams, active: readonly StageName[]): IgnoredParam[] {
	if (!active.includes('mirostat')) return [];
	const ignored: IgnoredParam[] = active
		.filter((name) => REPLACED_BY_MIROSTAT.includes(name))
		.map((name) => ({
			field: STAGE_PARAM_OF[name] ?? name,
			reason: `With Mirostat on, llama.cpp runs only logit bias, temperature and Mirostat: ${name} does not run.`
		}));
	if (params.mirostatMode === 1 && params.mirostatM !== LLAMA_CPP_MIROSTAT_M) {
		ignored.push({
			field: 'mirostatM',
			reason: `llama.cpp fits Mirostat v1 to the best ${LLAMA_CPP_MIROSTAT_M} tokens, always.`
		});
	}
	return ignored;
}

/** The parameter that names each stage Mirostat replaces in the ignored list. */
const STAGE_PARAM_OF: Partial<Record<StageName, keyof SamplingParams>> = {
	'repetition-penalty': 'repeatPenalty',
	'frequency-presence': 'frequencyPenalty',
	'top-k': 'topK',
	'top-p': 'topP',
	'min-p': 'minP'
};

const NATIVE = ENGINE_MODES.wllama.native.capabilities;

const TRUNCATIONS: readonly StageName[] = ['top-k', 'top-p', 'min-p'];

/**
 * Stages whose order does not matter: a temperature keeps the ranking top-k cuts by, and
 * temperature 0 (only the most likely token) keeps what any truncation keeps first.
 */
function commutes(params: SamplingParams) {
	return (a: StageName, b: StageName): boolean => {
		const other = a === 'temperature' ? b : b === 'temperature' ? a : null;
		if (other === null) return false;
		return other === 'top-k' || (params.temperature === 0 && TRUNCATIONS.includes(other));
	};
}

/** The user's parameters llama.cpp's own chain does not honour in this run, each with the reason. */
export function nativeIgnoredParams(params: SamplingParams): IgnoredParam[] {
	const active = activeStages(params);
	const ignored: IgnoredParam[] = [
		...ignoredStageParams(active, NATIVE),
		...mirostatIgnored(params, active)
	];
	// With Mirostat on, the stages it replaces do not run there at all: their place is moot.
	const running = active.includes('mirostat')
		? active.filter((name) => !REPLACED_BY_MIROSTAT.includes(name))
		: active;
	if (orderDiffers(running, WLLAMA_RANK, commutes(params))) {
		ignored.push({ field: 'order', reason: NATIVE.order.reason });
	}
	ignored.push({ field: 'seed', reason: NATIVE.seed.reason });
	return ignored;
}
