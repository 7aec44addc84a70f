import type { StageDefinition } from '../stage';
import { WEIGHT_SCALE, weightOf } from '../weights';

/**
 * Dynamic temperature (entropy-based, kalomaze's "DynaTemp"): the temperature of this step
 * follows how unsure the model is. With base temperature T (the temperature stage's parameter),
 * range R and exponent e:
 *
 *     min_temp = max(0, T − R),  max_temp = T + R
 *     T_used   = min_temp + (max_temp − min_temp) · (H / H_max)^e
 *
 * H is the entropy in nats of the current members, H_max = ln(count) the entropy of a uniform
 * distribution over them. Every logit is then multiplied by 1/T_used, as the temperature stage
 * does; T_used = 0 keeps only the best member (as llama.cpp's temperature 0 does), and so does a
 * T_used below 10⁻⁶ (counted as 0: 1/T_used could overflow, and such a temperature leaves weight
 * only to tokens within 2.3·10⁻⁵ of the best anyway). A set of one member, or R = 0, is left
 * alone.
 *
 * Matches llama.cpp's `temp-ext` sampler (`llama_sampler_temp_ext_apply` in
 * `src/llama-sampling.cpp`; `dynatemp_range`, `dynatemp_exponent`): there the extended
 * temperature takes the temperature's place, and here the temperature stage defers to this one
 * (it is skipped while this stage is in the chain with R > 0), so T is applied once. H_max counts
 * every member, banned (−∞) ones included, as llama.cpp's array size does (text-generation-webui
 * counts only finite logits). We differ in precision: H comes from the shared integer weights of
 * weights.ts (a member below e^−23 of the best counts as 0), summed exactly, so the fast sampler
 * and the reference get the same T_used bit for bit; llama.cpp sums float32 probabilities.
 *
 * Where it sits matters: after the truncation stages (where llama.cpp puts its temperature, and
 * where this stage joins the chain when switched on) H_max is the log of the few survivors; on
 * the whole vocabulary H/H_max is small and T_used stays near min_temp.
 */
export const dynamicTemperature = {
	name: 'dynamic-temperature',
	label: 'Dynamic temperature',
	summary:
		'Chooses the temperature of each step from the entropy: near T − range when the model is sure, near T + range when it is unsure. The temperature stage defers to it while it is on.',
	panelRank: 1.5,
	offByDefault: true,
	externalOrder: { llamaCpp: 'temperature', textgen: ['dynamic_temperature'] },
	params: [
		{
			key: 'dynatempRange',
			label: 'Dynamic temperature range',
			min: 0,
			max: 5,
			default: 0,
			external: { llamaCpp: 'dynatemp_range' },
			help: {
				what: 'Lets the temperature move between T − range and T + range with the normalised entropy of the candidates; while it is above 0, this stage applies the temperature and the temperature stage defers to it.',
				low: '0 turns it off (the temperature stage applies T as usual).',
				high: 'A wide range: near-greedy when the model is sure, very loose when it is not.',
				typical:
					'0.5 around T = 1 (temperatures 0.5–1.5), placed after top-k/top-p/min-p, where llama.cpp puts it.',
				fixes:
					'Dull text where the model is unsure yet mistakes where it is sure: switch it on, so confident steps cool down and open ones warm up.'
			},
			slider: { min: 0, max: 2, step: 0.05 },
			sweep: { short: 'dyn±' },
			resamplesWhatIf: true
		},
		{
			key: 'dynatempExponent',
			label: 'Dynamic temperature exponent',
			min: 0,
			minExclusive: true,
			max: 10,
			default: 1,
			external: {
				llamaCpp: 'dynatemp_exponent',
				textgen: 'dynatemp_exponent',
				sillyTavern: 'dynatemp_exponent'
			},
			help: {
				what: 'Shapes how the temperature follows the normalised entropy: T_used = min + (max − min)·(H/H_max)^exponent.',
				low: 'Below 1 the temperature rises quickly with the entropy, staying near the top of the range.',
				high: 'Above 1 it stays near the bottom of the range until the model is very unsure.',
				typical: '1 (linear).',
				fixes:
					'Still too loose on ordinary steps: raise the exponent. Too cold everywhere: lower it.'
			},
			slider: { min: 0.1, max: 5, step: 0.1 },
			sweep: { short: 'dyn^' },
			resamplesWhatIf: true
		}
	],
	reads: ['temperature'],
	isNeutral: ({ dynatempRange }) => dynatempRange === 0,
	create({ temperature: t, dynatempRange: range, dynatempExponent: exponent }) {
		return {
			apply(candidates) {
				const count = candidates.count;
				if (count <= 1) return;
				const maxLogit = candidates.maxLogit();
				const { logits } = candidates;
				const entropy = entropyOfMembers(count, (i) => logits[candidates.idAt(i)], maxLogit);
				const used = dynamicTemperatureOf(t, range, exponent, entropy, count).temperature;
				if (used === 0) {
					candidates.keepOnly(candidates.bestId());
					return;
				}
				const scale = 1 / used;
				for (let i = 0; i < count; i++) logits[candidates.idAt(i)] *= scale;
				candidates.logitsChanged();
			}
		};
	}
} as const satisfies StageDefinition<
	'dynamic-temperature',
	'dynatempRange' | 'dynatempExponent',
	'temperature'
>;

/** What dynamic temperature decides at one step. */
export interface DynamicTemperature {
	minTemperature: number;
	maxTemperature: number;
	/** H / ln(count), in [0, 1]. */
	normalizedEntropy: number;
	/** The temperature applied at this step (0: the best member alone). */
	temperature: number;
}

/** Below this, the temperature used counts as 0. */
export const MIN_DYNAMIC_TEMPERATURE = 1e-6;

/** The temperature used for base `t`, `range`, `exponent`, entropy H in nats and `count` members. */
export function dynamicTemperatureOf(
	t: number,
	range: number,
	exponent: number,
	entropy: number,
	count: number
): DynamicTemperature {
	const minTemperature = Math.max(0, t - range);
	const maxTemperature = t + range;
	const normalizedEntropy = count > 1 ? Math.min(1, entropy / Math.log(count)) : 0;
	const temperature =
		minTemperature + (maxTemperature - minTemperature) * Math.pow(normalizedEntropy, exponent);
	return {
		minTemperature,
		maxTemperature,
		normalizedEntropy,
		temperature: temperature < MIN_DYNAMIC_TEMPERATURE ? 0 : temperature
	};
}

/** 2^24: the split of the exact sum in {@link entropyOfMembers}. */
const SPLIT = 16777216;

/**
 * Entropy in nats of `count` members (logits read by `logitAt`, best `maxLogit`) under the shared
 * integer weights w = round(e^(logit − max)·2^32): H = ln(W / 2^32) − Σ w·(logit − max) / W, with
 * W = Σ w. Each term w·(logit − max) is rounded to an integer (|term| < 2^37) and summed as a
 * high and a low part, so the sum is exact and the same in any member order; a term's rounding
 * moves H by at most 0.5 / W ≤ 2^−33.
 */
export function entropyOfMembers(
	count: number,
	logitAt: (i: number) => number,
	maxLogit: number
): number {
	let total = 0;
	let high = 0;
	let low = 0;
	for (let i = 0; i < count; i++) {
		const logit = logitAt(i);
		const w = weightOf(logit, maxLogit);
		if (w === 0) continue;
		total += w;
		const term = Math.round(w * (logit - maxLogit));
		const upper = Math.floor(term / SPLIT);
		high += upper;
		low += term - upper * SPLIT;
	}
	const weighted = high * SPLIT + low;
	return Math.max(0, Math.log(total / WEIGHT_SCALE) - weighted / total);
}
