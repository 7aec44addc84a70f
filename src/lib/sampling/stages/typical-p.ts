import type { Candidates } from '../candidates';
import type { StageDefinition } from '../stage';
import type { StageDetail } from '../stage-detail';
import { WEIGHT_SCALE, weightOf } from '../weights';

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
 * Cost: no sort of the vocabulary and no logarithm per token. One pass computes the weights and
 * m, a second the distances; the cut is found by bucketing the distances (mass per bucket),
 * narrowing into the one bucket where the cumulative mass crosses p, and sorting the few tokens
 * left there.
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
 * different orders) get the same H to the last bit.
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
		return (this.high * SPLIT + this.low) / QUANTUM;
	}
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
	/** Per member position: weight and distance, and the member ids. */
	private weights = new Float64Array(0);
	private distances = new Float64Array(0);
	private memberIds = new Int32Array(0);
	/** Member positions still in play while narrowing, and the kept member positions. */
	private list = new Int32Array(0);
	private kept = new Int32Array(0);
	private readonly bucketMass = new Float64Array(BUCKETS);
	private readonly bucketCount = new Int32Array(BUCKETS);
	private readonly weightedLogRatio = new ExactSum();
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
		const { weights, distances, memberIds } = this;
		const logits = candidates.logits;
		this.logits = logits;
		const maxLogit = candidates.maxLogit();
		let total = 0;
		const weightedLogRatio = this.weightedLogRatio;
		weightedLogRatio.reset();
		for (let i = 0; i < count; i++) {
			const id = candidates.idAt(i);
			memberIds[i] = id;
			const w = weightOf(logits[id], maxLogit);
			weights[i] = w;
			if (w === 0) continue;
			const logRatio = logits[id] - maxLogit;
			distances[i] = logRatio;
			total += w;
			weightedLogRatio.add(w * logRatio);
		}
		const centre = typicalCentre(total, weightedLogRatio.value);
		this.count = count;
		this.total = total;
		this.centre = centre;
		this.entropy = typicalEntropy(total, centre);

		// Members with weight, their distances, and the largest one.
		const list = this.list;
		let size = 0;
		let maxDistance = 0;
		for (let i = 0; i < count; i++) {
			if (weights[i] === 0) {
				distances[i] = Infinity;
				continue;
			}
			const d = Math.abs(centre - distances[i]);
			distances[i] = d;
			if (d > maxDistance) maxDistance = d;
			list[size++] = i;
		}

		this.keptCount = 0;
		this.keptWeight = 0;
		this.keepsAll = false;
		this.cutDistance = 0;
		const target = p * total;
		// Weight 0 never adds mass: if the members with weight cannot exceed the target, keep all.
		if (!(total > target)) {
			this.keepAll(count, total);
			return;
		}
		this.narrow(size, 0, maxDistance, target);
	}

	/** Makes the members the kept ones (in no particular order). */
	keep(candidates: Candidates): void {
		if (this.keepsAll) return;
		const { ids } = candidates;
		for (let i = 0; i < this.keptCount; i++) ids[i] = this.memberIds[this.kept[i]];
		candidates.count = this.keptCount;
		candidates.dense = false;
		candidates.sorted = false;
	}

	/** Calls `visit(id, distance)` for every member, distance Infinity for weight 0. */
	forEachDistance(visit: (id: number, distance: number) => void): void {
		for (let i = 0; i < this.count; i++) visit(this.memberIds[i], this.distances[i]);
	}

	private keepAll(count: number, total: number): void {
		this.keepsAll = true;
		this.keptCount = count;
		this.keptWeight = total;
		this.cutDistance = Infinity;
		for (let i = 0; i < count; i++) this.kept[i] = i;
	}

	/**
	 * Finds the cut among `list[0..size)` (distances in [low, high]) for the weight `target` still
	 * to exceed, keeping whole buckets below the crossing one and narrowing into it.
	 */
	private narrow(size: number, low: number, high: number, target: number): void {
		const { list, distances, weights, bucketMass, bucketCount } = this;
		let keptWeight = 0;
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
		this.kept = new Int32Array(vocabSize);
	}
}

function bucketOf(distance: number, low: number, scale: number): number {
	const b = Math.floor((distance - low) * scale);
	return b < 0 ? 0 : b >= BUCKETS ? BUCKETS - 1 : b;
}
