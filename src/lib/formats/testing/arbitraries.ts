import fc from 'fast-check';
import { parseAxisValues, SWEEP_PARAMS } from '#lib/compare/sweep';
import type { Experiment, SweepParam } from '#lib/core/experiment';
import type { GenerationStats, StepTrace } from '#lib/core/run';
import type { RunRecord, SessionRecord, TokenRecord } from '#lib/core/session';
import { SKILL_LIMITS, sameSkillName } from '#lib/core/skill';
import { CONTEXT_LENGTH_SPEC, MAX_NEW_TOKENS_SPEC } from '#lib/params/fields';
import {
	DEFAULT_SAMPLING_PARAMS,
	MAX_SEED,
	paramSpecsOf,
	STAGE_DEFINITIONS,
	type ParamSpec,
	type SamplingParams,
	type StageName,
	type StageRegistry
} from '#lib/sampling';
import { LOGIT_BIAS_LIMIT } from '#lib/sampling/stages/logit-bias';
import type { SharedExperiment } from '../share-link';
import { MAX_ID_CHARS, MAX_TIME, MAX_TOKEN_ID } from '../session-format';

/**
 * fast-check arbitraries of valid experiments and sessions, for the format fuzz tests. Every
 * range is read from where the app defines it (the stage registry, the field specs, the
 * sessions reader's bounds), so the data follows them when they change. Numbers are float32
 * values and never −0, which every format carries exactly.
 */

const f32 = (value: number): number => {
	const rounded = Math.fround(value);
	return Object.is(rounded, -0) ? 0 : rounded;
};

/** A number `spec` allows, its bounds and special values included. */
function specValue(spec: ParamSpec): fc.Arbitrary<number> {
	const special = Object.keys(spec.special ?? {}).map(Number);
	const top = spec.max === 'vocab' ? Number.MAX_SAFE_INTEGER : spec.max;
	if (spec.integer) {
		const min = spec.minExclusive ? spec.min + 1 : spec.min;
		const max = spec.maxExclusive ? top - 1 : top;
		return fc.oneof(
			fc.integer({ min, max: Math.min(max, min + 1000) }),
			fc.constantFrom(min, max, spec.default, ...special)
		);
	}
	const inside = fc
		.double({
			min: spec.min,
			max: top,
			minExcluded: spec.minExclusive,
			maxExcluded: spec.maxExclusive,
			noNaN: true
		})
		.map(f32)
		.filter((n) => (spec.minExclusive ? n > spec.min : n >= spec.min))
		.filter((n) => (spec.maxExclusive ? n < top : n <= top));
	const bounds = [
		...(spec.minExclusive ? [] : [spec.min]),
		...(spec.maxExclusive ? [] : [top]),
		spec.default,
		...special
	];
	return fc.oneof(inside, fc.constantFrom(...bounds));
}

/** Valid sampling parameters for the stages of `registry`. */
export function samplingParamsArbitrary(
	registry: StageRegistry = STAGE_DEFINITIONS
): fc.Arbitrary<SamplingParams> {
	const stageValues: Record<string, fc.Arbitrary<number>> = {};
	for (const spec of paramSpecsOf(registry)) stageValues[spec.key] = specValue(spec);
	return fc
		.record({
			values: fc.record(stageValues),
			logitBias: fc.dictionary(
				fc.integer({ min: 0, max: MAX_TOKEN_ID }).map(String),
				fc.double({ min: -LOGIT_BIAS_LIMIT, max: LOGIT_BIAS_LIMIT, noNaN: true }).map(f32),
				{ maxKeys: 3 }
			),
			drySequenceBreakers: fc.oneof(
				fc.constant([...DEFAULT_SAMPLING_PARAMS.drySequenceBreakers]),
				fc.uniqueArray(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 4 })
			),
			seed: fc.option(fc.integer({ min: 0, max: MAX_SEED }), { nil: null }),
			order: fc.shuffledSubarray(registry.map((stage) => stage.name as StageName))
		})
		.map(
			({ values, logitBias, drySequenceBreakers, seed, order }) =>
				({ ...values, logitBias, drySequenceBreakers, seed, order }) as SamplingParams
		);
}

const text = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
/** A string with a non-space character, of at most `maxLength` UTF-16 code units. */
const nonBlank = (maxLength: number) =>
	fc.oneof(
		fc
			.string({ unit: 'grapheme', minLength: 1, maxLength: Math.min(maxLength, 40) })
			.filter((s) => s.trim() !== '' && s.length <= maxLength),
		fc.constant('x'.repeat(maxLength))
	);

/** The text of a sweep axis that the compare view reads as valid values of `param`. */
function sweepText(param: SweepParam, registry: StageRegistry): fc.Arbitrary<string> {
	// Model ids and skill names are checked by the compare view against its own lists.
	if (param === 'model' || param === 'skill') {
		const id = nonBlank(20).filter((s) => !s.includes(','));
		return fc.array(id, { minLength: 1, maxLength: 4 }).map((ids) => ids.join(', '));
	}
	const spec = paramSpecsOf(registry).find((s) => s.key === param);
	const value = spec ? specValue(spec) : fc.integer({ min: 0, max: MAX_SEED });
	return fc
		.oneof(
			fc
				.array(value, { minLength: 1, maxLength: 4 })
				.map((values) =>
					values.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(2))).join(', ')
				),
			fc
				.tuple(
					fc.integer({ min: 0, max: 20 }),
					fc.integer({ min: 1, max: 15 }),
					fc.integer({ min: 1, max: 5 })
				)
				.map(
					([start, count, step]) =>
						`${start / 10} to ${(start + count * step) / 10} step ${step / 10}`
				)
		)
		.filter((candidate) => parseAxisValues(param, candidate).ok);
}

function sweepArbitrary(registry: StageRegistry) {
	return fc.array(
		fc
			.constantFrom(...SWEEP_PARAMS.map((option) => option.param))
			.chain((param) => sweepText(param, registry).map((axisText) => ({ param, text: axisText }))),
		{ minLength: 1, maxLength: 2 }
	);
}

/** A skill as experiments carry it. */
const skillArbitrary = fc.record({
	name: nonBlank(SKILL_LIMITS.name),
	systemPrompt: text(80)
});

/** A valid experiment; `compare` says whether it has a sweep (required), none, or either. */
export function experimentArbitrary(
	options: { registry?: StageRegistry; sweep?: 'always' | 'never' | 'maybe' } = {}
): fc.Arbitrary<Experiment> {
	const { registry = STAGE_DEFINITIONS, sweep = 'maybe' } = options;
	const sweepOption =
		sweep === 'never'
			? fc.constant(undefined)
			: sweep === 'always'
				? sweepArbitrary(registry)
				: fc.option(sweepArbitrary(registry), { nil: undefined });
	return fc
		.record({
			model: fc.record({
				id: fc.oneof(fc.constant('stories260k'), fc.string({ minLength: 1, maxLength: 60 })),
				name: text(40),
				engine: fc.constantFrom('llama' as const, 'wllama' as const, 'webllm' as const),
				sha256: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: null })
			}),
			input: fc.oneof(
				fc.record(
					{
						mode: fc.constant('completion' as const),
						prompt: text(200),
						parseSpecial: fc.constant(true)
					},
					{ requiredKeys: ['mode', 'prompt'] }
				),
				fc.record(
					{
						mode: fc.constant('chat' as const),
						systemPrompt: text(60),
						// The last message is the user's (the page's prompt box).
						messages: fc
							.tuple(
								fc.array(
									fc.record({
										role: fc.constantFrom('system' as const, 'user' as const, 'assistant' as const),
										content: text(80)
									}),
									{ maxLength: 3 }
								),
								text(80)
							)
							.map(([earlier, prompt]) => [...earlier, { role: 'user' as const, content: prompt }]),
						parseSpecial: fc.constant(true)
					},
					{ requiredKeys: ['mode', 'messages'] }
				)
			),
			params: samplingParamsArbitrary(registry),
			maxNewTokens: specValue(MAX_NEW_TOKENS_SPEC),
			contextLength: specValue(CONTEXT_LENGTH_SPEC),
			stopSequences: fc.array(
				fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes('\n')),
				{ maxLength: 4 }
			),
			banEndOfText: fc.boolean(),
			sampling: fc.constantFrom('exact' as const, 'native' as const),
			sweep: sweepOption,
			skill: fc.option(skillArbitrary, { nil: undefined }),
			skills: fc.option(fc.array(skillArbitrary, { minLength: 1, maxLength: 3 }), {
				nil: undefined
			})
		})
		.map(({ sweep: axes, skill, skills, ...rest }) => {
			const experiment: Experiment = axes === undefined ? rest : { ...rest, sweep: axes };
			// A picked skill belongs to a chat's system prompt (the page keeps it in chat mode only).
			if (skill && rest.input.mode === 'chat') experiment.skill = skill;
			// A sweep's skills are the ones its skill axes name, in the order named (as the compare
			// view stores and shares them), each with one of the generated texts.
			const named: string[] = [];
			for (const axis of axes ?? []) {
				if (axis.param !== 'skill') continue;
				for (const name of axis.text.split(',').map((s) => s.trim())) {
					if (name && !named.some((other) => sameSkillName(other, name))) named.push(name);
				}
			}
			if (skills && named.length > 0) {
				experiment.skills = named.map((name, i) => ({
					name,
					systemPrompt: skills[i % skills.length].systemPrompt
				}));
			}
			return experiment;
		});
}

/** A valid experiment as a share link carries it: the compare view when it has a sweep. */
export function sharedExperimentArbitrary(
	registry?: StageRegistry
): fc.Arbitrary<SharedExperiment> {
	return experimentArbitrary({ registry }).map((experiment) => ({
		experiment,
		view: experiment.sweep ? 'compare' : 'single'
	}));
}

const probability = fc.double({ min: 0, max: 1, noNaN: true }).map(f32);
const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(f32);
const nonNegative = fc.double({ min: 0, max: 1e9, noNaN: true }).map(f32);
const tokenId = fc.oneof(fc.integer({ min: 0, max: 50_000 }), fc.constant(MAX_TOKEN_ID));

function traceArbitrary(registry: StageRegistry): fc.Arbitrary<StepTrace> {
	const stage = fc.constantFrom(...registry.map((s) => s.name as StageName));
	return fc.record({
		step: fc.nat({ max: 100_000 }),
		distribution: fc.constantFrom('logits' as const, 'logprobs' as const),
		candidates: fc.array(
			fc.record({
				id: tokenId,
				logit: fc.oneof(finite, fc.constant(-Infinity)),
				rawProbability: probability,
				probabilities: fc.array(fc.option(probability, { nil: null }), { maxLength: 4 }),
				removedBy: fc.option(stage, { nil: null })
			}),
			{ maxLength: 4 }
		),
		stages: fc.array(
			fc.record({
				name: stage,
				skipped: fc.boolean(),
				survivors: fc.nat({ max: 100_000 }),
				massRemoved: probability,
				entropy: finite,
				keptBestOnly: fc.boolean()
			}),
			{ maxLength: 4 }
		),
		u: fc.option(probability, { nil: null }),
		chosenId: tokenId,
		chosenProbability: probability,
		entropyBefore: finite,
		entropyAfter: finite
	});
}

// Older runs have the blended tokens/s and none of the figures measured since; newer ones the
// other way round: any mix of them is read.
const statsArbitrary: fc.Arbitrary<GenerationStats> = fc.record(
	{
		promptTokens: fc.nat(),
		generatedTokens: fc.nat(),
		timeToFirstTokenMs: fc.option(nonNegative, { nil: null }),
		prefillMs: nonNegative,
		decodeMs: fc.option(nonNegative, { nil: null }),
		firstTokenOnScreenMs: fc.option(nonNegative, { nil: null }),
		lastTokenOnScreenMs: fc.option(nonNegative, { nil: null }),
		tokensPerSecond: fc.option(nonNegative, { nil: null }),
		totalMs: nonNegative,
		meanEntropy: fc.option(nonNegative, { nil: null }),
		perplexity: fc.option(fc.oneof(nonNegative, fc.constant(Infinity)), { nil: null })
	},
	{
		requiredKeys: [
			'promptTokens',
			'generatedTokens',
			'timeToFirstTokenMs',
			'prefillMs',
			'totalMs',
			'meanEntropy',
			'perplexity'
		]
	}
);

const FINISHED = ['eos', 'stop-sequence', 'max-tokens', 'context-full'] as const;

function runArbitrary(registry: StageRegistry): fc.Arbitrary<RunRecord> {
	const token: fc.Arbitrary<TokenRecord> = fc.record(
		{ id: tokenId, piece: text(8), trace: traceArbitrary(registry) },
		{ requiredKeys: ['id', 'piece'] }
	);
	const ending = fc.oneof(
		fc.record({
			status: fc.constant('done' as const),
			finishReason: fc.constantFrom(...FINISHED),
			stats: statsArbitrary,
			error: fc.constant(null)
		}),
		fc.record({
			status: fc.constantFrom('running' as const, 'stopped' as const, 'interrupted' as const),
			finishReason: fc.option(fc.constantFrom(...FINISHED, 'stopped' as const), { nil: null }),
			stats: fc.option(statsArbitrary, { nil: null }),
			error: fc.option(text(40), { nil: null })
		}),
		fc.record({
			status: fc.constant('failed' as const),
			finishReason: fc.option(fc.constantFrom(...FINISHED, 'stopped' as const), { nil: null }),
			stats: fc.option(statsArbitrary, { nil: null }),
			error: text(40)
		})
	);
	return fc
		.record({
			id: fc.oneof(fc.constant('run'), nonBlank(MAX_ID_CHARS)),
			label: text(30),
			modelId: nonBlank(40),
			params: samplingParamsArbitrary(registry),
			seed: fc.option(fc.integer({ min: 0, max: MAX_SEED }), { nil: null }),
			text: text(200),
			tokens: fc.array(token, { maxLength: 5 }),
			ending,
			stopSequence: fc.option(text(10), { nil: null }),
			ignoredParams: fc.array(fc.record({ field: nonBlank(12), reason: text(40) }), {
				maxLength: 2
			}),
			ranOn: text(40)
		})
		.map(({ ending: end, ...run }) => ({ ...run, ...end }));
}

/** A valid stored session: a single run, or a compare of lanes with its sweep. */
export function sessionArbitrary(
	registry: StageRegistry = STAGE_DEFINITIONS
): fc.Arbitrary<SessionRecord> {
	const times = fc
		.tuple(
			fc.oneof(fc.integer({ min: 0, max: MAX_TIME }), fc.constantFrom(0, MAX_TIME)),
			fc.oneof(fc.integer({ min: 0, max: MAX_TIME }), fc.constantFrom(0, MAX_TIME))
		)
		.map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
	const common = {
		id: fc.oneof(fc.uuid(), nonBlank(MAX_ID_CHARS)),
		name: nonBlank(60),
		times
	};
	const single = fc.record({
		...common,
		kind: fc.constant('single' as const),
		experiment: experimentArbitrary({ registry }),
		runs: fc.tuple(runArbitrary(registry)).map((runs) => [...runs]),
		prefill: fc.constant(null)
	});
	const compare = fc.record({
		...common,
		kind: fc.constant('compare' as const),
		experiment: experimentArbitrary({ registry, sweep: 'always' }),
		runs: fc.uniqueArray(runArbitrary(registry), {
			minLength: 1,
			maxLength: 4,
			selector: (run) => run.id
		}),
		prefill: fc.option(fc.record({ evaluations: fc.nat(), ms: nonNegative }), { nil: null }),
		// A judgement ranks some of the lanes, in any order (a shuffle of their indexes).
		ranked: fc.option(fc.array(fc.nat(), { maxLength: 4 }), { nil: undefined })
	});
	return fc
		.oneof(single, compare)
		.map(({ times: [createdAt, updatedAt], ...rest }): SessionRecord => {
			const ranked = 'ranked' in rest ? rest.ranked : undefined;
			const ids = rest.runs.map((run) => run.id);
			const ranking = (ranked ?? [])
				.map((i) => ids[i % ids.length])
				.filter((id, i, all) => all.indexOf(id) === i);
			return {
				id: rest.id,
				name: rest.name,
				kind: rest.kind,
				createdAt,
				updatedAt,
				experiment: rest.experiment,
				runs: rest.runs,
				prefill: rest.prefill,
				...(ranked === undefined ? {} : { judgement: { ranking } })
			};
		});
}
