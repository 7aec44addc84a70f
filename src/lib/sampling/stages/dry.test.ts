import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Candidates } from '../candidates';
import {
	DEFAULT_SAMPLING_PARAMS,
	stageValues,
	validateSamplingParams,
	type SamplingParams
} from '../params';
import { ReferenceSampler } from '../reference';
import { createSampler, needsTokenTexts } from '../sampler';
import { historyArbitrary, logitsArbitrary, paramsArbitrary } from '../testing/arbitraries';
import { explainStage, softmax } from '../testing/stage-harness';
import { PenaltyWindow } from '../window';
import { DEFAULT_DRY_SEQUENCE_BREAKERS, DryPenalties, dryPenalty, sequenceBreakerIds } from './dry';
import { DEFAULT_ORDER, stageDefinition } from './registry';

type DryOverrides = Partial<SamplingParams>;

function params(overrides: DryOverrides = {}): SamplingParams {
	return { ...DEFAULT_SAMPLING_PARAMS, order: [...DEFAULT_SAMPLING_PARAMS.order], ...overrides };
}

/** Runs DRY alone on `logits` after `history`; `breakers` are token ids. */
function runDry(
	logits: number[],
	history: number[],
	overrides: DryOverrides,
	breakers: number[] = []
): number[] {
	const p = params({ dryMultiplier: 1, ...overrides });
	const candidates = new Candidates(logits.length);
	candidates.reset(Float32Array.from(logits));
	const stage = stageDefinition('dry').create(stageValues(p), {
		logitBias: {},
		sequenceBreakers: new Set(breakers)
	});
	stage.apply(candidates, { history, window: new PenaltyWindow(logits.length) });
	return Array.from(candidates.logits);
}

/** Probabilities after DRY and a softmax, as llama.cpp's tests check them (the dist sampler). */
function probabilities(
	probs: number[],
	history: number[],
	overrides: DryOverrides,
	breakers: number[] = []
): number[] {
	const logits = runDry(probs.map(Math.log), history, overrides, breakers);
	return [...softmax(logits).values()];
}

function expectClose(actual: number[], expected: number[], digits = 5): void {
	expect(actual).toHaveLength(expected.length);
	actual.forEach((value, i) => expect(value, `token ${i}`).toBeCloseTo(expected[i], digits));
}

describe('DRY', () => {
	it("gives llama.cpp's expected probabilities (tests/test-sampling.cpp, test_dry)", () => {
		const quarter = [0.25, 0.25, 0.25, 0.25];
		const fifth = [0.2, 0.2, 0.2, 0.2, 0.2];
		// Two tokens of context, allowed length 2: the window is too short to penalise anything.
		expectClose(
			probabilities(quarter, [0, 1], { dryBase: 1.1, dryAllowedLength: 2, dryPenaltyLastN: 4 }),
			quarter
		);
		// "0 1" repeats; 2 followed it before, so 2 is penalised by 1 · 1.1^0.
		expectClose(
			probabilities(quarter, [0, 1, 2, 0, 1], {
				dryBase: 1.1,
				dryAllowedLength: 2,
				dryPenaltyLastN: 5
			}),
			[0.296923, 0.296923, 0.109232, 0.296923]
		);
		// Token 3 is a breaker: the token that would extend "0 1" is never penalised.
		expectClose(
			probabilities(
				fifth,
				[0, 1, 3, 4, 0, 1],
				{ dryBase: 1.1, dryAllowedLength: 2, dryPenaltyLastN: 6 },
				[3]
			),
			fifth
		);
		// Multiplier 2.
		expectClose(
			probabilities(fifth, [0, 1, 2, 0, 1], {
				dryMultiplier: 2,
				dryBase: 1.1,
				dryAllowedLength: 2,
				dryPenaltyLastN: 5
			}),
			[0.241818, 0.241818, 0.032727, 0.241818, 0.241818]
		);
		// A repeat of 2 with allowed length 4 is let pass.
		expectClose(
			probabilities(fifth, [0, 1, 2, 3, 4, 0, 1], {
				dryBase: 1.1,
				dryAllowedLength: 4,
				dryPenaltyLastN: 7
			}),
			fifth
		);
	});

	it('penalises by multiplier · base^(length − allowed), length the longest repeat a token extends', () => {
		// Context a b c d a b c: "a b c" (3) would continue with d; "c" alone with d too.
		const history = [0, 1, 2, 3, 0, 1, 2];
		const logits = runDry([0, 0, 0, 0, 0], history, {
			dryMultiplier: 0.5,
			dryBase: 2,
			dryAllowedLength: 2
		});
		expect(logits).toEqual([0, 0, 0, -0.5 * 2 ** (3 - 2), 0]);
		// llama.cpp's own example: a b c c b c y a b c → c (3), b (1: not penalised), y (2).
		const [a, b, c, y] = [0, 1, 2, 3];
		const example = [a, b, c, c, b, c, y, a, b, c];
		const penalised = runDry([0, 0, 0, 0], example, {
			dryMultiplier: 1,
			dryBase: 3,
			dryAllowedLength: 2
		});
		expect(penalised).toEqual([0, 0, -(3 ** 1), -(3 ** 0)]);
		// Allowed length 1: b is penalised too, for its repeat of "c".
		const short = runDry([0, 0, 0, 0], example, {
			dryMultiplier: 1,
			dryBase: 3,
			dryAllowedLength: 1
		});
		expect(short).toEqual([0, -1, -(3 ** 2), -(3 ** 1)]);
	});

	it('stops a repeat at the last breaker of the window', () => {
		// a b ⏎ a b: the suffix may reach back to the breaker only: "a b" (2) still counts.
		const newline = 9;
		const history = [0, 1, 2, newline, 0, 1];
		expect(runDry(Array(10).fill(0), history, { dryAllowedLength: 2 }, [newline])[2]).toBe(-1);
		// a b c ⏎ b c: the repeat "b c" is limited to the 2 tokens after the breaker.
		const after = [0, 1, 2, 5, newline, 1, 2];
		expect(
			runDry(Array(10).fill(0), after, { dryAllowedLength: 2, dryBase: 2 }, [newline])[5]
		).toBe(-1);
		// ⏎ right at the end: no suffix may be matched.
		const atEnd = [0, 1, newline, 0, 1, newline];
		expect(runDry(Array(10).fill(0), atEnd, { dryAllowedLength: 1 }, [newline])).toEqual(
			Array(10).fill(0)
		);
	});

	it('looks only inside its window, and a window of 0 or a multiplier of 0 is off', () => {
		const history = [0, 1, 2, 3, 4, 0, 1];
		expect(runDry([0, 0, 0, 0, 0], history, { dryPenaltyLastN: -1 })[2]).toBe(-1);
		expect(runDry([0, 0, 0, 0, 0], history, { dryPenaltyLastN: 7 })[2]).toBe(-1);
		// The last 6 tokens no longer hold the earlier "0 1 2".
		expect(runDry([0, 0, 0, 0, 0], history, { dryPenaltyLastN: 6 })[2]).toBe(0);
		const definition = stageDefinition('dry');
		const values = (o: DryOverrides) => stageValues(params(o));
		expect(definition.isNeutral(values({ dryMultiplier: 0 }), { logitBias: {} })).toBe(true);
		expect(
			definition.isNeutral(values({ dryMultiplier: 1, dryPenaltyLastN: 0 }), { logitBias: {} })
		).toBe(true);
		expect(definition.isNeutral(values({ dryMultiplier: 1 }), { logitBias: {} })).toBe(false);
		expect(runDry([0, 0, 0, 0, 0], history, { dryPenaltyLastN: 0 })).toEqual([0, 0, 0, 0, 0]);
		expect(runDry([0, 0, 0, 0, 0], history, { dryMultiplier: 0 })).toEqual([0, 0, 0, 0, 0]);
	});

	it('is off by default, with llama.cpp’s defaults for the rest', () => {
		expect(DEFAULT_ORDER).not.toContain('dry');
		expect(DEFAULT_SAMPLING_PARAMS).toMatchObject({
			dryMultiplier: 0,
			dryBase: 1.75,
			dryAllowedLength: 2,
			dryPenaltyLastN: -1,
			drySequenceBreakers: ['\n', ':', '"', '*']
		});
		expect(needsTokenTexts(DEFAULT_SAMPLING_PARAMS)).toBe(false);
		expect(needsTokenTexts(params({ order: ['dry'], dryMultiplier: 0.8 }))).toBe(true);
		expect(
			needsTokenTexts(params({ order: ['dry'], dryMultiplier: 0.8, drySequenceBreakers: [] }))
		).toBe(false);
	});

	it('caps the exponent as llama.cpp does, so the penalty stays finite', () => {
		const values = { dryMultiplier: 1, dryBase: 2, dryAllowedLength: 2, dryPenaltyLastN: -1 };
		// ⌊88.7228391 / ln 2⌋ = 128.
		expect(dryPenalty(values, 2 + 500)).toBe(2 ** 128);
		expect(dryPenalty(values, 2 + 10)).toBe(1024);
	});

	it('explains itself: the matched earlier sequence, the penalty per token, the longest match', () => {
		// a b c d a b c: "a b c" was followed by d, which is penalised 0.5 · 2^(3 − 2) = 1.
		const history = [0, 1, 2, 3, 0, 1, 2];
		const overrides = { dryMultiplier: 0.5, dryBase: 2, dryAllowedLength: 2 };
		const detail = explainStage('dry', [0, 0, 0, 0, 0], overrides, [3, 0, 4], history);
		expect(detail.facts).toEqual([
			{ key: 'longestMatch', label: 'Longest match', value: 3, unit: 'tokens' },
			{ key: 'allowedLength', label: 'Allowed length', value: 2, unit: 'tokens' },
			{ key: 'penalised', label: 'Tokens penalised', value: 1 },
			{ key: 'breakerLimit', label: 'Tokens since the last breaker', value: 7 }
		]);
		expect(detail.measure).toMatchObject({ values: [1, 0, 0], kept: 'all' });
		expect(detail.measure?.lines).toEqual([{ label: 'Penalty at the allowed length', value: 0.5 }]);
		expect(detail.sequences).toEqual([
			{
				label: 'Earlier 3-token match, then the token it would repeat (penalty 1)',
				ids: [0, 1, 2, 3]
			}
		]);
		const none = explainStage('dry', [0, 0, 0, 0, 0], overrides, [0], [0, 1, 2, 3]);
		expect(none.sequences).toEqual([]);
		expect(none.note).toMatch(/nothing is penalised/);
	});

	it('finds breakers by their text, and remembers the scan', () => {
		const texts = ['Hello', ':', '\n\n', ' "quoted', 'plain', 'a*b'];
		const ids = sequenceBreakerIds(texts, DEFAULT_DRY_SEQUENCE_BREAKERS);
		expect([...ids].sort()).toEqual([1, 2, 3, 5]);
		expect(sequenceBreakerIds(texts, [...DEFAULT_DRY_SEQUENCE_BREAKERS])).toBe(ids);
		expect([...sequenceBreakerIds(texts, ['ell'])]).toEqual([0]);
		expect(sequenceBreakerIds(texts, []).size).toBe(0);
	});

	it('validates the breakers, naming the field', () => {
		const check = (drySequenceBreakers: unknown) => () =>
			validateSamplingParams({ ...params(), drySequenceBreakers });
		expect(check(['\n', 'END'])).not.toThrow();
		expect(check([])).not.toThrow();
		expect(check('\n')).toThrow(/^drySequenceBreakers must be a list of at most 32 texts/);
		expect(check(['\n', ''])).toThrow(/^drySequenceBreakers\[1\] must be a text of 1 to 40/);
		expect(check([3])).toThrow(/^drySequenceBreakers\[0\] must be a text/);
		expect(check(['x'.repeat(41)])).toThrow(/^drySequenceBreakers\[0\]/);
		expect(check([':', ':'])).toThrow(/^drySequenceBreakers\[1\] must be listed once/);
		expect(check(Array.from({ length: 33 }, (_, i) => String(i)))).toThrow(/at most 32/);
		expect(() => validateSamplingParams({ ...params(), dryBase: 1 })).toThrow(
			/^dryBase must be a number in \(1, 10\]/
		);
		expect(() => validateSamplingParams({ ...params(), dryAllowedLength: 0 })).toThrow(
			/^dryAllowedLength must be an integer in \[1, 100\]/
		);
		expect(() => validateSamplingParams({ ...params(), dryPenaltyLastN: -2 })).toThrow(
			/^dryPenaltyLastN must be an integer in \[0, 1048576\] or -1 = the whole context/
		);
	});

	it('matches the brute-force reference on random contexts (lengths, tokens and breakers)', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 2, max: 6 }),
				fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 120 }),
				fc.record({
					dryMultiplier: fc.double({ min: 0.1, max: 3, noNaN: true }),
					dryBase: fc.double({ min: 1.01, max: 4, noNaN: true }),
					dryAllowedLength: fc.integer({ min: 1, max: 5 }),
					dryPenaltyLastN: fc.constantFrom(-1, 1, 2, 5, 17, 64)
				}),
				fc.subarray([0, 1, 2, 3, 4, 5]),
				(vocab, raw, values, breakerIds) => {
					const history = raw.map((id) => id % vocab);
					const texts = Array.from({ length: vocab }, (_, id) =>
						breakerIds.includes(id) ? `${id}\n` : `t${id}`
					);
					const p = params({ ...values, order: ['dry'], topK: 0, seed: 1 });
					const logits = Float32Array.from({ length: vocab }, (_, i) => Math.sin(i + 1));
					const fast = createSampler(p, { vocabSize: vocab, tokenTexts: texts, trace: true });
					fast.sample(logits, history);
					const ids = sequenceBreakerIds(texts, p.drySequenceBreakers);
					const dry = new DryPenalties(values, ids);
					const n = dry.compute(history, vocab);
					// The same penalties as the brute force of the reference, token by token.
					const reference = bruteForce(history, values, ids);
					const found = new Map<number, number>();
					for (let i = 0; i < n; i++) found.set(dry.ids[i], dry.lengthOf(dry.ids[i]));
					expect(found).toEqual(reference);
					// Where each earlier occurrence ends, it holds the repeated suffix.
					for (const [id, length] of found) {
						const end = dry.endOf(id);
						expect(history[end + 1]).toBe(id);
						for (let back = 0; back < length; back++) {
							expect(history[end - back]).toBe(history[history.length - 1 - back]);
						}
					}
				}
			),
			{ numRuns: 500 }
		);
	});

	it('picks what the full-sort reference picks, switched on in random orders with breakers', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 2, max: 40 }).chain((vocabSize) =>
					fc.record({
						vocabSize: fc.constant(vocabSize),
						params: paramsArbitrary(vocabSize),
						dry: fc.double({ min: 0.1, max: 3, noNaN: true }),
						steps: fc.array(logitsArbitrary(vocabSize), { minLength: 1, maxLength: 4 }),
						prompt: historyArbitrary(vocabSize).map((h) => h.map((id) => id % 4)),
						texts: fc.array(fc.constantFrom('a', 'b', ':', '\n', 'x*', 'q'), {
							minLength: vocabSize,
							maxLength: vocabSize
						})
					})
				),
				(c) => {
					const p = c.params.order.includes('dry')
						? { ...c.params, dryMultiplier: c.dry }
						: { ...c.params, order: [...c.params.order, 'dry' as const], dryMultiplier: c.dry };
					const fast = createSampler(p, { vocabSize: c.vocabSize, tokenTexts: c.texts });
					const reference = new ReferenceSampler(p, c.vocabSize, c.texts);
					const history = [...c.prompt];
					for (const logits of c.steps) {
						const id = fast.sample(logits, history);
						expect(reference.sample(logits, history)).toBe(id);
						history.push(id);
					}
				}
			),
			{ numRuns: 300 }
		);
	});

	it('leaves at least one candidate, probabilities summing to 1', () => {
		fc.assert(
			fc.property(
				fc
					.integer({ min: 1, max: 30 })
					.chain((v) =>
						fc.tuple(
							logitsArbitrary(v),
							fc.array(fc.integer({ min: 0, max: v - 1 }), { maxLength: 60 })
						)
					),
				([logits, history]) => {
					const out = runDry(Array.from(logits), history, {
						dryMultiplier: 3,
						dryAllowedLength: 1
					});
					const finite = out.filter((x) => x > -Infinity);
					expect(finite.length).toBeGreaterThanOrEqual(1);
					const ids = out.map((_, i) => i).filter((i) => out[i] > -Infinity);
					const total = [...softmax(out, ids).values()].reduce((a, b) => a + b, 0);
					expect(total).toBeCloseTo(1, 12);
				}
			)
		);
	});
});

/** The reference's rule, written out once more: token → longest repeat it would extend. */
function bruteForce(
	history: number[],
	values: { dryAllowedLength: number; dryPenaltyLastN: number },
	breakers: ReadonlySet<number>
): Map<number, number> {
	const size =
		values.dryPenaltyLastN < 0 ? history.length : Math.min(values.dryPenaltyLastN, history.length);
	const window = history.slice(history.length - size);
	const out = new Map<number, number>();
	if (size <= values.dryAllowedLength) return out;
	let limit = size;
	for (let back = 0; back < size; back++) {
		if (breakers.has(window[size - 1 - back])) {
			limit = back;
			break;
		}
	}
	for (let j = 0; j + 1 < size; j++) {
		let length = 0;
		while (length <= j && window[j - length] === window[size - 1 - length]) length++;
		length = Math.min(length, limit);
		const next = window[j + 1];
		if (length >= values.dryAllowedLength && !breakers.has(next)) {
			out.set(next, Math.max(out.get(next) ?? 0, length));
		}
	}
	return out;
}
