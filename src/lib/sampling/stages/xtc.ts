import type { Candidates } from '../candidates';
import type { StageDefinition, StepContext } from '../stage';
import type { StageDetail } from '../stage-detail';
import {
	WEIGHT_SCALE,
	ZERO_WEIGHT_LOG_RATIO,
	compareRank,
	ranksBefore,
	weightOf
} from '../weights';
import { memberValues } from './explain';
import { logRatioOfProbability, massOf } from './mass';

/**
 * XTC, "exclude top choices" (p-e-w's sampler for text-generation-webui, 2024): with
 * probability `xtcProbability`, when at least two tokens have `p ≥ xtcThreshold` (p over the
 * current members), removes all of them except the least likely one. The model's obvious
 * choices are set aside now and then while a still-plausible alternative stays, and the tail
 * below the threshold is untouched. With one token or none at the threshold it does nothing, so
 * it never leaves the obvious answer when there is only one.
 *
 * The random part: the stage takes one uniform draw `u` in [0, 1) per step and fires when
 * `u < xtcProbability` (0 never fires, 1 always does). Like every random stage it takes its draw
 * from the run's seeded stream at the start of the step, before the chain runs, whenever its
 * parameters are not neutral (see `StageDefinition.draws`): also when the step turns out to
 * have fewer than two tokens at the threshold, and also at temperature 0, where the greedy
 * pick takes no final draw but XTC, placed before temperature, still decides which tokens the
 * greedy pick sees. Neutral (no draw, skipped): `xtcProbability = 0` or `xtcThreshold > 0.5`
 * (two tokens cannot both have p > 0.5).
 *
 * "At the threshold" is decided from the shared integer weights as `logit − max_logit ≥
 * ln(threshold · W / 2³²)`, W the members' total weight, like the epsilon cutoff, so the fast
 * sampler and the full-sort reference agree; "least likely" is the last of them in rank order
 * (lowest logit, higher id on ties). The threshold range starts above 0: at 0 every member,
 * even one of weight 0 that can never be drawn, would be "at the threshold".
 *
 * Cost: no sort, and no exp per token in the usual case; W is bounded from histograms of the
 * log-ratios and summed exactly only when a token's p sits within 0.1% of the threshold (see
 * {@link topChoices}). A step whose draw does not fire costs nothing.
 *
 * Matches llama.cpp's `xtc` sampler (`llama_sample_xtc_apply` in `src/llama-sampling.cpp`): off
 * for probability ≤ 0 or threshold > 0.5; otherwise the tokens in sorted order with `p ≥
 * threshold` are dropped but the last of them, when there are at least two. We differ in where
 * the draw comes from and when it is taken: llama.cpp draws from the XTC sampler's own
 * generator, only when the stage is on and has two candidates or more, and fires on `chance ≤
 * probability`; ours is the run's stream, taken every step, firing on `u < probability` (the same
 * odds). Its `min_keep` has no counterpart (we always keep at least the one token).
 */
export const xtc = {
	name: 'xtc',
	label: 'XTC',
	summary:
		'Now and then (with the set probability) removes every token at or above the threshold except the least likely of them, steering away from the most obvious choices.',
	panelRank: 4.6,
	offByDefault: true,
	draws: 1,
	params: [
		{
			key: 'xtcProbability',
			label: 'XTC probability',
			min: 0,
			max: 1,
			default: 0,
			help: {
				what: 'The chance, each step, that XTC removes the top choices (the draw comes from the run’s seed).',
				low: '0 turns XTC off; 0.1 steps away from the obvious token now and then.',
				high: '1 does it at every step where two tokens reach the threshold, which soon reads oddly.',
				typical: '0.5 with threshold 0.1 (the recipe XTC was published with), with min-p 0.02.',
				fixes:
					'Stock phrases and clichés in creative writing: raise the probability. Text drifting or losing the thread: lower it.'
			},
			slider: { min: 0, max: 1, step: 0.01 },
			external: {
				llamaCpp: 'xtc_probability',
				textgen: 'xtc_probability',
				sillyTavern: 'xtc_probability'
			},
			sweep: { short: 'xtc p' },
			resamplesWhatIf: true
		},
		{
			key: 'xtcThreshold',
			label: 'XTC threshold',
			min: 0,
			minExclusive: true,
			max: 1,
			default: 0.1,
			help: {
				what: 'How likely a token must be to count as a top choice XTC may remove.',
				low: 'Small values (0.05) count many tokens as top choices, so XTC leaves only a fairly unlikely one.',
				high: 'Above 0.5 XTC can never fire (two tokens cannot both exceed one half); near 0.5 it fires only on close calls.',
				typical: '0.1 (the default of llama.cpp and text-generation-webui).',
				fixes:
					'XTC picks strange tokens when it fires: raise the threshold. It changes too little: lower it.'
			},
			slider: { min: 0.01, max: 0.5, step: 0.01 },
			external: {
				llamaCpp: 'xtc_threshold',
				textgen: 'xtc_threshold',
				sillyTavern: 'xtc_threshold'
			},
			sweep: { short: 'xtc t' },
			resamplesWhatIf: true
		}
	],
	externalOrder: { llamaCpp: 'xtc', textgen: ['xtc'] },
	isNeutral: ({ xtcProbability, xtcThreshold }) => xtcProbability === 0 || xtcThreshold > 0.5,
	create({ xtcProbability, xtcThreshold }) {
		return {
			apply(candidates, context) {
				if (!(drawOf(context) < xtcProbability)) return;
				const top = topChoices(candidates, xtcThreshold);
				if (top.count >= 2) removeTopChoicesBut(candidates, top);
			},
			explain(candidates, context, tracked) {
				return explainXtc(candidates, drawOf(context), xtcProbability, xtcThreshold, tracked);
			}
		};
	}
} as const satisfies StageDefinition<'xtc', 'xtcProbability' | 'xtcThreshold'>;

/** The step's draw for XTC, which the sampler takes before the chain runs. */
function drawOf(context: StepContext): number {
	const u = context.draws?.[0];
	if (u === undefined) throw new Error('XTC runs without its draw for the step');
	return u;
}

/** Tokens the chart names as excluded, at most (the count is among the facts). */
const MAX_LISTED = 20;

/**
 * XTC's chart: its draw against the probability (whether it fired), each tracked token's p
 * against the threshold, and the tokens it excluded. When it removes tokens its decision line
 * is the least likely top choice's p (it keeps that token and everything below), with the
 * threshold as a second line; otherwise only the threshold is drawn and nothing is cut.
 */
function explainXtc(
	candidates: Candidates,
	u: number,
	probability: number,
	threshold: number,
	tracked: readonly number[]
): StageDetail {
	const fired = u < probability;
	const top = topChoices(candidates, threshold);
	const removes = fired && top.count >= 2;
	const { maxLogit, total } = massOf(candidates, false);
	const { logits } = candidates;
	const probabilityOf = (id: number) => weightOf(logits[id], maxLogit) / total;
	const excluded: number[] = [];
	if (removes) {
		for (let i = 0; i < candidates.count; i++) {
			const id = candidates.idAt(i);
			if (id !== top.keep && logits[id] - top.maxLogit >= top.cut) excluded.push(id);
		}
		excluded.sort((a, b) => compareRank(logits, a, b));
	}
	// Counted exactly (topChoices only bounds counts below 2).
	const cut = logRatioOfProbability(threshold, total);
	let atThreshold = 0;
	for (let i = 0; i < candidates.count; i++) {
		if (logits[candidates.idAt(i)] - maxLogit >= cut) atThreshold++;
	}
	const thresholdLine = { label: 'Threshold', value: threshold };
	const detail: StageDetail = {
		facts: [
			{ key: 'u', label: 'Draw u', value: u },
			{ key: 'probability', label: 'XTC probability', value: probability },
			{ key: 'fired', label: 'Fired (u < probability)', value: fired ? 1 : 0 },
			{ key: 'threshold', label: 'Threshold', value: threshold },
			{ key: 'topChoices', label: 'Tokens at the threshold or above', value: atThreshold },
			{ key: 'excluded', label: 'Tokens excluded', value: excluded.length }
		],
		measure: {
			label: 'Probability',
			values: memberValues(candidates, tracked, probabilityOf),
			lines: removes
				? [
						{ label: 'Least likely top choice (kept)', value: probabilityOf(top.keep) },
						thresholdLine
					]
				: [thresholdLine],
			kept: removes ? 'below' : 'all',
			scale: 'log'
		},
		note: xtcNote(u, probability, threshold, removes, atThreshold, excluded.length)
	};
	if (removes) {
		detail.sequences = [
			{
				label:
					excluded.length > MAX_LISTED
						? `Excluded (the ${MAX_LISTED} likeliest of ${excluded.length})`
						: 'Excluded',
				ids: excluded.slice(0, MAX_LISTED)
			},
			{ label: 'Kept at the threshold', ids: [top.keep] }
		];
	}
	return detail;
}

function xtcNote(
	u: number,
	probability: number,
	threshold: number,
	removes: boolean,
	atThreshold: number,
	excluded: number
): string {
	const draw = `u = ${u.toFixed(3)}`;
	const p = `p ≥ ${threshold}`;
	if (!(u < probability)) {
		return `${draw} ≥ ${probability}: XTC did not fire this step${atThreshold >= 2 ? ` (it would have excluded ${atThreshold - 1} of the ${atThreshold} tokens with ${p})` : ''}.`;
	}
	if (!removes) {
		return `${draw} < ${probability}: XTC fired, but ${atThreshold === 0 ? 'no token has' : 'only one token has'} ${p}, so it excluded nothing.`;
	}
	return `${draw} < ${probability}: XTC fired and excluded ${excluded === 1 ? 'the token' : `the ${excluded} tokens`} with ${p} above the least likely of them, which it kept.`;
}

/** The members at or above `threshold`: how many, the cut that decides it, and the least likely. */
export interface TopChoices {
	/** How many members are at the threshold: exact when 2 or more; 0 or 1 means fewer than 2. */
	count: number;
	maxLogit: number;
	/** A member is at the threshold exactly when `logit − maxLogit ≥ cut`. */
	cut: number;
	/** The least likely member at the threshold (the one XTC keeps), or −1 when there is none. */
	keep: number;
	/** Whether it took the members' exact total weight (an exp per member) to decide. */
	summed: boolean;
}

/**
 * Histograms of the members' log-ratios to the best, at a fixed resolution, that bound the
 * total weight W from below and above without an exp per member.
 */
class WeightBounds {
	/** Buckets per nat: bucket `b = ⌊−d · perNat⌋` holds `d ∈ [−(b+1)/perNat, −b/perNat]`. */
	readonly perNat: number;
	private readonly counts: Int32Array;
	private lowWeight: Float64Array | null = null;
	private highWeight: Float64Array | null = null;

	constructor(perNat: number) {
		this.perNat = perNat;
		this.counts = new Int32Array(-ZERO_WEIGHT_LOG_RATIO * perNat + 1);
	}

	/** `[low, high]` with low ≤ W ≤ high, W the members' total weight relative to `maxLogit`. */
	bound(candidates: Candidates, maxLogit: number): [number, number] {
		const { counts, perNat } = this;
		const { logits, ids, count } = candidates;
		counts.fill(0);
		// Below ZERO_WEIGHT_LOG_RATIO a member weighs 0 (−∞ included); above it −d · perNat ≥ 0,
		// so truncating is flooring. A dense set is every id in order: no list to read.
		const floor = maxLogit + ZERO_WEIGHT_LOG_RATIO;
		if (candidates.dense) {
			for (let id = 0; id < count; id++) {
				const logit = logits[id];
				if (logit >= floor) counts[((maxLogit - logit) * perNat) | 0]++;
			}
		} else {
			for (let i = 0; i < count; i++) {
				const logit = logits[ids[i]];
				if (logit >= floor) counts[((maxLogit - logit) * perNat) | 0]++;
			}
		}
		// Each bucket's bounds, computed once: exp at the bucket's edges, rounded outwards with a
		// slack far above the rounding of −d · perNat and of exp.
		const lowWeight = (this.lowWeight ??= Float64Array.from(counts, (_, b) =>
			Math.floor(Math.exp(-(b + 1) / perNat) * WEIGHT_SCALE * (1 - 1e-12))
		));
		const highWeight = (this.highWeight ??= Float64Array.from(counts, (_, b) =>
			Math.ceil(Math.exp(-b / perNat) * WEIGHT_SCALE * (1 + 1e-12))
		));
		let low = 0;
		let high = 0;
		for (let b = 0; b < counts.length; b++) {
			const n = counts[b];
			if (n === 0) continue;
			low += n * lowWeight[b];
			high += n * highWeight[b];
		}
		return [low, high];
	}
}

/** Coarse bounds (within 1.6% of each other) first, then fine ones (within 0.1%). */
const BOUNDS = [new WeightBounds(64), new WeightBounds(1024)];

/**
 * Finds the members at or above `threshold`, deciding exactly as with the members' total weight
 * W (what the full-sort reference sums). Summing W takes an exp per member, by far the dearest
 * part at 151,936 tokens, so this first bounds W from histograms of the log-ratios and compares
 * every member to the cuts of both bounds. The cut grows with W, so a member at the low bound's
 * cut or above and one below the high bound's cut are decided. Only when a member falls between
 * the two cuts at both resolutions, and two or more might be at the threshold, does it sum W.
 */
export function topChoices(candidates: Candidates, threshold: number): TopChoices {
	const maxLogit = candidates.maxLogit();
	for (const bounds of BOUNDS) {
		const [low, high] = bounds.bound(candidates, maxLogit);
		const lowCut = logRatioOfProbability(threshold, low);
		const highCut = logRatioOfProbability(threshold, high);
		const { count, keep, surely } = membersAtLeast(candidates, maxLogit, lowCut, highCut);
		// Fewer than two at the low cut: XTC cannot fire. None between the cuts: the exact cut
		// lets the same members through.
		if (count <= 1 || surely === count) {
			return { count, maxLogit, cut: lowCut, keep, summed: false };
		}
	}
	const { total } = massOf(candidates, false);
	const cut = logRatioOfProbability(threshold, total);
	const { count, keep } = membersAtLeast(candidates, maxLogit, cut, cut);
	return { count, maxLogit, cut, keep, summed: true };
}

/**
 * How many members have `logit − maxLogit ≥ cut`, the last of them in rank order, and how many
 * of them also reach `highCut` (≥ cut).
 */
function membersAtLeast(
	candidates: Candidates,
	maxLogit: number,
	cut: number,
	highCut: number
): { count: number; keep: number; surely: number } {
	const { logits, ids, dense } = candidates;
	let count = 0;
	let surely = 0;
	let keep = -1;
	// A cheap test first, a margin below the exact one for rounding: most members fail it.
	const lowest = maxLogit + cut - 1e-9 * (1 + Math.abs(maxLogit) + Math.abs(cut));
	for (let i = 0; i < candidates.count; i++) {
		const id = dense ? i : ids[i];
		if (logits[id] < lowest) continue;
		const d = logits[id] - maxLogit;
		if (d >= cut) {
			count++;
			if (d >= highCut) surely++;
			if (keep === -1 || ranksBefore(logits, keep, id)) keep = id;
		}
	}
	return { count, keep, surely };
}

/** Removes the members at the threshold except `keep`, leaving the rest in their order. */
function removeTopChoicesBut(candidates: Candidates, { maxLogit, cut, keep }: TopChoices): void {
	const { logits, ids } = candidates;
	let kept = 0;
	for (let i = 0; i < candidates.count; i++) {
		const id = candidates.idAt(i);
		if (id === keep || !(logits[id] - maxLogit >= cut)) ids[kept++] = id;
	}
	candidates.count = kept;
	candidates.dense = false;
}
