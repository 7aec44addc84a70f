import { DEFAULT_SAMPLING_PARAMS, createSampler, type SamplingParams } from '../src/lib/sampling';
import { ReferenceSampler } from '../src/lib/sampling/reference';
import { syntheticLogits } from './synthetic-logits';
import { formatNumber, medianMs, printTable } from './timing';

export const BENCH_VOCAB_SIZES = [512, 32_000, 151_936, 262_144];
/** The default chain's target: at most this many µs per step at this vocabulary… */
export const TARGET_VOCAB = 151_936;
export const TARGET_MAX_US = 1000;
/** …and at least this many times faster than the full-sort implementation. */
export const TARGET_MIN_SPEEDUP = 10;
const DISTRIBUTIONS = 8;

/** The chain every sampler figure measures: the default order with typical values. */
export const DEFAULT_CHAIN_PARAMS: SamplingParams = {
	...DEFAULT_SAMPLING_PARAMS,
	order: [...DEFAULT_SAMPLING_PARAMS.order],
	temperature: 0.8,
	topK: 40,
	topP: 0.95,
	minP: 0.05,
	repeatPenalty: 1.1,
	repeatLastN: 64,
	seed: 1234
};

interface Row {
	vocabSize: number;
	fastUs: number;
	tracedUs: number;
	fullSortUs: number;
}

function measure(vocabSize: number): Row {
	const steps = Array.from({ length: DISTRIBUTIONS }, (_, i) => syntheticLogits(vocabSize, i + 1));
	const history = Array.from({ length: 64 }, (_, i) => (i * 7919) % vocabSize);
	const step = (i: number) => steps[i % DISTRIBUTIONS];

	const fast = createSampler(DEFAULT_CHAIN_PARAMS, { vocabSize });
	const traced = createSampler(DEFAULT_CHAIN_PARAMS, { vocabSize, trace: true });
	const fullSort = new ReferenceSampler(DEFAULT_CHAIN_PARAMS, vocabSize);
	const slowRuns = vocabSize > 100_000 ? 9 : 25;

	const fastMs = medianMs((i) => fast.sample(step(i), history), 400, 100);
	const tracedMs = medianMs((i) => traced.sample(step(i), history), 60, 10);
	const fullSortMs = medianMs((i) => fullSort.sample(step(i), history), slowRuns, 2);

	// Both implementations must pick the same tokens, or the comparison means nothing.
	const a = createSampler(DEFAULT_CHAIN_PARAMS, { vocabSize });
	const b = new ReferenceSampler(DEFAULT_CHAIN_PARAMS, vocabSize);
	for (let i = 0; i < DISTRIBUTIONS; i++) {
		if (a.sample(step(i), history) !== b.sample(step(i), history)) {
			throw new Error(`fast and full-sort samplers disagree at vocabulary ${vocabSize}, step ${i}`);
		}
	}
	return {
		vocabSize,
		fastUs: fastMs * 1000,
		tracedUs: tracedMs * 1000,
		fullSortUs: fullSortMs * 1000
	};
}

/**
 * Heap bytes left behind per step over many steps of a small vocabulary, with and without
 * tracing. Needs `--expose-gc` (the bench script passes it); otherwise null.
 */
function heapGrowthPerStep(trace: boolean): number | null {
	const collect = (globalThis as { gc?: () => void }).gc;
	if (!collect) return null;
	const vocabSize = 512;
	const steps = 20_000;
	const logits = syntheticLogits(vocabSize, 99);
	const history = Array.from({ length: 64 }, (_, i) => i);
	const sampler = createSampler(DEFAULT_CHAIN_PARAMS, { vocabSize, trace });
	const traces: unknown[] = [];
	for (let i = 0; i < 1000; i++) sampler.sample(logits, history);
	collect();
	const before = process.memoryUsage().heapUsed;
	for (let i = 0; i < steps; i++) {
		sampler.sample(logits, history);
		// Keep traces alive, as a caller that shows them does.
		if (trace) traces.push(sampler.lastTrace);
	}
	return (process.memoryUsage().heapUsed - before) / steps;
}

/** Prints the sampler table and returns whether the target at 151,936 tokens was met. */
export function runSamplerBench(): boolean {
	console.log(
		'Sampler: median µs per step, default chain (T 0.8, top-k 40, top-p 0.95, min-p 0.05,\n' +
			'repeat penalty 1.1 over 64 tokens), against a full-sort implementation of the same chain\n' +
			'measured in this run. Same tokens checked on every distribution.\n'
	);
	const rows = BENCH_VOCAB_SIZES.map(measure);
	printTable(
		['vocabulary', 'fast', 'fast + trace', 'full sort', 'full sort ÷ fast'],
		rows.map((r) => [
			r.vocabSize.toLocaleString('en-US'),
			formatNumber(r.fastUs),
			formatNumber(r.tracedUs),
			formatNumber(r.fullSortUs),
			`${formatNumber(r.fullSortUs / r.fastUs)}×`
		])
	);
	const untraced = heapGrowthPerStep(false);
	const traced = heapGrowthPerStep(true);
	if (untraced !== null && traced !== null) {
		console.log(
			`\nHeap growth per step at vocabulary 512 (20,000 steps): ${formatNumber(untraced, 0)} bytes ` +
				`with tracing off (V8's boxed numbers; no buffer or object per step), ` +
				`${formatNumber(traced, 0)} bytes with tracing on.`
		);
	}
	const target = rows.find((r) => r.vocabSize === TARGET_VOCAB)!;
	return reportTarget(target.fastUs, target.fullSortUs);
}

/**
 * Prints the default chain's figures at {@link TARGET_VOCAB} against its target and returns
 * whether they meet it.
 */
export function reportTarget(fastUs: number, fullSortUs: number): boolean {
	const speedup = fullSortUs / fastUs;
	const met = fastUs <= TARGET_MAX_US && speedup >= TARGET_MIN_SPEEDUP;
	console.log(
		`\nTarget at ${TARGET_VOCAB.toLocaleString('en-US')}: ≤ ${TARGET_MAX_US} µs and ≥ ${TARGET_MIN_SPEEDUP}× — ` +
			`${formatNumber(fastUs)} µs, ${formatNumber(speedup)}×: ${met ? 'met' : 'NOT met'}`
	);
	return met;
}
