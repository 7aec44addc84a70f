import type { Candidates } from '../candidates';
import type { StageDefinition } from '../stage';
import { setFact, type StageDetail, type StageFact, type StageLine } from '../stage-detail';
import { weightOf } from '../weights';
import { memberValues } from './explain';
import { logRatioOfProbability, massOf, totalWeightOf } from './mass';

/** How many of the best tokens Mirostat v1 fits its Zipf exponent to, unless set otherwise. */
export const MIROSTAT_V1_M = 100;

/**
 * Mirostat (Basu et al. 2021): a feedback loop that keeps the text's surprise near a target τ
 * (bits per token). It remembers μ across steps, starting at 2τ; after every pick
 * `μ ← μ − η · (s − τ)`, s = −log2 p of the chosen token in the final distribution, so a
 * surprising pick tightens the next cut and a dull one loosens it.
 *
 * - **v2** (mode 2) keeps the tokens whose surprise −log2 p is at most μ (p over the current
 *   members), and the best one if none is. Decided as `logit − max_logit ≥ ln(2^−μ · Σw / 2^32)`
 *   with the shared integer weights.
 * - **v1** (mode 1) fits a Zipf exponent ŝ to the best m members (least squares through the
 *   origin of `ln(p_i / p_{i+1})` on `ln((i + 2) / (i + 1))`, i from 0; the logit gap is that
 *   log-ratio), then keeps the top `k = (ε̂ · 2^μ / (1 − N^−ε̂))^(1/ŝ)` members, ε̂ = ŝ − 1 and
 *   N the model's vocabulary size; k is floored, at least 1.
 *
 * Matches llama.cpp's `llama_sampler_mirostat_apply` and `llama_sampler_mirostat_v2_apply` in
 * `src/llama-sampling.cpp` (μ = 2τ at the start and on reset, the same cuts and update, m = 100
 * in its common sampler), with these differences:
 * - llama.cpp's Mirostat is terminal: it draws the token itself. Here it truncates and the chain's
 *   one seeded draw picks; μ is updated from the probability of the picked token after every
 *   stage. With Mirostat last in the chain (llama.cpp runs temperature, then Mirostat) that is
 *   the same distribution and the same update.
 * - Precision: float64 logits and the shared integer weights instead of float32 probabilities,
 *   so a token within rounding of the cut may fall on the other side.
 * - Cases llama.cpp leaves undefined get a defined answer: ŝ = 1 takes the limit
 *   `ε̂ / (1 − N^−ε̂) → 1 / ln N`; a k that is not a number keeps only the best member; members
 *   whose logit is −∞ end the fit; with fewer than two members (nothing to fit) v1 keeps the set.
 * - A token the user picks in step mode instead of the sampler's draw does not update μ: like
 *   the random stream, μ follows the sampler's own draws.
 */
export const mirostat = {
	name: 'mirostat',
	label: 'Mirostat',
	summary:
		'Steers the surprise of the text towards a target τ: it cuts at a threshold μ that it lowers after a surprising pick and raises after a predictable one.',
	panelRank: 4.8,
	offByDefault: true,
	params: [
		{
			key: 'mirostatMode',
			label: 'Mirostat mode',
			min: 0,
			max: 2,
			integer: true,
			default: 0,
			external: { llamaCpp: 'mirostat', textgen: 'mirostat_mode', sillyTavern: 'mirostat_mode' },
			help: {
				what: 'Which Mirostat runs: 0 = off, 1 = version 1 (estimates how fast probabilities fall, keeps the top k), 2 = version 2 (keeps the tokens whose surprise is at most μ).',
				low: '0 turns Mirostat off.',
				high: '2 is the simpler, more common version; 1 is the original.',
				typical:
					'2, with other truncation (top-k, top-p, min-p) switched off: llama.cpp then runs only temperature and Mirostat.',
				fixes:
					'Long texts that drift into boredom or into nonsense with fixed settings: switch Mirostat on and tune τ.'
			},
			slider: { min: 0, max: 2, step: 1 },
			sweep: { short: 'Mirostat' },
			resamplesWhatIf: true
		},
		{
			key: 'mirostatTau',
			label: 'Mirostat τ',
			min: 0,
			max: 20,
			default: 5,
			external: {
				llamaCpp: 'mirostat_tau',
				textgen: 'mirostat_tau',
				sillyTavern: 'mirostat_tau'
			},
			help: {
				what: 'The surprise Mirostat aims for, in bits per token (−log2 of the chosen token’s probability, on average).',
				low: 'Below 3 the text stays predictable and may repeat itself.',
				high: 'Above 7 it allows unlikely tokens often: varied, then incoherent text.',
				typical: '3–6 (5 is llama.cpp’s default).',
				fixes: 'Dull or repetitive text: raise τ. Rambling or nonsense: lower it.'
			},
			slider: { min: 0, max: 10, step: 0.1 },
			sweep: { short: 'Mτ' },
			resamplesWhatIf: true
		},
		{
			key: 'mirostatEta',
			label: 'Mirostat η',
			min: 0,
			max: 1,
			default: 0.1,
			external: {
				llamaCpp: 'mirostat_eta',
				textgen: 'mirostat_eta',
				sillyTavern: 'mirostat_eta'
			},
			help: {
				what: 'How far μ moves after each token, per bit by which that token’s surprise missed τ.',
				low: '0 never moves μ (a fixed cut at 2τ); small values react slowly.',
				high: 'Near 1 μ swings after every token, and the cut with it.',
				typical: '0.1 (llama.cpp’s default).',
				fixes:
					'Surprise drifts away from τ for long stretches: raise η. The cut jumps around from token to token: lower it.'
			},
			slider: { min: 0, max: 1, step: 0.01 },
			sweep: { short: 'Mη' },
			resamplesWhatIf: true
		},
		{
			key: 'mirostatM',
			label: 'Mirostat v1 m',
			min: 2,
			max: 1000,
			integer: true,
			default: MIROSTAT_V1_M,
			help: {
				what: 'Version 1 only: how many of the best tokens it fits the fall of probabilities to.',
				low: 'Few tokens: a fit to the head of the distribution alone.',
				high: 'Many tokens: the tail weighs in too.',
				typical: '100 (fixed in llama.cpp and the paper).',
				fixes: 'Rarely needs changing.'
			},
			slider: { min: 2, max: 500, step: 1 },
			sweep: null,
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ mirostatMode }) => mirostatMode === 0,
	// A sweep of τ, η or m with the mode at 0 runs version 2 in its lanes.
	actingValues: { mirostatMode: 2 },
	create({ mirostatMode: mode, mirostatTau: tau, mirostatEta: eta, mirostatM: m }) {
		let mu = 2 * tau;
		/** The last pick's surprise in the final distribution, for its trace. */
		let surprise = 0;
		return {
			apply(candidates) {
				if (mode === 2) mirostatV2Cut(candidates, mu);
				else mirostatV1Cut(candidates, mu, m);
			},
			explain(candidates, _context, tracked) {
				return explainMirostat(candidates, tracked, { mode, mu, tau, m });
			},
			state: {
				save: () => [mu],
				load(saved) {
					mu = saved?.[0] ?? 2 * tau;
				},
				observe(_id, probability) {
					surprise = -Math.log2(probability);
					mu = nextMu(mu, tau, eta, probability);
				},
				explainPick(detail) {
					setFact(detail, {
						key: 'surprise',
						label: 'Surprise of the pick (after every stage)',
						value: surprise,
						unit: 'bits'
					});
					setFact(detail, {
						key: 'muAfter',
						label: 'μ after: μ − η·(surprise − τ)',
						value: mu,
						unit: 'bits'
					});
				}
			}
		};
	}
} as const satisfies StageDefinition<
	'mirostat',
	'mirostatMode' | 'mirostatTau' | 'mirostatEta' | 'mirostatM'
>;

/** μ after a pick whose probability in the final distribution was `probability`. */
export function nextMu(mu: number, tau: number, eta: number, probability: number): number {
	return mu - eta * (-Math.log2(probability) - tau);
}

/**
 * v2: keeps the members whose surprise −log2 p is at most μ (the best one if none is). The total
 * weight comes from the fast pass on a large set (the exact total without an `exp` per member).
 */
export function mirostatV2Cut(candidates: Candidates, mu: number): void {
	const { maxLogit, total } = totalWeightOf(candidates);
	candidates.retainLogRatioAtLeast(maxLogit, logRatioOfProbability(2 ** -mu, total));
}

/** v1: keeps the top k members, k from the Zipf fit of the best m and μ. */
export function mirostatV1Cut(candidates: Candidates, mu: number, m: number): void {
	const { k, ranked } = mirostatV1Plan(candidates, mu, m);
	if (k >= candidates.count) return;
	// The best `ranked` are in rank order already; more need ranking again.
	candidates.keepRanking(k <= ranked ? k : candidates.rank(k));
}

/**
 * What v1 decides on the members: the fitted ŝ (null when there is nothing to fit) and k (the
 * whole set when it keeps everything), with the best `ranked` members in rank order in `ranking`.
 */
function mirostatV1Plan(
	candidates: Candidates,
	mu: number,
	m: number
): { sHat: number | null; k: number; ranked: number } {
	const count = candidates.count;
	if (count <= 1) return { sHat: null, k: count, ranked: 0 };
	const ranked = candidates.rank(m);
	const { logits, ranking } = candidates;
	const sHat = zipfExponent(ranked, (i) => logits[ranking[i]]);
	const k = sHat === null ? count : mirostatK(sHat, mu, candidates.vocabSize, count);
	return { sHat, k, ranked };
}

/**
 * Tracing: μ, τ and the cut on the axis Mirostat decides by, each tracked member's surprise
 * −log2 p (p over the current members, from the shared weights; null for a member whose
 * weight rounds to 0, which can never be drawn). The sampler adds μ after the pick.
 */
function explainMirostat(
	candidates: Candidates,
	tracked: readonly number[],
	{ mode, mu, tau, m }: { mode: number; mu: number; tau: number; m: number }
): StageDetail {
	const { logits } = candidates;
	const mass = massOf(candidates, false);
	const surpriseOf = (id: number) => {
		const w = weightOf(logits[id], mass.maxLogit);
		return w > 0 ? -Math.log2(w / mass.total) : null;
	};
	const values = memberValues(candidates, tracked, (id) => surpriseOf(id) ?? Number.NaN).map((v) =>
		v === null || Number.isNaN(v) ? null : v
	);
	const facts: StageFact[] = [
		{ key: 'mu', label: 'μ before this token', value: mu, unit: 'bits' },
		{ key: 'tau', label: 'Target surprise τ', value: tau, unit: 'bits' }
	];
	const target: StageLine = { label: 'τ (target)', value: tau };
	if (mode === 2) {
		facts.push({ key: 'threshold', label: 'Surprise threshold (μ)', value: mu, unit: 'bits' });
		return {
			facts,
			measure: {
				label: 'Surprise −log2 p',
				unit: 'bits',
				values,
				lines: [{ label: 'μ (threshold)', value: mu }, target],
				kept: 'below'
			},
			note: 'Version 2: keeps the tokens at most μ bits surprising.'
		};
	}
	const { sHat, k, ranked } = mirostatV1Plan(candidates, mu, m);
	if (sHat !== null) facts.push({ key: 'sHat', label: 'Zipf exponent ŝ', value: sHat });
	facts.push({ key: 'k', label: 'Tokens kept (k)', value: k });
	const cuts = k < candidates.count;
	const last = cuts ? candidates.ranking[k <= ranked ? k - 1 : candidates.rank(k) - 1] : -1;
	const cut = cuts ? surpriseOf(last) : null;
	if (cut !== null) {
		facts.push({
			key: 'threshold',
			label: 'Surprise threshold (k-th token)',
			value: cut,
			unit: 'bits'
		});
	}
	return {
		facts,
		measure: {
			label: 'Surprise −log2 p',
			unit: 'bits',
			values,
			lines: [
				...(cut !== null ? [{ label: 'k-th token', value: cut }] : []),
				{ label: 'μ', value: mu },
				target
			],
			kept: cut !== null ? 'below' : 'all'
		},
		note: `Version 1: fits a Zipf law to the best ${Math.min(m, candidates.count)} tokens and keeps the top ${k}.`
	};
}

/**
 * Mirostat v1's estimate ŝ of the Zipf exponent from `count` logits in rank order (read by
 * `logitAt`): Σ t_i·b_i / Σ t_i², t_i = ln((i + 2) / (i + 1)), b_i the gap between logits i and
 * i + 1. Stops at the first −∞ logit; `null` when there is no pair to fit.
 */
export function zipfExponent(count: number, logitAt: (i: number) => number): number | null {
	let sumTB = 0;
	let sumTT = 0;
	for (let i = 0; i + 1 < count; i++) {
		const next = logitAt(i + 1);
		if (next === -Infinity) break;
		const t = Math.log((i + 2) / (i + 1));
		sumTB += t * (logitAt(i) - next);
		sumTT += t * t;
	}
	return sumTT === 0 ? null : sumTB / sumTT;
}

/**
 * How many members Mirostat v1 keeps: `(ε̂ · 2^μ / (1 − N^−ε̂))^(1/ŝ)` floored, ε̂ = ŝ − 1, N the
 * vocabulary size; at least 1 (also when it is not a number) and at most `count`.
 */
export function mirostatK(sHat: number, mu: number, vocabSize: number, count: number): number {
	const epsilon = sHat - 1;
	const scale = epsilon === 0 ? 1 / Math.log(vocabSize) : epsilon / (1 - vocabSize ** -epsilon);
	const k = Math.floor((scale * 2 ** mu) ** (1 / sHat));
	return k >= 1 ? Math.min(k, count) : 1;
}
