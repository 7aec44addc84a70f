import type { StageDefinition } from '../stage';
import type { StageDetail } from '../stage-detail';
import { memberValues } from './explain';
import type { Candidates } from '../candidates';
import { WEIGHT_SCALE, ZERO_WEIGHT_LOG_RATIO } from '../weights';
import { EXP_STEPS, EXP_TABLE, ROUNDER, scaledExp } from './mass';

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
 * counts only finite logits). We differ in precision: H is computed in float64 (a member below
 * e^−23 of the best adds nothing), with e^r from the shared table e^x of mass.ts (`scaledExp`,
 * within 1e-14 of `Math.exp` and much cheaper), and summed in ascending id order, so the
 * fast sampler and the reference get the same T_used bit for bit; llama.cpp sums float32
 * probabilities.
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
			sweep: null,
			resamplesWhatIf: true
		}
	],
	reads: ['temperature'],
	isNeutral: ({ dynatempRange }) => dynatempRange === 0,
	create({ temperature: t, dynatempRange: range, dynatempExponent: exponent }) {
		/** Scratch for sorting a listed set's ids (see entropyOfCandidates). */
		let scratch = new Int32Array(0);
		return {
			apply(candidates) {
				const count = candidates.count;
				if (count <= 1) return;
				if (scratch.length !== candidates.vocabSize) {
					scratch = new Int32Array(candidates.vocabSize);
				}
				const maxLogit = candidates.maxLogit();
				const entropy = entropyOfCandidates(candidates, maxLogit, scratch);
				const used = dynamicTemperatureOf(t, range, exponent, entropy, count).temperature;
				if (used === 0) {
					candidates.keepOnly(candidates.bestId());
					return;
				}
				const scale = 1 / used;
				if (candidates.dense) {
					scaleDense(candidates.logits, count, scale);
				} else {
					scaleListed(candidates.logits, candidates.ids, count, scale);
				}
				candidates.logitsChanged();
			},
			explain(candidates, _context, tracked) {
				const count = candidates.count;
				const maxLogit = candidates.maxLogit();
				const entropy =
					count > 1
						? entropyOfCandidates(candidates, maxLogit, new Int32Array(candidates.vocabSize))
						: 0;
				const step = dynamicTemperatureOf(t, range, exponent, entropy, count);
				const used = count > 1 ? step.temperature : null;
				const { logits } = candidates;
				const detail: StageDetail = {
					facts: [
						{ key: 'entropy', label: 'Entropy H', value: entropy, unit: 'nats' },
						{ key: 'maxEntropy', label: 'H_max = ln n', value: Math.log(count), unit: 'nats' },
						{ key: 'normalizedEntropy', label: 'H / H_max', value: step.normalizedEntropy },
						{ key: 'minTemperature', label: 'Lowest T', value: step.minTemperature },
						{ key: 'maxTemperature', label: 'Highest T', value: step.maxTemperature },
						...(used === null ? [] : [{ key: 'temperature', label: 'T used', value: used }])
					]
				};
				if (used === null) {
					detail.note = 'One candidate: nothing to scale.';
				} else if (used === 0) {
					detail.note = 'The temperature used is 0: only the best token is kept.';
				} else {
					detail.measure = {
						label: 'Logit − best',
						values: memberValues(candidates, tracked, (id) => (logits[id] - maxLogit) / used),
						before: memberValues(candidates, tracked, (id) => logits[id] - maxLogit),
						lines: [{ label: 'best', value: 0 }],
						kept: 'all'
					};
				}
				return detail;
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

/**
 * Entropy in nats of `count` members whose logits `logitAt` reads, `maxLogit` the best:
 * H = ln Z − Σ e_r·r / Z, r = logit − max, Z = Σ e_r, in float64, where e_r is e^r taken from
 * {@link scaledExp} (within 1e-14 of `Math.exp`, and much cheaper) rather than `Math.exp`.
 * A member with r < −23 (e^r below 10⁻¹⁰, weight 0 in weights.ts) adds nothing. Float sums depend
 * on their order, so callers pass the members in ascending id order: the fast sampler and the
 * reference then get the same H, bit for bit.
 */
export function entropyOfMembers(
	count: number,
	logitAt: (i: number) => number,
	maxLogit: number
): number {
	let z = 0;
	let weighted = 0;
	for (let i = 0; i < count; i++) {
		const r = logitAt(i) - maxLogit;
		if (!(r >= ZERO_WEIGHT_LOG_RATIO)) continue;
		const e = scaledExp(r) * UNSCALE;
		z += e;
		weighted += e * r;
	}
	return Math.max(0, Math.log(z) - weighted / z);
}

/** 2^−32: turns {@link scaledExp}'s 2^32·e^r into e^r exactly (a power of two). */
const UNSCALE = 1 / WEIGHT_SCALE;

/** {@link entropyOfMembers} of a dense set: every id below `count`, in id order. */
export function entropyOfDense(logits: Float64Array, count: number, maxLogit: number): number {
	const weighted = denseEntropySums(logits, count, maxLogit);
	const z = denseZ[0];
	return Math.max(0, Math.log(z) - weighted / z);
}

/** Z of the last {@link denseEntropySums}. */
const denseZ = new Float64Array(1);

/**
 * Σ e_r·r over ids 0..count-1 (returned) and Z = Σ e_r (into {@link denseZ}), as
 * {@link entropyOfMembers} sums them. The stage's hot loop (one pass over the vocabulary), so
 * {@link scaledExp} is written out here in the same operations and order, which gives the same
 * bits (V8 does not inline it across modules in a loop this long); a test compares the two. It
 * ends with its loop, as the passes of candidates.ts do: V8 compiles a long loop during its first
 * run, and code after it that lacks type feedback (`Math.log` here) can make it throw the compiled
 * loop away again (see there). With the loops inside the stage, its cost at 151,936 swung between
 * 0.55 and 1 ms from one bench run to the next.
 */
function denseEntropySums(logits: Float64Array, count: number, maxLogit: number): number {
	let z = 0;
	let weighted = 0;
	for (let id = 0; id < count; id++) {
		const r = logits[id] - maxLogit;
		if (!(r >= ZERO_WEIGHT_LOG_RATIO)) continue;
		const scaled = r * EXP_STEPS;
		const step = scaled - ROUNDER + ROUNDER;
		const f = (scaled - step) * (1 / EXP_STEPS);
		const e =
			EXP_TABLE[-step | 0] * (1 + f * (1 + f * (1 / 2 + f * (1 / 6 + f * (1 / 24))))) * UNSCALE;
		z += e;
		weighted += e * r;
	}
	denseZ[0] = z;
	return weighted;
}

// One short call at load gives the store after the loop its type feedback before the first long
// run compiles the loop: without it V8 kept entering the loop's compiled code and leaving it at
// that store on every call for a while (the stage took 1.1 ms instead of 0.6 in some bench runs).
denseEntropySums(new Float64Array(1), 1, 0);

/** Multiplies logits 0..count-1 by `scale` (a function that ends with its loop; see above). */
function scaleDense(logits: Float64Array, count: number, scale: number): void {
	for (let id = 0; id < count; id++) logits[id] *= scale;
}

/** Multiplies the logits of `ids[0..count)` by `scale`. */
function scaleListed(logits: Float64Array, ids: Int32Array, count: number, scale: number): void {
	for (let i = 0; i < count; i++) logits[ids[i]] *= scale;
}

/**
 * The entropy of the members, summed in ascending id order (a listed set's ids are copied to
 * `scratch` and sorted there unless already ascending).
 */
function entropyOfCandidates(
	candidates: Candidates,
	maxLogit: number,
	scratch: Int32Array
): number {
	const { logits, ids, count } = candidates;
	if (candidates.dense) return entropyOfDense(logits, count, maxLogit);
	let ascending = true;
	for (let i = 1; i < count && ascending; i++) ascending = ids[i - 1] < ids[i];
	let order = ids;
	if (!ascending) {
		scratch.set(ids.subarray(0, count));
		order = scratch.subarray(0, count).sort();
	}
	return entropyOfMembers(count, (i) => logits[order[i]], maxLogit);
}
