import type { Candidates } from '../candidates';
import type { StageDefinition } from '../stage';
import type { StageDetail } from '../stage-detail';
import { WEIGHT_SCALE, ZERO_WEIGHT_LOG_RATIO, weightOf } from '../weights';
import { EXP_TABLE, EXP_TOLERANCE, FAST_PASS_MIN_MEMBERS, STEPS } from './mass';

/**
 * Typical-p (locally typical sampling, Meister et al. 2022): keeps the tokens whose surprisal
 * −ln p is closest to the entropy H of the current members, taking them in increasing distance
 * |−ln p − H| until their cumulative probability exceeds p; the token that crosses p is kept
 * too, so at least one token survives. Tokens much more likely than "typical" can be dropped as
 * well as unlikely ones. p = 1 turns it off.
 *
 * Matches llama.cpp's `typical` sampler (`llama_sampler_typical_apply` in
 * `src/llama-sampling.cpp`): the same entropy, distance and test (`cum_sum > p` with min_keep 1,
 * so the token that crosses p is the last one kept). We differ in precision, so that the fast
 * sampler and the full-sort reference decide alike: a token's mass is its shared integer weight
 * w / W, and −ln p is read off its logit, ln(W / 2^32) − (logit − max), so H = ln(W / 2^32) − m
 * with m = Σ w·(logit − max) / W (summed exactly, see {@link ExactSum}) and the distance is
 * simply |m − (logit − max)|: the kept tokens are those whose logit lies closest to the
 * probability-weighted mean logit. Equal distances are taken in rank order (llama.cpp's sort
 * leaves their order open); tokens with weight 0 (below 2^−33 of the best) come last.
 *
 * Cost: no sort of the vocabulary, no logarithm and (on 1,024 members or more) no `exp` per
 * token. One pass computes the weights (from mass.ts's table and polynomial, the same integers
 * as `weightOf`; `Math.exp` only on the rare step where one might round the other way), W and m;
 * a second adds each weight to a histogram of distances (1,024 buckets per nat), whose running
 * mass finds the bucket where p is crossed; a third keeps the members of the buckets below it,
 * without a branch, and lists the crossing bucket's few, which are narrowed further and sorted.
 */
export const typicalP = {
	name: 'typical-p',
	label: 'Typical-p',
	summary:
		'Keeps the tokens whose surprise is closest to the average surprise (the entropy) until their probabilities add up to p: it can drop an over-confident favourite as well as the unlikely tail.',
	panelRank: 3.1,
	offByDefault: true,
	externalOrder: { llamaCpp: 'typ_p', textgen: ['typical_p'] },
	params: [
		{
			key: 'typicalP',
			label: 'Typical-p',
			min: 0,
			minExclusive: true,
			max: 1,
			default: 1,
			external: { llamaCpp: 'typical_p', textgen: 'typical_p', sillyTavern: 'typical_p' },
			help: {
				what: 'Locally typical sampling: keeps the tokens whose surprise (−ln p) is closest to the entropy, until their probabilities add up to p.',
				low: 'Low p keeps only the most typical tokens; when one token dominates it may even drop the favourite.',
				high: '1 keeps everything (off); 0.95 trims only the least typical tokens.',
				typical: '0.2–0.95; the paper recommends 0.2 for stories and 0.9–0.95 for general text.',
				fixes:
					'Dull, repetitive or degenerate text that top-p does not cure: switch typical-p on (0.9, lower for more variety). Incoherent: raise it.'
			},
			slider: { min: 0.01, max: 1, step: 0.01 },
			sweep: { short: 'typ-p' },
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ typicalP }) => typicalP === 1,
	create({ typicalP: p }) {
		const selection = new TypicalSelection();
		return {
			apply(candidates) {
				if (p >= 1 || candidates.count <= 1) return;
				selection.select(candidates, p);
				selection.keep(candidates);
			},
			explain(candidates, _context, tracked) {
				return explainTypical(selection, candidates, p, tracked);
			}
		};
	}
} as const satisfies StageDefinition<'typical-p', 'typicalP'>;

/**
 * The chart: each tracked token's distance |−ln p − H| (0 is the entropy itself), the cut at the
 * largest distance kept, the entropy, and how many tokens and how much mass survive.
 */
function explainTypical(
	selection: TypicalSelection,
	candidates: Candidates,
	p: number,
	tracked: readonly number[]
): StageDetail {
	const facts = [{ key: 'p', label: 'p', value: p }];
	if (p >= 1 || candidates.count <= 1) {
		return { facts, note: 'Typical-p leaves this set alone.' };
	}
	selection.select(candidates, p);
	const at = new Map(tracked.map((id, i) => [id, i]));
	const values: (number | null)[] = tracked.map(() => null);
	selection.forEachDistance((id, distance) => {
		const i = at.get(id);
		if (i !== undefined) values[i] = distance;
	});
	const entropyLine = { label: 'Entropy (distance 0)', value: 0 };
	return {
		facts: [
			{ key: 'entropy', label: 'Entropy H', value: selection.entropy, unit: 'nats' },
			...facts,
			{ key: 'kept', label: 'Tokens kept', value: selection.keptCount },
			{ key: 'keptMass', label: 'Mass kept', value: selection.keptWeight / selection.total },
			{ key: 'cut', label: 'Largest distance kept', value: selection.cutDistance, unit: 'nats' }
		],
		measure: {
			// The chart appends a unit to the label as a bare word; said in the label instead.
			label: 'Distance of −ln p from the entropy (nats)',
			values,
			lines: selection.keepsAll
				? [entropyLine]
				: [{ label: 'Cut: largest distance kept', value: selection.cutDistance }, entropyLine],
			kept: selection.keepsAll ? 'all' : 'below'
		},
		note: 'Tokens are taken from the entropy outwards, nearest first, until their mass exceeds p; a token far more likely than typical is as far away as an unlikely one.'
	};
}

/** Σ w·(logit − max) is summed in units of 2^−10, split in two integer sums: exact in any order. */
const QUANTUM = 1024;
const SPLIT = 2 ** 26;

/**
 * An order-independent sum of values of `w·(logit − max)` (each of size at most 2^32 · 23): each
 * is rounded to a multiple of 2^−10 and the integer is split in a high and a low part, each summed
 * exactly. Used for the entropy, so the fast sampler and the reference (which meet the members in
 * different orders) get the same H to the last bit: the value is the exact integer sum rounded
 * once, however it was grouped (the fast pass adds runs of {@link CHUNK} integers before
 * splitting).
 */
export class ExactSum {
	private high = 0;
	private low = 0;

	add(value: number): void {
		const units = Math.round(value * QUANTUM);
		const high = Math.floor(units / SPLIT);
		this.high += high;
		this.low += units - high * SPLIT;
	}

	reset(): void {
		this.high = 0;
		this.low = 0;
	}

	get value(): number {
		return exactSumValue(this.high, this.low);
	}

	/** The exact high and low parts, for a pass that finishes the sum elsewhere. */
	parts(): { high: number; low: number } {
		return { high: this.high, low: this.low };
	}
}

/**
 * The sum from its exact high and low parts: high·2^26 is exact, so the one addition rounds the
 * exact integer sum, whatever split gave the parts.
 */
function exactSumValue(high: number, low: number): number {
	return (high * SPLIT + low) / QUANTUM;
}

/**
 * The members' mean log-ratio `Σ w·(logit − max) / W`, the point every distance is measured
 * from: with −ln p = ln(W / 2^32) − (logit − max), the entropy is H = ln(W / 2^32) − mean, and a
 * token's distance |−ln p − H| is |mean − (logit − max)|.
 */
export function typicalCentre(total: number, weightedLogRatio: number): number {
	return weightedLogRatio / total;
}

/** Entropy in nats (the chart's H), from the total weight and the centre. */
export function typicalEntropy(total: number, centre: number): number {
	return Math.max(0, Math.log(total / WEIGHT_SCALE) - centre);
}

/** Buckets per narrowing round; lists this short are sorted outright. */
const BUCKETS = 1024;
const SORT_BELOW = 48;

/**
 * The typical-p decision for one step, with the facts the chart shows. Buffers grow to the
 * vocabulary once and are reused; `select` reads the candidates and never changes them.
 */
export class TypicalSelection {
	/**
	 * Per member position: weight, log-ratio to the best, distance (set only for the members
	 * still in play after the first split), and the member ids.
	 */
	private weights = new Float64Array(0);
	private logRatios = new Float64Array(0);
	private distances = new Float64Array(0);
	private memberIds = new Int32Array(0);
	/** Member positions still in play while narrowing, and the kept member positions. */
	private list = new Int32Array(0);
	private kept = new Int32Array(0);
	private readonly narrowMass = new Float64Array(BUCKETS);
	/** Mass per distance bucket of the first split. */
	private readonly bucketMass = new Float64Array(DISTANCE_BUCKETS);
	private readonly bucketCount = new Int32Array(BUCKETS);
	private logits: Float64Array = new Float64Array(0);

	/** Members, total weight W, entropy H (nats), and what the last `select` kept. */
	count = 0;
	total = 0;
	entropy = 0;
	/** The mean log-ratio to the best token, from which distances are measured. */
	centre = 0;
	keptCount = 0;
	keptWeight = 0;
	/** The largest distance kept (the cut), or Infinity when everything is kept. */
	cutDistance = 0;
	/** Whether every member is kept (p is never crossed). */
	keepsAll = false;

	select(candidates: Candidates, p: number): void {
		const count = candidates.count;
		this.ensure(candidates.vocabSize);
		const { weights, distances, memberIds, logRatios } = this;
		const logits = candidates.logits;
		this.logits = logits;
		const maxLogit = candidates.maxLogit();
		const ids = candidates.dense ? null : candidates.ids;
		// Weights, log-ratios, the total and Σ w·(logit − max).
		const sure =
			count >= FAST_PASS_MIN_MEMBERS &&
			fastWeightPass(logits, ids, count, maxLogit, weights, logRatios, memberIds);
		if (!sure) exactWeightPass(logits, ids, count, maxLogit, weights, logRatios, memberIds);
		const total = passOut[0];
		const centre = typicalCentre(total, exactSumValue(passOut[1], passOut[2]));
		this.count = count;
		this.total = total;
		this.centre = centre;
		this.entropy = typicalEntropy(total, centre);

		this.keptCount = 0;
		this.keptWeight = 0;
		this.keepsAll = false;
		this.cutDistance = 0;
		const target = p * total;
		const { bucketMass, list, kept } = this;
		bucketMass.fill(0);
		massByDistance(weights, logRatios, count, centre, bucketMass);
		// Weight 0 never adds mass: if the members with weight cannot exceed the target, keep all.
		if (!(total > target)) {
			this.keepAll(count, total);
			return;
		}
		// The crossing bucket: cumulative mass (exact integers) first above the target. Buckets
		// are monotone in the distance, so the ones below it are kept and the ones above are not.
		let crossing = 0;
		let below = 0;
		while (!(below + bucketMass[crossing] > target)) below += bucketMass[crossing++];
		this.keptCount = splitAtBucket(weights, logRatios, count, centre, crossing, kept, list);
		const size = passOut[0];
		// Only the crossing bucket's members need their distances from here on.
		let low = Infinity;
		let high = 0;
		for (let j = 0; j < size; j++) {
			const d = Math.abs(centre - logRatios[list[j]]);
			distances[list[j]] = d;
			if (d < low) low = d;
			if (d > high) high = d;
		}
		this.narrow(size, low, high, target, below);
	}

	/** Makes the members the kept ones (in no particular order). */
	keep(candidates: Candidates): void {
		if (this.keepsAll) return;
		copyKeptIds(candidates.ids, this.memberIds, this.kept, this.keptCount);
		candidates.count = this.keptCount;
		candidates.dense = false;
		candidates.sorted = false;
	}

	/** Calls `visit(id, distance)` for every member, distance Infinity for weight 0. */
	forEachDistance(visit: (id: number, distance: number) => void): void {
		const { weights, logRatios, centre } = this;
		for (let i = 0; i < this.count; i++) {
			const distance = weights[i] === 0 ? Infinity : Math.abs(centre - logRatios[i]);
			visit(this.memberIds[i], distance);
		}
	}

	private keepAll(count: number, total: number): void {
		this.keepsAll = true;
		this.keptCount = count;
		this.keptWeight = total;
		this.cutDistance = Infinity;
		for (let i = 0; i < count; i++) this.kept[i] = i;
	}

	/**
	 * Finds the cut among `list[0..size)` (distances in [low, high]) for the weight `target` to
	 * exceed, `keptWeight` being kept already, keeping whole buckets below the crossing one and
	 * narrowing into it.
	 */
	private narrow(
		size: number,
		low: number,
		high: number,
		target: number,
		keptWeight: number
	): void {
		const { list, distances, weights, bucketCount } = this;
		const bucketMass = this.narrowMass;
		for (;;) {
			if (size <= SORT_BELOW || !(high > low)) {
				this.finishBySort(size, target - keptWeight, keptWeight);
				return;
			}
			const scale = BUCKETS / (high - low);
			bucketMass.fill(0);
			bucketCount.fill(0);
			for (let j = 0; j < size; j++) {
				const i = list[j];
				const b = bucketOf(distances[i], low, scale);
				bucketMass[b] += weights[i];
				bucketCount[b]++;
			}
			// The crossing bucket: cumulative mass (exact integers) first above the target.
			let crossing = 0;
			let below = keptWeight;
			while (crossing < BUCKETS - 1 && !(below + bucketMass[crossing] > target)) {
				below += bucketMass[crossing];
				crossing++;
			}
			if (bucketCount[crossing] === size) {
				// Everything fell in one bucket: the distances are (nearly) equal; sort them.
				this.finishBySort(size, target - keptWeight, keptWeight);
				return;
			}
			// Partition: buckets below the crossing one are kept, the crossing one stays in play.
			let keptHere = 0;
			let next = 0;
			for (let j = 0; j < size; j++) {
				const i = list[j];
				const b = bucketOf(distances[i], low, scale);
				if (b < crossing) {
					this.kept[this.keptCount + keptHere++] = i;
				} else if (b === crossing) {
					list[next++] = i;
				}
			}
			this.keptCount += keptHere;
			keptWeight = below;
			// The crossing bucket's range; values at its edges land in it by the same formula.
			const nextLow = low + crossing / scale;
			const nextHigh = crossing === BUCKETS - 1 ? high : low + (crossing + 1) / scale;
			size = next;
			low = Math.max(low, Math.min(nextLow, high));
			high = Math.max(low, nextHigh);
			// The bucket test must still place every listed value in [low, high]: widen if needed.
			for (let j = 0; j < size; j++) {
				const d = distances[list[j]];
				if (d < low) low = d;
				if (d > high) high = d;
			}
		}
	}

	/** Sorts the last few by (distance, rank) and keeps them until the target is exceeded. */
	private finishBySort(size: number, target: number, keptWeight: number): void {
		const { list, distances, weights, memberIds, logits } = this;
		const before = (a: number, b: number) => {
			if (distances[a] !== distances[b]) return distances[a] < distances[b];
			const la = logits[memberIds[a]];
			const lb = logits[memberIds[b]];
			return la > lb || (la === lb && memberIds[a] < memberIds[b]);
		};
		if (size <= SORT_BELOW) {
			// Insertion sort in place: no allocation on the usual path.
			for (let j = 1; j < size; j++) {
				const i = list[j];
				let k = j - 1;
				for (; k >= 0 && before(i, list[k]); k--) list[k + 1] = list[k];
				list[k + 1] = i;
			}
		} else {
			// Only when many distances are equal (e.g. equal logits).
			const rest = Array.from(list.subarray(0, size)).sort((a, b) => (before(a, b) ? -1 : 1));
			list.set(rest);
		}
		let cumulative = 0;
		let cut = 0;
		for (let j = 0; j < size; j++) {
			const i = list[j];
			this.kept[this.keptCount++] = i;
			cumulative += weights[i];
			cut = distances[i];
			if (cumulative > target) break;
		}
		this.keptWeight = keptWeight + cumulative;
		this.cutDistance = cut;
	}

	private ensure(vocabSize: number): void {
		if (this.weights.length >= vocabSize) return;
		this.weights = new Float64Array(vocabSize);
		this.distances = new Float64Array(vocabSize);
		this.memberIds = new Int32Array(vocabSize);
		this.list = new Int32Array(vocabSize);
		this.logRatios = new Float64Array(vocabSize);
		this.kept = new Int32Array(vocabSize);
	}
}

function bucketOf(distance: number, low: number, scale: number): number {
	const b = Math.floor((distance - low) * scale);
	return b < 0 ? 0 : b >= BUCKETS ? BUCKETS - 1 : b;
}

/**
 * Σ w·(logit − max) adds runs of this many integers before splitting them: each is below
 * (2^32/e + 12)·2^10 < 2^40.6 in size (w·|x| ≤ (2^32·e^x + ½)·|x|, and |x|·e^x peaks at x = −1),
 * so a run's sum stays an exact integer below 2^53.
 */
const CHUNK = 2048;

/**
 * Local copies of imported constants for the hot loops: under a CommonJS transform (tsx, the
 * bench's runner) every use of an import is a property getter call, which V8 does not hoist.
 */
const EXP = EXP_TABLE;
const EXP_STEPS = STEPS;
const ZERO_WEIGHT = ZERO_WEIGHT_LOG_RATIO;
const TOLERANCE = EXP_TOLERANCE;

/** Output of the passes below: [total, high, low] of the weight pass, or a count. */
const passOut = new Float64Array(3);

/**
 * One pass over the members (`ids[0..count)`, or ids 0..count-1 when null): each one's id,
 * log-ratio to the best and weight, and into {@link passOut} the total weight and the high and
 * low parts of Σ w·(logit − max) as {@link ExactSum} sums it. The weight comes from a table and a
 * polynomial instead of `Math.exp`, as in mass.ts's `fastTotal`: the very same integer unless
 * 2^32·e^x lies within {@link EXP_TOLERANCE} of a half, and then this returns false and the
 * caller takes {@link exactWeightPass}. (Tail-free uses it too, for the total and the weights.)
 * Written out in one function that ends with its loop:
 * a call in the loop (V8 does not inline across modules) multiplies its cost.
 */
export function fastWeightPass(
	logits: Float64Array,
	ids: Int32Array | null,
	count: number,
	maxLogit: number,
	weights: Float64Array,
	logRatios: Float64Array,
	memberIds: Int32Array
): boolean {
	let total = 0;
	let high = 0;
	let low = 0;
	let nearest = 0;
	for (let start = 0; start < count; start += CHUNK) {
		const end = Math.min(count, start + CHUNK);
		let units = 0;
		for (let i = start; i < end; i++) {
			const id = ids === null ? i : ids[i];
			memberIds[i] = id;
			const logRatio = logits[id] - maxLogit;
			logRatios[i] = logRatio;
			if (logRatio < ZERO_WEIGHT) {
				weights[i] = 0;
				continue;
			}
			const scaled = logRatio * EXP_STEPS;
			// An int32 index: −floor(0) would be −0, a slow index.
			const index = -Math.floor(scaled) | 0;
			const f = (scaled + index) * (1 / EXP_STEPS);
			const v =
				EXP[index] * (1 + f * (1 + f * (1 / 2 + f * (1 / 6 + f * (1 / 24 + f * (1 / 120))))));
			// How near v lies to a half, as a running maximum of |v − w| + 10⁻¹⁴·(w + 1) (at least
			// v's error): a branch here, or any second use of v itself, tripled the loop's cost.
			const t = v + 0.5;
			const w = Math.floor(t);
			nearest = Math.max(nearest, Math.abs(t - w - 0.5) + TOLERANCE * (w + 1));
			weights[i] = w;
			total += w;
			// Math.round(w·x·2^10) (as ExactSum.add), exact here: |w·x·2^10| < 2^41, so + ½ is exact.
			units += Math.floor(w * logRatio * QUANTUM + 0.5);
		}
		const part = Math.floor(units / SPLIT);
		high += part;
		low += units - part * SPLIT;
	}
	passOut[0] = total;
	passOut[1] = high;
	passOut[2] = low;
	return nearest < 0.5 - 2e-15;
}

/** The total weight from the last {@link fastWeightPass} or {@link exactWeightPass}. */
export function weightPassTotal(): number {
	return passOut[0];
}

/** {@link fastWeightPass} with `Math.exp` (the shared `weightOf`): small sets and the rare unsure step. */
function exactWeightPass(
	logits: Float64Array,
	ids: Int32Array | null,
	count: number,
	maxLogit: number,
	weights: Float64Array,
	logRatios: Float64Array,
	memberIds: Int32Array
): void {
	const sum = new ExactSum();
	let total = 0;
	for (let i = 0; i < count; i++) {
		const id = ids === null ? i : ids[i];
		memberIds[i] = id;
		const w = weightOf(logits[id], maxLogit);
		const logRatio = logits[id] - maxLogit;
		logRatios[i] = logRatio;
		weights[i] = w;
		if (w === 0) continue;
		total += w;
		sum.add(w * logRatio);
	}
	passOut[0] = total;
	const { high, low } = sum.parts();
	passOut[1] = high;
	passOut[2] = low;
}

/** Distance buckets per nat for the first split; distances stay below 24 nats. */
const DISTANCE_PER_NAT = 1024;
const DISTANCE_BUCKETS = 24 * DISTANCE_PER_NAT;

/**
 * Adds each member's weight to the mass of its distance bucket ⌊|centre − x| · 1024⌋ (x its
 * log-ratio), which is monotone in the distance. {@link splitAtBucket} computes the same bucket.
 */
function massByDistance(
	weights: Float64Array,
	logRatios: Float64Array,
	count: number,
	centre: number,
	bucketMass: Float64Array
): void {
	for (let i = 0; i < count; i++) {
		const w = weights[i];
		if (w === 0) continue;
		const b = Math.min(
			(Math.abs(centre - logRatios[i]) * DISTANCE_PER_NAT) | 0,
			DISTANCE_BUCKETS - 1
		);
		bucketMass[b] += w;
	}
}

/**
 * Writes the member positions in buckets below `crossing` to `kept` and returns how many; those
 * in the crossing bucket go to `list`, their count to {@link passOut}[0]. Members of weight 0
 * are in neither. Each position is written and the count advanced by 0 or 1 without a branch:
 * whether a member is kept is a coin toss to the branch predictor.
 */
function splitAtBucket(
	weights: Float64Array,
	logRatios: Float64Array,
	count: number,
	centre: number,
	crossing: number,
	kept: Int32Array,
	list: Int32Array
): number {
	let keptCount = 0;
	let size = 0;
	for (let i = 0; i < count; i++) {
		if (weights[i] === 0) continue;
		const b = Math.min(
			(Math.abs(centre - logRatios[i]) * DISTANCE_PER_NAT) | 0,
			DISTANCE_BUCKETS - 1
		);
		kept[keptCount] = i;
		keptCount -= (b - crossing) >> 31; // −1 when b < crossing (>>> would leave int32)
		list[size] = i;
		size -= ((b ^ crossing) - 1) >> 31; // −1 when b === crossing
	}
	passOut[0] = size;
	return keptCount;
}

/** Writes the kept members' ids to `ids`: a function that ends with its loop (see {@link warmUp}). */
function copyKeptIds(
	ids: Int32Array,
	memberIds: Int32Array,
	kept: Int32Array,
	count: number
): void {
	for (let i = 0; i < count; i++) ids[i] = memberIds[kept[i]];
}

/**
 * Runs the passes once on a tiny set at load, so every line after their loops has type feedback
 * before V8 compiles a long loop: otherwise it compiles the loop during the first full-size
 * call, throws it away at the code after it, and did so again on every later call.
 */
function warmUp(): void {
	const logits = Float64Array.of(0, -1, -30);
	const ids = Int32Array.of(0, 1, 2);
	const weights = new Float64Array(3);
	const values = new Float64Array(3);
	const memberIds = new Int32Array(3);
	const mass = new Float64Array(DISTANCE_BUCKETS);
	for (const listed of [null, ids]) {
		fastWeightPass(logits, listed, 3, 0, weights, values, memberIds);
		massByDistance(weights, values, 3, -0.5, mass);
		splitAtBucket(weights, values, 3, -0.5, 512, ids.slice(), ids.slice());
	}
}
warmUp();
