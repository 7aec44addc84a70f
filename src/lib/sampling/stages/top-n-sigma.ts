import type { Candidates } from '../candidates';
import type { StageDefinition } from '../stage';
import { memberValues } from './explain';

/**
 * Top-nσ (Tang et al. 2024): keeps the tokens whose logit is at least `max_logit − n·σ`, σ the
 * standard deviation (over the count, not count − 1) of the current members' finite logits;
 * members at −∞ are left out of the mean and σ, and dropped. The cut does not depend on the
 * temperature applied before it (temperature scales σ and the gap alike).
 *
 * Matches llama.cpp's `top-n-sigma` sampler in `src/llama-sampling.cpp`: the same cut, n ≤ 0
 * turns it off (llama.cpp's default is −1; ours is 0, since the range starts at 0), and a set of
 * one token is left alone. We differ in precision: our logits, mean and σ are float64, llama.cpp's
 * float32, so a token within rounding of the cut may fall on the other side.
 */
export const topNSigma = {
	name: 'top-n-sigma',
	label: 'Top-nσ',
	summary:
		'Keeps the tokens whose logit is within n standard deviations of the best one: a cut on the logits themselves, which temperature does not move.',
	panelRank: 4.4,
	offByDefault: true,
	externalOrder: { llamaCpp: 'top_n_sigma', textgen: ['top_n_sigma'] },
	params: [
		{
			key: 'topNSigma',
			label: 'Top-nσ',
			min: 0,
			max: 10,
			default: 0,
			external: {
				// llama.cpp turns it off with any n ≤ 0 (its default is −1); here 0 is off.
				llamaCpp: {
					name: 'top_n_sigma',
					read: (n) => Math.max(n, 0),
					write: (n) => (n === 0 ? -1 : n)
				},
				textgen: 'top_n_sigma',
				sillyTavern: 'nsigma'
			},
			help: {
				what: 'Keeps tokens whose logit is at least the best logit minus n standard deviations of all the logits.',
				low: '0 turns it off; 0.5 keeps only the clear leaders.',
				high: '2 and more keeps most plausible tokens; large n keeps everything.',
				typical: '1 (the paper’s choice), which stays coherent even at high temperature.',
				fixes:
					'Nonsense at high temperature: switch top-nσ on at 1 instead of lowering the temperature. Too narrow: raise n.'
			},
			slider: { min: 0, max: 5, step: 0.1 },
			sweep: { short: 'nσ' },
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ topNSigma }) => topNSigma === 0,
	create({ topNSigma: n }) {
		return {
			apply(candidates) {
				if (n <= 0 || candidates.count <= 1) return;
				// The same max and σ as sigmaOf over the members in their order, in tight loops.
				const max = candidates.maxLogit();
				candidates.retainLogRatioAtLeast(max, -n * sigmaOfMembers(candidates));
			},
			explain(candidates, _context, tracked) {
				const { logits } = candidates;
				const { max, sigma } = sigmaOf(candidates.count, (i) => logits[candidates.idAt(i)]);
				// A set of one token is left alone: no cut to show.
				const cut = candidates.count <= 1 ? -Infinity : max - n * sigma;
				return {
					facts: [
						{ key: 'sigma', label: 'σ of the logits', value: sigma },
						{ key: 'max', label: 'Best logit', value: max },
						{ key: 'cut', label: `Cut: best − ${n}σ`, value: cut }
					],
					measure: {
						label: 'Logit',
						values: memberValues(candidates, tracked, (id) => logits[id]),
						lines: [
							{ label: `best − ${n}σ`, value: cut },
							{ label: 'best', value: max }
						],
						kept: 'above'
					}
				};
			}
		};
	}
} as const satisfies StageDefinition<'top-n-sigma', 'topNSigma'>;

/**
 * The largest logit and the standard deviation (over the count) of the finite ones among
 * `count` logits, read by `logitAt`; σ is 0 when none or one is finite.
 */
export function sigmaOf(
	count: number,
	logitAt: (i: number) => number
): { max: number; sigma: number } {
	let max = -Infinity;
	let sum = 0;
	let finite = 0;
	for (let i = 0; i < count; i++) {
		const logit = logitAt(i);
		if (logit === -Infinity) continue;
		if (logit > max) max = logit;
		sum += logit;
		finite++;
	}
	if (finite === 0) return { max, sigma: 0 };
	const mean = sum / finite;
	let squares = 0;
	for (let i = 0; i < count; i++) {
		const logit = logitAt(i);
		if (logit !== -Infinity) squares += (logit - mean) * (logit - mean);
	}
	return { max, sigma: Math.sqrt(squares / finite) };
}

/**
 * {@link sigmaOf}'s σ over the members in their order, bit for bit: the same sums in the same
 * order, in loops over the logits (and ids) alone; each loop ends its function (see
 * candidates.ts on V8 recompiling loops).
 */
function sigmaOfMembers(candidates: Candidates): number {
	const { logits, ids, count, dense } = candidates;
	const list = dense ? null : ids;
	const finite = finiteCount(logits, list, count);
	if (finite === 0) return 0;
	const mean = finiteSum(logits, list, count) / finite;
	return Math.sqrt(squaredDeviations(logits, list, count, mean) / finite);
}

/** How many of the members (`ids[0..count)`, or ids 0..count-1 when null) are not −∞. */
function finiteCount(logits: Float64Array, ids: Int32Array | null, count: number): number {
	let finite = 0;
	if (ids === null) {
		for (let id = 0; id < count; id++) if (logits[id] !== -Infinity) finite++;
	} else {
		for (let i = 0; i < count; i++) if (logits[ids[i]] !== -Infinity) finite++;
	}
	return finite;
}

/** Σ of the members' finite logits, in member order. */
function finiteSum(logits: Float64Array, ids: Int32Array | null, count: number): number {
	let sum = 0;
	if (ids === null) {
		for (let id = 0; id < count; id++) if (logits[id] !== -Infinity) sum += logits[id];
	} else {
		for (let i = 0; i < count; i++) if (logits[ids[i]] !== -Infinity) sum += logits[ids[i]];
	}
	return sum;
}

/** Σ (logit − mean)² over the members' finite logits, in member order. */
function squaredDeviations(
	logits: Float64Array,
	ids: Int32Array | null,
	count: number,
	mean: number
): number {
	let squares = 0;
	if (ids === null) {
		for (let id = 0; id < count; id++) {
			const logit = logits[id];
			if (logit !== -Infinity) squares += (logit - mean) * (logit - mean);
		}
	} else {
		for (let i = 0; i < count; i++) {
			const logit = logits[ids[i]];
			if (logit !== -Infinity) squares += (logit - mean) * (logit - mean);
		}
	}
	return squares;
}
