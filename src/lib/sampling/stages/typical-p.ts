import type { Candidates } from '../candidates';
import type { StageDefinition } from '../stage';
import type { StageDetail } from '../stage-detail';
import { MAX_VOCAB_SIZE, WEIGHT_SCALE, ZERO_WEIGHT_LOG_RATIO, ranksBefore } from '../weights';
import { EXP_TABLE, ROUNDER, STEPS, tableWeightOf } from './mass';

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
 * sampler and the full-sort reference decide alike: a token's mass is its integer weight w / W,
 * with w from mass.ts's `tableWeightOf` (2^32·e^x from a table and a polynomial, within 1e-14 of
 * `Math.exp`'s, so w differs from the shared weight by 1 at most, and only where 2^32·e^x lies
 * within about 1e-14 of a half), and −ln p is read off its logit, ln(W / 2^32) − (logit − max),
 * so H = ln(W / 2^32) − m with m = Σ w·(logit − max) / W (summed exactly, see {@link ExactSum})
 * and the distance is simply |m − (logit − max)|: the kept tokens are those whose logit lies
 * closest to the probability-weighted mean logit. Equal distances are taken in rank order
 * (llama.cpp's sort leaves their order open); tokens with weight 0 (below e^−23 of the best)
 * come last.
 *
 * Cost: two passes over the members, no sort of the vocabulary, no `exp` and no logarithm per
 * token. The first computes each weight and adds it to W, to Σ w·(logit − max) and to the mass of
 * its bin of log-ratio (1/128 nat, the table's own step). The kept tokens are those within the
 * cut distance of m, an interval of log-ratio: walking the bins outwards from m bounds the cut
 * between two bin edges, so every bin is kept, dropped or left in play. The second pass lists
 * the kept bins' members and the few in play, whose exact distances, sorted, give the cut.
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
				selection.select(candidates, p, candidates.ids);
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
 * is rounded to the nearest multiple of 2^−10 (ties to even) and the integer is split in a high
 * and a low part, each summed exactly. Used for the entropy, so the fast sampler and the
 * reference (which meet the members in different orders) get the same H to the last bit: the
 * value is the exact integer sum rounded once, however it was grouped (the fast pass adds runs of
 * {@link CHUNK} integers before splitting).
 */
export class ExactSum {
	private high = 0;
	private low = 0;

	add(value: number): void {
		// |value·2^10| < 2^51, where adding and subtracting ROUNDER rounds to an integer.
		const units = value * QUANTUM + ROUNDER - ROUNDER;
		const high = Math.floor(units / SPLIT);
		this.high += high;
		this.low += units - high * SPLIT;
	}

	get value(): number {
		return exactSumValue(this.high, this.low);
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

/**
 * Bins of log-ratio x: bin j holds the members whose x·128, rounded to the nearest integer, is
 * −j, which is the table step their weight is read from. Members below −23 weigh 0 and have none.
 */
const BINS = EXP_TABLE.length;
/** A bin's class in the split: all its members dropped, all kept, or all in play. */
const DROPPED = 0;
const KEPT = 1;
const IN_PLAY = 2;
/**
 * Bins below this one hold no member of weight 0 (each weighs at least 2^32·e^(−j/128 − 1/256),
 * above ½); beyond it a bin may, and is never kept whole. (A safety net: these bins lie 22.9
 * nats below the best token, so the cut, which is at most the best token's distance from a
 * centre near it, does not reach them on the vocabularies we accept.)
 */
const POSITIVE_BINS = firstBinThatMayHoldZero();
/**
 * Every selection's bin masses, bin classes and members' bins (used within one `select` call,
 * so they can be shared): module constants, which V8 compiles into the hot loops as fixed
 * addresses, where a field or an argument costs a reload of the array's base and length after
 * every store (the second pass took 40% longer).
 */
const BIN_MASS = new Float64Array(BINS);
const BIN_CLASS = new Int32Array(BINS + 1);
/** Each member's bin, by member position ({@link BINS} below −23); pages untouched cost nothing. */
const BIN_OF = new Uint16Array(MAX_VOCAB_SIZE);
/** Below this many members all of them are in play: no bins. */
const SMALL_SET = 256;
/** Buckets per narrowing round; lists this short are sorted outright. */
const BUCKETS = 1024;
const SORT_BELOW = 48;

function firstBinThatMayHoldZero(): number {
	let bin = 0;
	while (bin < BINS && EXP_TABLE[bin] * Math.exp(-1 / STEPS / 2) * (1 - 1e-12) > 0.5) bin++;
	return bin;
}

/**
 * The typical-p decision for one step, with the facts the chart shows. Buffers grow to the
 * vocabulary once and are reused; `select` reads the candidates and changes nothing in them but
 * the ids it is asked to write.
 */
export class TypicalSelection {
	/** Weight and distance of the members in play, by token id (set for those only). */
	private weights = new Float64Array(0);
	private distances = new Float64Array(0);
	/** Token ids in play while narrowing; the kept ids when `select` has no target for them. */
	private list = new Int32Array(0);
	private ownKept = new Int32Array(0);
	private kept: Int32Array = this.ownKept;
	private readonly narrowMass = new Float64Array(BUCKETS);
	private readonly bucketCount = new Int32Array(BUCKETS);
	private gathered = new Float64Array(0);
	private logits: Float64Array = new Float64Array(0);
	private maxLogit = 0;
	private memberIds: Int32Array | null = null;

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
	/** Whether every member is kept (p is never crossed); no ids are written then. */
	keepsAll = false;

	/**
	 * Decides what typical-p keeps and, unless it keeps every member, writes the kept ids to
	 * `into[0..keptCount)` (in no particular order), or to a buffer of its own. `into` may be the
	 * candidates' own list: each id is read before that place is written.
	 */
	select(candidates: Candidates, p: number, into?: Int32Array): void {
		const count = candidates.count;
		this.ensure(candidates.vocabSize);
		const { logits, dense } = candidates;
		const maxLogit = candidates.maxLogit();
		const ids = dense ? null : candidates.ids;
		this.kept = into ?? this.ownKept;
		this.logits = logits;
		this.maxLogit = maxLogit;
		this.memberIds = ids;
		this.count = count;
		BIN_MASS.fill(0);
		weighByBin(candidates.memberLogits(this.gathered), maxLogit);
		// The bins' integer sums add up to the exact total in any order.
		let total = 0;
		for (let bin = 0; bin < BINS; bin++) total += BIN_MASS[bin];
		const centre = typicalCentre(total, exactSumValue(passOut[1], passOut[2]));
		this.total = total;
		this.centre = centre;
		this.entropy = typicalEntropy(total, centre);
		this.keptCount = 0;
		this.keepsAll = false;
		const target = p * total;
		// Weight 0 never adds mass: if the members with weight cannot exceed the target, keep all.
		if (!(total > target)) {
			this.keepsAll = true;
			this.keptCount = count;
			this.keptWeight = total;
			this.cutDistance = Infinity;
			return;
		}
		let inPlay: number;
		let keptWeight = 0;
		if (count < SMALL_SET) {
			inPlay = listMembers(ids, count, this.list);
		} else {
			keptWeight = this.classifyBins(target);
			const { kept, list } = this;
			this.keptCount =
				ids === null ? splitDense(count, kept, list) : splitListed(ids, count, kept, list);
			inPlay = passOut[0];
		}
		this.narrow(this.measureInPlay(inPlay), keptWeight, target);
	}

	/** Makes the ids `select` wrote to the candidates' list the members. */
	keep(candidates: Candidates): void {
		if (this.keepsAll) return;
		candidates.count = this.keptCount;
		candidates.dense = false;
		candidates.sorted = false;
	}

	/** Calls `visit(id, distance)` for every member, distance Infinity for weight 0. */
	forEachDistance(visit: (id: number, distance: number) => void): void {
		const { logits, maxLogit, memberIds, centre } = this;
		for (let i = 0; i < this.count; i++) {
			const id = memberIds === null ? i : memberIds[i];
			const x = logits[id] - maxLogit;
			visit(id, tableWeightOf(x) === 0 ? Infinity : Math.abs(centre - x));
		}
	}

	/**
	 * Classes every bin for the split and returns the weight of the bins kept whole. The cut
	 * distance d lies between two bin edges: walking the bins outwards from the centre by their
	 * near edges, the first whose weight takes the running sum past the target bounds it from
	 * below (all nearer tokens together do not pass it); by their far edges, the first that takes
	 * the running sum past it bounds it from above. Bins wholly nearer than the lower bound are
	 * kept, those wholly beyond the upper one dropped, the rest are in play.
	 */
	private classifyBins(target: number): number {
		const { centre } = this;
		const centreBin = Math.min(BINS - 1, -(centre * STEPS - ROUNDER + ROUNDER) | 0);
		const lower = walkOutwards(BIN_MASS, centreBin, centre, target, false);
		const upper = walkOutwards(BIN_MASS, centreBin, centre, target, true);
		BIN_CLASS.fill(DROPPED);
		// Near edges grow outwards from the centre's bin: stop each way at the first dropped bin.
		let keptWeight = 0;
		for (let bin = centreBin; bin >= 0 && nearEdge(bin, centre) <= upper; bin--) {
			keptWeight += this.classifyBin(bin, lower);
		}
		for (let bin = centreBin + 1; bin < BINS && nearEdge(bin, centre) <= upper; bin++) {
			keptWeight += this.classifyBin(bin, lower);
		}
		return keptWeight;
	}

	/**
	 * Classes a bin that is not wholly beyond the upper bound: kept when wholly nearer than the
	 * lower one (and free of members of weight 0), else in play. Returns the weight it keeps.
	 */
	private classifyBin(bin: number, lower: number): number {
		const kept = farEdge(bin, this.centre) < lower && bin < POSITIVE_BINS;
		BIN_CLASS[bin] = kept ? KEPT : IN_PLAY;
		return kept ? BIN_MASS[bin] : 0;
	}

	/**
	 * Sets the weight and distance of the listed members, drops those of weight 0 (never kept
	 * unless everything is), and returns how many stay in play.
	 */
	private measureInPlay(size: number): number {
		const { list, weights, distances, logits, maxLogit, centre } = this;
		let next = 0;
		for (let j = 0; j < size; j++) {
			const id = list[j];
			const x = logits[id] - maxLogit;
			const w = tableWeightOf(x);
			if (w === 0) continue;
			weights[id] = w;
			distances[id] = Math.abs(centre - x);
			list[next++] = id;
		}
		return next;
	}

	/**
	 * Finds the cut among the `size` listed members, `keptWeight` being kept already, for the
	 * weight to exceed `target`: keeps whole buckets of distance below the crossing one and
	 * narrows into it, until few enough remain to sort.
	 */
	private narrow(size: number, keptWeight: number, target: number): void {
		const { list, distances, weights, bucketCount } = this;
		const bucketMass = this.narrowMass;
		let low = Infinity;
		let high = 0;
		for (let j = 0; j < size; j++) {
			const d = distances[list[j]];
			if (d < low) low = d;
			if (d > high) high = d;
		}
		for (;;) {
			if (size <= SORT_BELOW || !(high > low)) {
				this.finishBySort(size, target, keptWeight);
				return;
			}
			const scale = BUCKETS / (high - low);
			bucketMass.fill(0);
			bucketCount.fill(0);
			for (let j = 0; j < size; j++) {
				const id = list[j];
				const b = bucketOf(distances[id], low, scale);
				bucketMass[b] += weights[id];
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
				this.finishBySort(size, target, keptWeight);
				return;
			}
			// Partition: buckets below the crossing one are kept, the crossing one stays in play.
			let next = 0;
			for (let j = 0; j < size; j++) {
				const id = list[j];
				const b = bucketOf(distances[id], low, scale);
				if (b < crossing) {
					this.kept[this.keptCount++] = id;
				} else if (b === crossing) {
					list[next++] = id;
				}
			}
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
		const { list, distances, weights, logits } = this;
		const before = (a: number, b: number) =>
			distances[a] !== distances[b] ? distances[a] < distances[b] : ranksBefore(logits, a, b);
		if (size <= SORT_BELOW) {
			// Insertion sort in place: no allocation on the usual path.
			for (let j = 1; j < size; j++) {
				const id = list[j];
				let k = j - 1;
				for (; k >= 0 && before(id, list[k]); k--) list[k + 1] = list[k];
				list[k + 1] = id;
			}
		} else {
			// Only when many distances are equal (e.g. equal logits).
			const rest = Array.from(list.subarray(0, size)).sort((a, b) => (before(a, b) ? -1 : 1));
			list.set(rest);
		}
		let cumulative = keptWeight;
		let cut = 0;
		for (let j = 0; j < size; j++) {
			const id = list[j];
			this.kept[this.keptCount++] = id;
			cumulative += weights[id];
			cut = distances[id];
			if (cumulative > target) break;
		}
		this.keptWeight = cumulative;
		this.cutDistance = cut;
	}

	private ensure(vocabSize: number): void {
		if (this.weights.length >= vocabSize) return;
		this.gathered = new Float64Array(vocabSize);
		this.weights = new Float64Array(vocabSize);
		this.distances = new Float64Array(vocabSize);
		this.list = new Int32Array(vocabSize);
		this.ownKept = new Int32Array(vocabSize);
	}
}

function bucketOf(distance: number, low: number, scale: number): number {
	const b = Math.floor((distance - low) * scale);
	return b < 0 ? 0 : b >= BUCKETS ? BUCKETS - 1 : b;
}

/**
 * The log-ratios at a bin's edges (x·128 between −bin − ½ and −bin + ½; the edges are exact),
 * and the nearest and farthest distance to the centre a member of the bin can have, as
 * `|centre − x|` computes it: rounding is monotone, so a member's computed distance lies between
 * those of the edges. A bin holding the centre has near edge 0.
 */
function nearEdge(bin: number, centre: number): number {
	const top = (-bin + 0.5) / STEPS;
	const bottom = (-bin - 0.5) / STEPS;
	return top < centre ? centre - top : bottom > centre ? bottom - centre : 0;
}

function farEdge(bin: number, centre: number): number {
	const top = (-bin + 0.5) / STEPS;
	const bottom = (-bin - 0.5) / STEPS;
	return Math.max(Math.abs(centre - top), Math.abs(centre - bottom));
}

/**
 * Takes the bins in increasing near edge (or, with `byFar`, far edge) from the centre's bin
 * outwards, both ways at once, and returns that edge of the first bin that takes their running
 * weight past `target`. Members nearer than the near edge so found weigh no more than the target
 * together; members within the far edge so found weigh more.
 */
function walkOutwards(
	binMass: Float64Array,
	centreBin: number,
	centre: number,
	target: number,
	byFar: boolean
): number {
	const edge = byFar ? farEdge : nearEdge;
	let sum = binMass[centreBin];
	if (sum > target) return byFar ? farEdge(centreBin, centre) : 0;
	// `above`: the next bin of higher log-ratio (lower index), `below` the next of lower.
	let above = centreBin - 1;
	let below = centreBin + 1;
	for (;;) {
		const aboveEdge = above >= 0 ? edge(above, centre) : Infinity;
		const belowEdge = below < BINS ? edge(below, centre) : Infinity;
		// Every bin summed to the last one: only rounding in p·W can bring this, keep walking out.
		if (aboveEdge === Infinity && belowEdge === Infinity) return Infinity;
		const takeAbove = aboveEdge <= belowEdge;
		sum += binMass[takeAbove ? above : below];
		if (sum > target) return takeAbove ? aboveEdge : belowEdge;
		if (takeAbove) above--;
		else below++;
	}
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
const TABLE_STEPS = STEPS;
const ROUND = ROUNDER;
const ZERO_WEIGHT = ZERO_WEIGHT_LOG_RATIO;

/** Output of the passes below: [·, high, low] of the weight pass, or a count. */
const passOut = new Float64Array(3);

/**
 * The first pass, over the log-ratios `logits[i] − maxLogit` of all of `logits`: each member's
 * bin to `BIN_OF[i]` ({@link BINS} below −23) and its weight, exactly `tableWeightOf` (its
 * expression written out here, in the same operations and order), added to the mass of its bin;
 * into {@link passOut} the high and low parts of Σ w·(logit − max) as {@link ExactSum} sums it
 * (x·1024 is exact: a power of two). One function that ends with its loop: a call in the loop
 * (V8 does not inline across modules) multiplies its cost.
 */
function weighByBin(logits: Float64Array, maxLogit: number): void {
	let high = 0;
	let low = 0;
	for (let start = 0; start < logits.length; start += CHUNK) {
		const end = Math.min(logits.length, start + CHUNK);
		let units = 0;
		for (let i = start; i < end; i++) {
			const x = logits[i] - maxLogit;
			const scaled = x * TABLE_STEPS;
			const step = scaled - ROUND + ROUND;
			// −Infinity gives an infinite step, NaN never reaches here (Candidates refuses it).
			const bin = Math.min(-step, BINS) | 0;
			BIN_OF[i] = bin;
			if (x < ZERO_WEIGHT) continue;
			const f = (scaled - step) * (1 / TABLE_STEPS);
			const w = EXP[bin] * (1 + f * (1 + f * (1 / 2 + f * (1 / 6 + f * (1 / 24))))) + ROUND - ROUND;
			BIN_MASS[bin] += w;
			units += w * (scaled * (QUANTUM / TABLE_STEPS)) + ROUND - ROUND;
		}
		const part = Math.floor(units / SPLIT);
		high += part;
		low += units - part * SPLIT;
	}
	passOut[1] = high;
	passOut[2] = low;
}

/**
 * The second pass on a dense set of `count` members, by their bins: writes the ids of members in
 * kept bins to `kept` (returns how many) and those in bins in play to `list` (their count to
 * {@link passOut}[0]). Each kept place is written and the count advanced by 0 or 1 without a
 * branch: whether a member is kept is a coin toss to the branch predictor. Few are in play.
 */
function splitDense(count: number, kept: Int32Array, list: Int32Array): number {
	let keptCount = 0;
	let size = 0;
	for (let id = 0; id < count; id++) {
		const c = BIN_CLASS[BIN_OF[id]];
		kept[keptCount] = id;
		keptCount += c & KEPT;
		if (c === IN_PLAY) list[size++] = id;
	}
	passOut[0] = size;
	return keptCount;
}

/** {@link splitDense} for the listed members `ids[0..count)`; `kept` may be `ids` itself. */
function splitListed(ids: Int32Array, count: number, kept: Int32Array, list: Int32Array): number {
	let keptCount = 0;
	let size = 0;
	for (let i = 0; i < count; i++) {
		const id = ids[i];
		const c = BIN_CLASS[BIN_OF[i]];
		kept[keptCount] = id;
		keptCount += c & KEPT;
		if (c === IN_PLAY) list[size++] = id;
	}
	passOut[0] = size;
	return keptCount;
}

/** Lists every member of a small set as in play; returns how many. */
function listMembers(ids: Int32Array | null, count: number, list: Int32Array): number {
	for (let i = 0; i < count; i++) list[i] = ids === null ? i : ids[i];
	return count;
}

/**
 * Runs the passes once on a tiny set at load, so every line after their loops has type feedback
 * before V8 compiles a long loop: otherwise it compiles the loop during the first full-size
 * call, throws it away at the code after it, and did so again on every later call.
 */
function warmUp(): void {
	const logits = Float64Array.of(0, -1, -30);
	const ids = Int32Array.of(0, 1, 2);
	for (let round = 0; round < 20; round++) {
		weighByBin(logits, 0);
		splitDense(3, ids.slice(), ids.slice());
		splitListed(ids, 3, ids.slice(), ids.slice());
	}
	BIN_MASS.fill(0);
}
warmUp();
