import { stageValues, validateSamplingParams, type SamplingParams } from './params';
import { Xoshiro128StarStar, randomSeed } from './rng';
import { dynamicTemperatureOf, entropyOfMembers } from './stages/dynamic-temperature';
import { dryPenalty, dryWindowSize } from './stages/dry';
import { tableWeightOf } from './stages/mass';
import { etaThreshold } from './stages/eta-cutoff';
import { penalizeFrequencyPresence } from './stages/frequency-presence';
import { smoothLogit } from './stages/quadratic-smoothing';
import { mirostatK, nextMu, zipfExponent } from './stages/mirostat';
import { penalizeRepetition } from './stages/repetition-penalty';
import { TFS_FLAT, tfsFlatCut } from './stages/tail-free';
import { topAMinLogRatio } from './stages/top-a';
import { stageDefinition } from './stages/registry';
import { sigmaOf } from './stages/top-n-sigma';
import { ExactSum, typicalCentre } from './stages/typical-p';
import { WEIGHT_SCALE, weightOf } from './weights';

interface Candidate {
	id: number;
	logit: number;
}

/**
 * A straightforward implementation of the same chain: an object per token, a full sort wherever
 * order matters. It is the baseline the fast {@link Sampler} is checked against (same tokens for
 * the same inputs) and timed against in `npm run bench`. Not used by the app.
 */
export class ReferenceSampler {
	readonly seed: number;
	private readonly rng: Xoshiro128StarStar;
	/** Mirostat's μ, carried from step to step. */
	private mu: number;

	constructor(
		private readonly params: SamplingParams,
		private readonly vocabSize: number,
		/** The model's token texts, for DRY's sequence breakers (none without them). */
		private readonly tokenTexts?: readonly string[]
	) {
		validateSamplingParams(params, { vocabSize });
		this.seed = params.seed ?? randomSeed();
		this.rng = Xoshiro128StarStar.fromSeed(this.seed);
		this.mu = 2 * params.mirostatTau;
	}

	sample(distribution: Float32Array, history: ArrayLike<number>): number {
		const p = this.params;
		let candidates: Candidate[] = Array.from(distribution, (logit, id) => ({ id, logit }));
		let greedy = false;
		// The random stages' draws come first, in chain order, then the final draw (if any).
		const draws = this.stageDraws();
		for (const stage of p.order) {
			switch (stage) {
				case 'logit-bias':
					for (const c of candidates) {
						const bias = p.logitBias[c.id];
						if (bias !== undefined) c.logit += bias;
					}
					break;
				case 'repetition-penalty': {
					const counts = windowCounts(history, p.repeatLastN);
					for (const c of candidates) {
						if (counts.has(c.id)) {
							c.logit = penalizeRepetition(c.logit, p.repeatPenalty);
						}
					}
					break;
				}
				case 'frequency-presence': {
					const counts = windowCounts(history, p.repeatLastN);
					for (const c of candidates) {
						const count = counts.get(c.id);
						if (count !== undefined) {
							c.logit = penalizeFrequencyPresence(
								c.logit,
								count,
								p.frequencyPenalty,
								p.presencePenalty
							);
						}
					}
					break;
				}
				case 'temperature':
					// Temperature defers to dynamic temperature, which applies T itself.
					if (p.dynatempRange > 0 && p.order.includes('dynamic-temperature')) break;
					if (p.temperature === 0) {
						candidates = [sortByRank(candidates)[0]];
						greedy = true;
					} else {
						const scale = 1 / p.temperature;
						for (const c of candidates) c.logit *= scale;
					}
					break;
				case 'top-k':
					if (p.topK > 0) candidates = sortByRank(candidates).slice(0, p.topK);
					break;
				case 'top-p':
					if (p.topP < 1) candidates = nucleus(sortByRank(candidates), p.topP);
					break;
				case 'min-p':
					if (p.minP > 0) {
						const max = candidates.reduce((m, c) => Math.max(m, c.logit), -Infinity);
						const minLogRatio = Math.log(p.minP);
						candidates = candidates.filter((c) => c.logit - max >= minLogRatio);
					}
					break;
				case 'top-a':
					if (p.topA > 0) {
						const sorted = sortByRank(candidates);
						const total = sum(weights(sorted));
						candidates = keepAtLeast(sorted, topAMinLogRatio(p.topA, total));
					}
					break;
				case 'epsilon-cutoff':
					if (p.epsilonCutoff > 0) {
						const sorted = sortByRank(candidates);
						const total = sum(weights(sorted));
						candidates = keepAtLeast(sorted, Math.log((p.epsilonCutoff * total) / WEIGHT_SCALE));
					}
					break;
				case 'top-n-sigma':
					if (p.topNSigma > 0 && candidates.length > 1) {
						const { max, sigma } = sigmaOf(candidates.length, (i) => candidates[i].logit);
						const kept = candidates.filter((c) => c.logit - max >= -p.topNSigma * sigma);
						candidates = kept.length > 0 ? kept : [sortByRank(candidates)[0]];
					}
					break;
				case 'typical-p':
					if (p.typicalP < 1 && candidates.length > 1) {
						candidates = typical(sortByRank(candidates), p.typicalP);
					}
					break;
				case 'tail-free':
					if (p.tfsZ < 1 && candidates.length > 2) {
						candidates = tailFree(sortByRank(candidates), p.tfsZ);
					}
					break;
				case 'dry':
					if (p.dryMultiplier !== 0 && p.dryPenaltyLastN !== 0) {
						const isBreaker = (id: number) =>
							this.tokenTexts !== undefined &&
							p.drySequenceBreakers.some((b) => this.tokenTexts?.[id].includes(b));
						const lengths = dryRepeats(history, p, isBreaker);
						for (const c of candidates) {
							const length = lengths.get(c.id);
							if (length !== undefined) c.logit -= dryPenalty(p, length);
						}
					}
					break;
				case 'eta-cutoff':
					if (p.etaCutoff > 0) {
						const sorted = sortByRank(candidates);
						const w = weights(sorted);
						const total = sum(w);
						// Entropy in nats of w / total: ln W − Σ w·ln w / W.
						const weightedLog = sum(w.map((x) => (x > 0 ? x * Math.log(x) : 0)));
						const entropy = Math.max(0, Math.log(total) - weightedLog / total);
						const threshold = etaThreshold(p.etaCutoff, entropy);
						candidates = keepAtLeast(sorted, Math.log((threshold * total) / WEIGHT_SCALE));
					}
					break;
				case 'dynamic-temperature':
					if (p.dynatempRange > 0 && candidates.length > 1) {
						const max = candidates.reduce((m, c) => Math.max(m, c.logit), -Infinity);
						// Summed in ascending id order, as the fast sampler does.
						const byId = [...candidates].sort((a, b) => a.id - b.id);
						const entropy = entropyOfMembers(byId.length, (i) => byId[i].logit, max);
						const { temperature } = dynamicTemperatureOf(
							p.temperature,
							p.dynatempRange,
							p.dynatempExponent,
							entropy,
							candidates.length
						);
						if (temperature === 0) {
							candidates = [sortByRank(candidates)[0]];
						} else {
							const scale = 1 / temperature;
							for (const c of candidates) c.logit *= scale;
						}
					}
					break;
				case 'quadratic-smoothing':
					if (p.smoothingFactor > 0) {
						const max = candidates.reduce((m, c) => Math.max(m, c.logit), -Infinity);
						for (const c of candidates) {
							c.logit = smoothLogit(c.logit, max, p.smoothingFactor, p.smoothingCurve);
						}
					}
					break;
				case 'no-repeat-ngram':
					if (p.noRepeatNgramSize > 0) {
						const banned = ngramBans(history, p.noRepeatNgramSize);
						const kept = candidates.filter((c) => !banned.has(c.id));
						const finite = kept.some((c) => c.logit > -Infinity);
						candidates = finite ? kept : [sortByRank(candidates)[0]];
					}
					break;
				case 'mirostat':
					if (p.mirostatMode === 2) {
						const sorted = sortByRank(candidates);
						const total = sum(weights(sorted));
						candidates = keepAtLeast(sorted, Math.log((2 ** -this.mu * total) / WEIGHT_SCALE));
					} else if (p.mirostatMode === 1 && candidates.length > 1) {
						const sorted = sortByRank(candidates);
						const fitted = Math.min(p.mirostatM, sorted.length);
						const sHat = zipfExponent(fitted, (i) => sorted[i].logit);
						if (sHat !== null) {
							const k = mirostatK(sHat, this.mu, this.vocabSize, sorted.length);
							candidates = sorted.slice(0, k);
						}
					}
					break;
				case 'xtc': {
					const u = draws.get('xtc');
					if (u !== undefined && u[0] < p.xtcProbability) {
						const sorted = sortByRank(candidates);
						const total = sum(weights(sorted));
						const cut = Math.log((p.xtcThreshold * total) / WEIGHT_SCALE);
						const top = sorted.filter((c) => c.logit - sorted[0].logit >= cut).length;
						// All at the threshold but the least likely of them, when there are two or more.
						if (top >= 2) candidates = sorted.slice(top - 1);
					}
					break;
				}
			}
		}
		const final = sortByRank(candidates);
		const id = greedy ? final[0].id : draw(final, this.rng.nextFloat());
		if (p.order.includes('mirostat') && p.mirostatMode !== 0) {
			// μ learns from the chosen token's probability in the final distribution.
			const w = weights(final);
			const chosen = w[final.findIndex((c) => c.id === id)];
			this.mu = nextMu(this.mu, p.mirostatTau, p.mirostatEta, chosen / sum(w));
		}
		return id;
	}

	/** Each non-neutral stage's declared number of draws, taken in chain order. */
	private stageDraws(): Map<string, number[]> {
		const p = this.params;
		const values = stageValues(p);
		const draws = new Map<string, number[]>();
		for (const name of p.order) {
			const definition = stageDefinition(name);
			if (!definition.draws || definition.isNeutral(values, { logitBias: p.logitBias })) continue;
			draws.set(
				name,
				Array.from({ length: definition.draws }, () => this.rng.nextFloat())
			);
		}
		return draws;
	}
}

/**
 * Every token that follows an earlier occurrence of the context's last n − 1 tokens: the n-grams
 * of the context, keyed by their first n − 1 tokens, looked up with that suffix.
 */
function ngramBans(history: ArrayLike<number>, n: number): Set<number> {
	const ids = Array.from(history);
	const followers = new Map<string, Set<number>>();
	for (let j = 0; j + n <= ids.length; j++) {
		const key = ids.slice(j, j + n - 1).join(',');
		const set = followers.get(key) ?? new Set<number>();
		set.add(ids[j + n - 1]);
		followers.set(key, set);
	}
	return followers.get(ids.slice(ids.length - n + 1).join(',')) ?? new Set();
}

/**
 * DRY by brute force: for every earlier end position in the window, the longest common suffix
 * of the window up to there and the whole window (not reaching past the last breaker); the token
 * after that position would extend it. Token → longest such length ≥ the allowed length.
 */
function dryRepeats(
	history: ArrayLike<number>,
	p: SamplingParams,
	isBreaker: (id: number) => boolean
): Map<number, number> {
	const ids = Array.from(history);
	const size = dryWindowSize(ids.length, p.dryPenaltyLastN);
	const window = ids.slice(ids.length - size);
	const lengths = new Map<number, number>();
	if (size <= p.dryAllowedLength) return lengths;
	let limit = size;
	for (let back = 0; back < size; back++) {
		if (isBreaker(window[size - 1 - back])) {
			limit = back;
			break;
		}
	}
	for (let j = 0; j < size - 1; j++) {
		let length = 0;
		while (length <= j && window[j - length] === window[size - 1 - length]) length++;
		length = Math.min(length, limit);
		const next = window[j + 1];
		if (length >= p.dryAllowedLength && !isBreaker(next)) {
			lengths.set(next, Math.max(lengths.get(next) ?? 0, length));
		}
	}
	return lengths;
}

function windowCounts(history: ArrayLike<number>, repeatLastN: number): Map<number, number> {
	const ids = Array.from(history);
	const window = repeatLastN < 0 ? ids : repeatLastN === 0 ? [] : ids.slice(-repeatLastN);
	const counts = new Map<number, number>();
	for (const id of window) counts.set(id, (counts.get(id) ?? 0) + 1);
	return counts;
}

function sortByRank(candidates: Candidate[]): Candidate[] {
	return [...candidates].sort((a, b) => {
		if (a.logit !== b.logit) return a.logit > b.logit ? -1 : 1;
		return a.id - b.id;
	});
}

function weights(sorted: Candidate[]): number[] {
	return sorted.map((c) => weightOf(c.logit, sorted[0].logit));
}

function sum(values: number[]): number {
	return values.reduce((total, x) => total + x, 0);
}

/** The members of `sorted` with `logit − best ≥ minLogRatio`, or the best alone if none. */
function keepAtLeast(sorted: Candidate[], minLogRatio: number): Candidate[] {
	const kept = sorted.filter((c) => c.logit - sorted[0].logit >= minLogRatio);
	return kept.length > 0 ? kept : [sorted[0]];
}

function nucleus(sorted: Candidate[], topP: number): Candidate[] {
	const w = weights(sorted);
	const target = topP * w.reduce((sum, x) => sum + x, 0);
	let mass = 0;
	for (let i = 0; i < sorted.length; i++) {
		mass += w[i];
		if (mass >= target) return sorted.slice(0, i + 1);
	}
	return sorted;
}

/**
 * Typical-p: the members in increasing distance |−ln p − H| = |m − (logit − max)| (sorting the
 * rank order, equal distances keep it) until their weight exceeds p·W, with the table weights
 * typical-p defines (`tableWeightOf`).
 */
function typical(sorted: Candidate[], p: number): Candidate[] {
	const w = sorted.map((c) => tableWeightOf(c.logit - sorted[0].logit));
	const total = sum(w);
	const logRatios = sorted.map((c) => c.logit - sorted[0].logit);
	const weighted = new ExactSum();
	w.forEach((x, i) => x > 0 && weighted.add(x * logRatios[i]));
	const centre = typicalCentre(total, weighted.value);
	const distance = w.map((x, i) => (x > 0 ? Math.abs(centre - logRatios[i]) : Infinity));
	const order = sorted
		.map((_, i) => i)
		.sort((a, b) => (distance[a] !== distance[b] ? (distance[a] < distance[b] ? -1 : 1) : a - b));
	const target = p * total;
	let mass = 0;
	for (let k = 0; k < order.length; k++) {
		mass += w[order[k]];
		if (mass > target) return order.slice(0, k + 1).map((i) => sorted[i]);
	}
	return sorted;
}

/**
 * Tail-free: second differences of the sorted table weights (`tableWeightOf`, tail-free's
 * definition of a weight), their running sum against z·S, the first
 * i ≥ 1 past it keeps i tokens; a straight line (S ≤ 10⁻⁶·W) counts each difference alike.
 */
function tailFree(sorted: Candidate[], z: number): Candidate[] {
	const w = sorted.map((c) => tableWeightOf(c.logit - sorted[0].logit));
	const second = w.slice(0, -2).map((x, i) => Math.abs(x - 2 * w[i + 1] + w[i + 2]));
	const total = sum(second);
	if (!(total > TFS_FLAT * sum(w))) return sorted.slice(0, tfsFlatCut(z, sorted.length));
	let cumulative = 0;
	for (let i = 0; i < second.length; i++) {
		cumulative += second[i];
		if (cumulative > z * total && i >= 1) return sorted.slice(0, i);
	}
	return sorted;
}

function draw(sorted: Candidate[], u: number): number {
	const w = weights(sorted);
	const threshold = u * w.reduce((sum, x) => sum + x, 0);
	let cumulative = 0;
	for (let i = 0; i < sorted.length; i++) {
		cumulative += w[i];
		if (cumulative > threshold) return sorted[i].id;
	}
	return sorted[0].id;
}
