import {
	Candidates,
	DEFAULT_ORDER,
	DEFAULT_SAMPLING_PARAMS,
	STAGE_DEFINITIONS,
	createSampler,
	validateSamplingParams,
	type AnyStageDefinition,
	type SamplingParams,
	type StageName
} from '../src/lib/sampling';
import { stageValues } from '../src/lib/sampling/params';
import { ReferenceSampler } from '../src/lib/sampling/reference';
import type { SamplerStage, StepContext } from '../src/lib/sampling/stage';
import { PenaltyWindow } from '../src/lib/sampling/window';
import { DEFAULT_CHAIN_PARAMS, TARGET_VOCAB, reportTarget } from './sampler.bench';
import { BENCH_HISTORY_LENGTH, STAGE_BENCH_SETTINGS } from './stage-settings';
import { syntheticHistory, syntheticLogits } from './synthetic-logits';
import { formatNumber, medianMs, printTable } from './timing';

/** Vocabularies measured: a Llama-2-sized one and Qwen's. */
export const STAGE_BENCH_VOCAB_SIZES = [32_000, 151_936];
/** What each stage may cost per step at {@link TARGET_VOCAB}, in µs. */
export const STAGE_BUDGET_US = 1000;
const ROUNDS = 5;
const STEPS = 40;
const WARMUP = 5;
const DISTRIBUTIONS = 8;
/**
 * The "alone" column again on the same logits divided by this: a flat step, as a high
 * temperature without top-k gives, where stages that work from the head of the distribution
 * (tail-free's exact heads) cost most. A figure beside the budget, not held to it.
 */
export const FLAT_TEMPERATURE = 2;
/** Steps on which the chain with each stage must pick what the full-sort reference picks. */
const CHECKED_STEPS = 3;

/** Everything measured for one stage at one vocabulary (µs per step, medians over the rounds). */
interface StageRow {
	stage: AnyStageDefinition;
	setting: Partial<SamplingParams> | undefined;
	/** The default chain with this stage appended; null when the default chain runs it already. */
	withStageUs: number | null;
	/** The stage's own work on the full vocabulary: its apply alone, without reset or draw. */
	aloneUs: number;
	/** The same on flatter steps (the logits at {@link FLAT_TEMPERATURE}), at the target vocabulary. */
	aloneFlatUs: number;
}

interface VocabResult {
	vocabSize: number;
	chainUs: number;
	rows: StageRow[];
}

/** Median of the per-round medians. */
function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

/** Like {@link medianMs}, for a function that measures (and returns) its own duration in ms. */
function medianSelfTimedMs(fn: (i: number) => number, runs: number, warmup: number): number {
	for (let i = 0; i < warmup; i++) fn(i);
	return median(Array.from({ length: runs }, (_, i) => fn(warmup + i)));
}

/**
 * The default chain with its setting and `name` appended last (as switching a stage on does),
 * unless the default chain runs it already.
 */
export function withStageParams(name: string, setting: Partial<SamplingParams>): SamplingParams {
	const order = DEFAULT_CHAIN_PARAMS.order;
	return {
		...DEFAULT_CHAIN_PARAMS,
		...setting,
		order: order.includes(name as StageName) ? [...order] : [...order, name as StageName]
	};
}

/** Every stage at its neutral default but `name`, which runs alone with its setting. */
export function aloneParams(name: string, setting: Partial<SamplingParams>): SamplingParams {
	return { ...DEFAULT_SAMPLING_PARAMS, ...setting, seed: 1234, order: [name as StageName] };
}

/**
 * Times one stage's `apply` on a fresh step of the full vocabulary, as the first stage of a chain
 * sees it: the candidates are reset (untimed) before each call.
 */
function aloneTimer(
	definition: AnyStageDefinition,
	params: SamplingParams,
	vocabSize: number,
	step: (i: number) => Float32Array,
	history: number[]
): (i: number) => number {
	const valid = validateSamplingParams(params, { vocabSize });
	const values = stageValues(valid);
	const shared = { logitBias: valid.logitBias };
	if (definition.isNeutral(values, shared)) {
		throw new Error(`The bench setting of stage "${definition.name}" leaves it neutral`);
	}
	const stage: SamplerStage = definition.create(values, shared);
	const candidates = new Candidates(vocabSize);
	const window = new PenaltyWindow(vocabSize);
	// A drawing stage sees u = 0 each step: XTC then fires every time, its costlier case.
	const draws = new Float64Array(definition.draws ?? 0);
	const context: StepContext = { history, window, draws };
	return (i) => {
		candidates.reset(step(i));
		window.invalidate();
		const start = performance.now();
		stage.apply(candidates, context);
		return performance.now() - start;
	};
}

function measure(vocabSize: number): VocabResult {
	const steps = Array.from({ length: DISTRIBUTIONS }, (_, i) => syntheticLogits(vocabSize, i + 1));
	const step = (i: number) => steps[i % DISTRIBUTIONS];
	const flatSteps = steps.map((logits) => logits.map((x) => x / FLAT_TEMPERATURE));
	const flatStep = (i: number) => flatSteps[i % DISTRIBUTIONS];
	const withFlat = vocabSize === TARGET_VOCAB;
	const history = syntheticHistory(BENCH_HISTORY_LENGTH, vocabSize, 7);
	const chain = createSampler(DEFAULT_CHAIN_PARAMS, { vocabSize });
	const measured = STAGE_DEFINITIONS.filter((stage) => STAGE_BENCH_SETTINGS[stage.name]).map(
		(definition: AnyStageDefinition) => {
			const setting = STAGE_BENCH_SETTINGS[definition.name];
			const inChain = (DEFAULT_ORDER as readonly string[]).includes(definition.name);
			const withParams = withStageParams(definition.name, setting);
			if (!inChain) checkAgainstReference(withParams, vocabSize, step, history);
			const alone = aloneParams(definition.name, setting);
			return {
				definition,
				setting,
				withStage: inChain ? null : createSampler(withParams, { vocabSize }),
				alone: aloneTimer(definition, alone, vocabSize, step, history),
				aloneFlat: withFlat ? aloneTimer(definition, alone, vocabSize, flatStep, history) : null,
				withTimes: [] as number[],
				aloneTimes: [] as number[],
				aloneFlatTimes: [] as number[]
			};
		}
	);
	// Rounds interleave every configuration, so a burst of load elsewhere hits them alike.
	const chainTimes: number[] = [];
	for (let round = 0; round < ROUNDS; round++) {
		chainTimes.push(medianMs((i) => chain.sample(step(i), history), STEPS, WARMUP));
		for (const m of measured) {
			const withStage = m.withStage;
			if (withStage) {
				m.withTimes.push(medianMs((i) => withStage.sample(step(i), history), STEPS, WARMUP));
			}
			m.aloneTimes.push(medianSelfTimedMs(m.alone, STEPS, WARMUP));
			if (m.aloneFlat) m.aloneFlatTimes.push(medianSelfTimedMs(m.aloneFlat, STEPS, WARMUP));
		}
	}
	const rows: StageRow[] = STAGE_DEFINITIONS.map((stage: AnyStageDefinition) => {
		const m = measured.find((x) => x.definition === stage);
		return {
			stage,
			setting: m?.setting,
			withStageUs: m && m.withStage ? median(m.withTimes) * 1000 : null,
			aloneUs: m ? median(m.aloneTimes) * 1000 : NaN,
			aloneFlatUs: m && m.aloneFlatTimes.length > 0 ? median(m.aloneFlatTimes) * 1000 : NaN
		};
	});
	return { vocabSize, chainUs: median(chainTimes) * 1000, rows };
}

/** The chain with the stage must pick the tokens the full-sort reference picks. */
function checkAgainstReference(
	params: SamplingParams,
	vocabSize: number,
	step: (i: number) => Float32Array,
	history: number[]
): void {
	const fast = createSampler(params, { vocabSize });
	const reference = new ReferenceSampler(params, vocabSize);
	for (let i = 0; i < CHECKED_STEPS; i++) {
		if (fast.sample(step(i), history) !== reference.sample(step(i), history)) {
			throw new Error(
				`With ${params.order.at(-1)}, the fast and full-sort samplers disagree at vocabulary ${vocabSize}, step ${i}`
			);
		}
	}
}

/** "topA 0.2", "10 logit biases": what a row's setting switches on. */
export function describeSetting(setting: Partial<SamplingParams>): string {
	return Object.entries(setting)
		.map(([key, value]) =>
			key === 'logitBias'
				? `${Object.keys(value as object).length} logit biases`
				: `${key} ${String(value)}`
		)
		.join(', ');
}

const us = (value: number) => (Number.isNaN(value) ? '—' : formatNumber(value));
const ratio = (value: number) => (Number.isNaN(value) ? '—' : `${formatNumber(value, 2)}×`);

/** The stages at or above the budget, by their cost alone or added to the chain. */
function overBudget(result: VocabResult): StageRow[] {
	return result.rows.filter(
		(row) =>
			row.aloneUs > STAGE_BUDGET_US ||
			(row.withStageUs !== null && row.withStageUs - result.chainUs > STAGE_BUDGET_US)
	);
}

/**
 * Prints each stage's cost per step beside the default chain at 32,000 and 151,936 tokens and
 * returns whether every stage off by default stays within the budget, every stage has a bench
 * setting, and the default chain meets its target.
 */
export function runStagesBench(): boolean {
	console.log(
		`Stages: median µs per step (median of ${ROUNDS} rounds of ${STEPS} steps each), on model-shaped\n` +
			`synthetic logits with a ${BENCH_HISTORY_LENGTH.toLocaleString('en-US')}-token context. "chain + stage": the default chain (T 0.8,\n` +
			'top-k 40, top-p 0.95, min-p 0.05, repeat penalty 1.1 over 64 tokens) with the stage last;\n' +
			'"added": its cost over the default chain. "alone": the stage by itself on the full vocabulary\n' +
			'(its own work; no reset, no draw). Ratios are against the default chain measured in this run.\n' +
			`"alone, T ${FLAT_TEMPERATURE}": the same on flatter steps (the logits divided by ${FLAT_TEMPERATURE}, no top-k), a figure\n` +
			'beside the budget. Each stage checked against the full-sort reference (same tokens) with the\n' +
			'default chain.\n'
	);
	let ok = true;
	const results: VocabResult[] = [];
	for (const vocabSize of STAGE_BENCH_VOCAB_SIZES) {
		const result = measure(vocabSize);
		results.push(result);
		const target = vocabSize === TARGET_VOCAB;
		const over = new Set(target ? overBudget(result) : []);
		console.log(
			`Vocabulary ${vocabSize.toLocaleString('en-US')}: default chain ${formatNumber(result.chainUs)} µs per step`
		);
		printTable(
			[
				'stage',
				'setting',
				'chain + stage',
				'÷ chain',
				'added',
				'alone',
				'alone ÷ chain',
				...(target ? [`≤ ${STAGE_BUDGET_US / 1000} ms`, `alone, T ${FLAT_TEMPERATURE}`] : [])
			],
			result.rows.map((row) => {
				const added = row.withStageUs === null ? NaN : row.withStageUs - result.chainUs;
				return [
					row.stage.name,
					row.setting ? describeSetting(row.setting) : 'NO BENCH SETTING',
					row.withStageUs === null ? 'in chain' : us(row.withStageUs),
					row.withStageUs === null ? '—' : ratio(row.withStageUs / result.chainUs),
					us(added),
					us(row.aloneUs),
					ratio(row.aloneUs / result.chainUs),
					...(target
						? [
								Number.isNaN(row.aloneUs) ? 'unmeasured' : over.has(row) ? 'OVER' : 'ok',
								us(row.aloneFlatUs)
							]
						: [])
				];
			})
		);
		console.log('');
	}
	const missing = STAGE_DEFINITIONS.filter((stage) => !STAGE_BENCH_SETTINGS[stage.name]);
	if (missing.length > 0) {
		ok = false;
		console.log(
			`No bench setting (add one to bench/stage-settings.ts): ${missing.map((s) => s.name).join(', ')}`
		);
	}
	const atTarget = results.find((r) => r.vocabSize === TARGET_VOCAB)!;
	const over = overBudget(atTarget);
	const overNew = over.filter((row) => (row.stage as AnyStageDefinition).offByDefault);
	console.log(
		`Over ${STAGE_BUDGET_US / 1000} ms per step at ${TARGET_VOCAB.toLocaleString('en-US')}: ` +
			(over.length === 0 ? 'none' : over.map((row) => row.stage.name).join(', ')) +
			(over.length > overNew.length
				? ' (stages of the default chain are held to the chain’s target instead)'
				: '')
	);
	if (overNew.length > 0) ok = false;

	// The default chain against its target, as the sampler bench measures it.
	const steps = Array.from({ length: 3 }, (_, i) => syntheticLogits(TARGET_VOCAB, i + 1));
	const history = syntheticHistory(BENCH_HISTORY_LENGTH, TARGET_VOCAB, 7);
	const fullSort = new ReferenceSampler(DEFAULT_CHAIN_PARAMS, TARGET_VOCAB);
	const fullSortUs = medianMs((i) => fullSort.sample(steps[i % 3], history), 5, 1) * 1000;
	if (!reportTarget(atTarget.chainUs, fullSortUs)) ok = false;
	return ok;
}
