import type { Candidates } from '../candidates';
import type { StageDefinition } from '../stage';
import type { StageDetail, TokenSequence } from '../stage-detail';
import { memberValues } from './explain';

/** llama.cpp's default sequence breakers: newline, colon, double quote, asterisk. */
export const DEFAULT_DRY_SEQUENCE_BREAKERS: readonly string[] = Object.freeze([
	'\n',
	':',
	'"',
	'*'
]);

/** Most sequence breakers a setting may list. */
export const MAX_DRY_SEQUENCE_BREAKERS = 32;

/** Longest sequence breaker, in characters (llama.cpp truncates longer ones to 40 bytes). */
export const MAX_DRY_SEQUENCE_BREAKER_LENGTH = 40;

/** ln of float32's largest value: llama.cpp caps the exponent so `base^exponent` stays finite. */
const FLOAT32_MAX_LOG = 88.7228391;

/**
 * DRY ("don't repeat yourself", p-e-w's sampler): penalises each token that would extend a
 * sequence the context already holds. For a candidate token t, let L(t) be the length of the
 * longest suffix of the context window that occurred earlier in the window followed by t. When
 * `L(t) ≥ allowed`, `logit(t) −= multiplier · base^(L(t) − allowed)`. The window is the last
 * `dryPenaltyLastN` tokens of the context, prompt included (−1 = the whole context, 0 = off);
 * matches are sought inside it only. A sequence breaker stops a match: the suffix may not reach
 * back past the last breaker in the window (so it is at most that many tokens long), and a
 * breaker token itself is never penalised.
 *
 * Matches llama.cpp's `dry` sampler (`llama_sampler_dry_apply` in `src/llama-sampling.cpp`): the
 * same window, the same reverse Z-algorithm (linear in the window: for every earlier position,
 * how long a suffix of the window also ends there, capped at the breaker limit), the same
 * "nothing when the window holds no more than `allowed` tokens", and its exponent cap
 * (`⌊88.7228391 / ln base⌋`, the log of float32's largest value over ln base, computed in
 * float32 as llama.cpp does). Where we differ:
 * - Breakers are single tokens: a token is a breaker when its text contains one of the breaker
 *   strings. llama.cpp also treats a token whose text ends with the start of a breaker, followed
 *   by the tokens of the breaker's rest, as a (multi-token) breaker; we do not. For the default
 *   breakers (one character each) both rules agree.
 * - A breaker longer than 40 characters is refused (llama.cpp truncates it to 40 bytes); an
 *   empty one is refused (llama.cpp skips it).
 * - Our logits and penalties are float64, llama.cpp's float32.
 * - llama.cpp's window of −1 is its context size; ours is the whole context so far (the same
 *   tokens, since the context never holds more).
 */
export const dry = {
	name: 'dry',
	label: 'DRY',
	summary:
		'Penalises tokens that would continue a sequence already in the context, more the longer the repeat: it breaks loops without touching single repeated words.',
	panelRank: 5.5,
	offByDefault: true,
	joinsBefore: 'temperature',
	externalOrder: { llamaCpp: 'dry', textgen: ['dry'] },
	params: [
		{
			key: 'dryMultiplier',
			label: 'DRY multiplier',
			min: 0,
			max: 10,
			default: 0,
			external: {
				llamaCpp: 'dry_multiplier',
				textgen: 'dry_multiplier',
				sillyTavern: 'dry_multiplier'
			},
			help: {
				what: 'How hard DRY pushes away from tokens that would repeat an earlier sequence: the penalty at the allowed length, subtracted from the logit.',
				low: '0 turns DRY off; 0.2 nudges against long verbatim repeats.',
				high: '2 and more makes any repeat beyond the allowed length nearly impossible, even names and set phrases.',
				typical: '0.8 (its author’s recommendation), with base 1.75 and allowed length 2.',
				fixes:
					'The model loops over a sentence or a paragraph: switch DRY on at 0.8. Names or code get mangled: lower it, or add breakers.'
			},
			slider: { min: 0, max: 2, step: 0.05 },
			sweep: { short: 'DRY' },
			resamplesWhatIf: true
		},
		{
			key: 'dryBase',
			label: 'DRY base',
			min: 1,
			minExclusive: true,
			max: 10,
			default: 1.75,
			external: { llamaCpp: 'dry_base', textgen: 'dry_base', sillyTavern: 'dry_base' },
			help: {
				what: 'How fast the DRY penalty grows with each token a repeat runs beyond the allowed length: multiplier × base^(length − allowed).',
				low: 'Near 1 the penalty barely grows, so long repeats are penalised little more than short ones.',
				high: '3 and more makes the penalty explode after a few tokens: long repeats become impossible.',
				typical: '1.75',
				fixes:
					'Short repeats slip through but long ones should not: raise the base rather than the multiplier.'
			},
			slider: { min: 1.05, max: 4, step: 0.05 },
			sweep: { short: 'DRY base' },
			resamplesWhatIf: true
		},
		{
			key: 'dryAllowedLength',
			label: 'DRY allowed length',
			min: 1,
			max: 100,
			integer: true,
			default: 2,
			external: {
				llamaCpp: 'dry_allowed_length',
				textgen: 'dry_allowed_length',
				sillyTavern: 'dry_allowed_length'
			},
			help: {
				what: 'The longest repeat DRY lets pass unpenalised: a token is penalised once the sequence it would continue is this long.',
				low: '1 penalises repeating any pair of tokens, which also hits common word pairs.',
				high: '5 and more lets whole phrases repeat and only stops long verbatim copies.',
				typical: '2 (llama.cpp’s default)',
				fixes:
					'Common phrases get avoided: raise it. Loops of short phrases slip through: lower it.'
			},
			slider: { min: 1, max: 10, step: 1 },
			sweep: { short: 'DRY len' },
			resamplesWhatIf: true
		},
		{
			key: 'dryPenaltyLastN',
			label: 'DRY window',
			min: 0,
			max: 1_048_576,
			integer: true,
			special: { [-1]: 'the whole context' },
			default: -1,
			external: {
				llamaCpp: 'dry_penalty_last_n',
				// SillyTavern's 0 (its default) means the whole context (ours: −1; 0 is off here).
				sillyTavern: {
					name: 'dry_penalty_last_n',
					read: (n) => (n === 0 ? -1 : n),
					write: (n) => (n === -1 ? 0 : n)
				}
			},
			help: {
				what: 'How many recent tokens (prompt included) DRY searches for earlier occurrences of the current ending.',
				low: '0 turns DRY off; a short window only catches loops that come back quickly.',
				high: '−1 searches the whole context, which also catches a passage copied from far back.',
				typical: '−1 (the whole context)',
				fixes:
					'The model copies a passage from the prompt: keep the window at −1. DRY fights a quotation the prompt asks for: shorten it.'
			},
			slider: { min: -1, max: 4096, step: 1 },
			sweep: null,
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ dryMultiplier, dryPenaltyLastN }) => dryMultiplier === 0 || dryPenaltyLastN === 0,
	create(values, shared) {
		const breakers = shared.sequenceBreakers ?? NO_BREAKERS;
		const dryRun = new DryPenalties(values, breakers);
		return {
			apply(candidates, { history }) {
				const penalised = dryRun.compute(history, candidates.vocabSize);
				if (penalised === 0) return;
				const { logits } = candidates;
				for (let i = 0; i < penalised; i++) {
					const id = dryRun.ids[i];
					logits[id] = logits[id] - dryRun.penaltyOf(id);
				}
				candidates.logitsChanged();
			},
			explain(candidates, { history }, tracked) {
				dryRun.compute(history, candidates.vocabSize);
				return explainDry(dryRun, candidates, history, tracked);
			}
		};
	}
} as const satisfies StageDefinition<
	'dry',
	'dryMultiplier' | 'dryBase' | 'dryAllowedLength' | 'dryPenaltyLastN'
>;

const NO_BREAKERS: ReadonlySet<number> = new Set();

/** Most matched sequences the why panel shows: the strongest penalty's, and ties with it. */
const SHOWN_SEQUENCES = 3;

/**
 * DRY's account of one step, from its matches (computed for this step): the longest repeat the
 * candidates would extend and the allowed length; the penalty on each tracked token; and the
 * earlier occurrence of the repeat behind the strongest penalty, followed by the token it would
 * repeat.
 */
function explainDry(
	dryRun: DryPenalties,
	candidates: Candidates,
	history: ArrayLike<number>,
	tracked: readonly number[]
): StageDetail {
	const { dryAllowedLength: allowed, dryMultiplier } = dryRun.values;
	const members = memberValues(
		candidates,
		Array.from(dryRun.ids.subarray(0, dryRun.penalisedCount)),
		() => 1
	);
	const penalised = Array.from(dryRun.ids.subarray(0, dryRun.penalisedCount)).filter(
		(_, i) => members[i] !== null
	);
	const longest = penalised.reduce((max, id) => Math.max(max, dryRun.lengthOf(id)), 0);
	const strongest = penalised
		.filter((id) => dryRun.lengthOf(id) === longest)
		.sort((x, y) => dryRun.endOf(y) - dryRun.endOf(x))
		.slice(0, SHOWN_SEQUENCES);
	const sequences: TokenSequence[] = strongest.map((id) => {
		const end = dryRun.endOf(id);
		const match = Array.from({ length: longest }, (_, i) => history[end - longest + 1 + i]);
		return {
			label: `Earlier ${longest}-token match, then the token it would repeat (penalty ${formatPenalty(dryRun.penaltyOf(id))})`,
			ids: [...match, id]
		};
	});
	const limit = dryRepeatLimit(
		history,
		dryWindowSize(history.length, dryRun.values.dryPenaltyLastN),
		dryRun.breakers
	);
	return {
		facts: [
			{ key: 'longestMatch', label: 'Longest match', value: longest, unit: 'tokens' },
			{ key: 'allowedLength', label: 'Allowed length', value: allowed, unit: 'tokens' },
			{ key: 'penalised', label: 'Tokens penalised', value: penalised.length },
			{ key: 'breakerLimit', label: 'Tokens since the last breaker', value: limit }
		],
		measure: {
			label: 'DRY penalty',
			unit: 'logit',
			values: memberValues(candidates, tracked, (id) =>
				dryRun.lengthOf(id) >= allowed && !dryRun.breakers.has(id) ? dryRun.penaltyOf(id) : 0
			),
			lines: [{ label: 'Penalty at the allowed length', value: dryMultiplier }],
			kept: 'all'
		},
		sequences,
		note:
			penalised.length === 0
				? `No repeat of ${allowed} or more tokens would continue: nothing is penalised.`
				: `The context ends with a repeat of up to ${longest} tokens; ${penalised.length} token${penalised.length === 1 ? '' : 's'} would extend one and lose multiplier × base^(length − ${allowed}).`
	};
}

function formatPenalty(value: number): string {
	return value >= 1000 ? value.toExponential(2) : String(Number(value.toPrecision(3)));
}

/** DRY's parameters, as the stage reads them. */
export interface DryValues {
	dryMultiplier: number;
	dryBase: number;
	dryAllowedLength: number;
	dryPenaltyLastN: number;
}

/** The tokens of the context DRY looks at: the last `lastN` (−1 = all, 0 = none). */
export function dryWindowSize(historyLength: number, lastN: number): number {
	return lastN < 0 ? historyLength : Math.min(lastN, historyLength);
}

/** The penalty for a repeat of `length` tokens (≥ allowed), with llama.cpp's exponent cap. */
export function dryPenalty(values: DryValues, length: number): number {
	const { dryMultiplier, dryBase, dryAllowedLength } = values;
	// In float32 as llama.cpp computes it (base 2 gives 128, where float64 would give 127).
	const maxExponent =
		dryBase > 1.000001
			? Math.trunc(
					Math.fround(Math.fround(FLOAT32_MAX_LOG) / Math.fround(Math.log(Math.fround(dryBase))))
				)
			: 0;
	let exponent = length - dryAllowedLength;
	if (maxExponent > 0 && exponent > maxExponent) exponent = maxExponent;
	return dryMultiplier * Math.pow(dryBase, exponent);
}

/**
 * The longest suffix DRY may match: the number of tokens after the window's last breaker (the
 * whole window when it holds none).
 */
export function dryRepeatLimit(
	history: ArrayLike<number>,
	size: number,
	breakers: ReadonlySet<number>
): number {
	const end = history.length;
	if (breakers.size === 0) return size;
	for (let back = 0; back < size; back++) {
		if (breakers.has(history[end - 1 - back])) return back;
	}
	return size;
}

/**
 * One step's DRY matches, computed into reused buffers: `ids[0..n)` are the tokens to penalise,
 * `lengthOf(id)` the longest repeat each would extend, `endOf(id)` where (in `history`) the
 * earlier occurrence of that repeat ends. Linear in the window.
 */
export class DryPenalties {
	/** Tokens a step penalises, in the order first found. */
	ids = new Int32Array(0);
	private repeat = new Int32Array(0);
	private longest = new Int32Array(0);
	private ends = new Int32Array(0);
	private count = 0;

	constructor(
		readonly values: DryValues,
		readonly breakers: ReadonlySet<number>
	) {}

	/** How many tokens the last {@link compute} penalised (listed first in `ids`). */
	get penalisedCount(): number {
		return this.count;
	}

	/** The longest repeat `id` would extend this step (0 when none reaches the allowed length). */
	lengthOf(id: number): number {
		return id < this.longest.length ? this.longest[id] : 0;
	}

	/** Where in the history the earlier occurrence behind {@link lengthOf} ends (its last token). */
	endOf(id: number): number {
		return this.ends[id];
	}

	penaltyOf(id: number): number {
		return dryPenalty(this.values, this.lengthOf(id));
	}

	/** Finds this step's matches; returns how many tokens are penalised (listed in `ids`). */
	compute(history: ArrayLike<number>, vocabSize: number): number {
		this.clear(vocabSize);
		const { dryMultiplier, dryAllowedLength: allowed, dryPenaltyLastN } = this.values;
		if (dryMultiplier === 0 || dryPenaltyLastN === 0) return 0;
		const end = history.length;
		const size = dryWindowSize(end, dryPenaltyLastN);
		if (size <= allowed) return 0;
		const limit = dryRepeatLimit(history, size, this.breakers);
		if (limit < allowed) return 0;
		const repeat = this.suffixMatches(history, size, limit);
		// repeat[k]: the window's suffix also ends k tokens before the end, `repeat[k]` long; the
		// token after that earlier occurrence (k − 1 tokens before the end) would extend it.
		const { longest, ends, ids } = this;
		for (let k = 1; k < size; k++) {
			const length = repeat[k];
			if (length < allowed) continue;
			const id = history[end - k];
			if (this.breakers.has(id)) continue;
			if (longest[id] === 0) ids[this.count++] = id;
			// On a tie the nearest occurrence is kept (the penalty is the same either way).
			if (length > longest[id]) {
				longest[id] = length;
				ends[id] = end - 1 - k;
			}
		}
		return this.count;
	}

	/**
	 * The reverse Z-algorithm over the window: `repeat[k]` (1 ≤ k < size) is how many tokens the
	 * window's end shares with the window ending k tokens earlier, capped at `limit`.
	 */
	private suffixMatches(history: ArrayLike<number>, size: number, limit: number): Int32Array {
		if (this.repeat.length < size)
			this.repeat = new Int32Array(Math.max(size, 2 * this.repeat.length));
		const repeat = this.repeat;
		const last = history.length - 1;
		// Token `i` back from the end is history[last − i]; the Z-box [left, right] in those terms.
		let left = 0;
		let right = 0;
		for (let k = 1; k < size; k++) {
			let n: number;
			if (k > right) {
				n = 0;
				while (n + k < size && history[last - n] === history[last - n - k]) n++;
				if (n > 0) {
					left = k;
					right = k + n - 1;
				}
			} else {
				const known = repeat[k - left];
				const inside = right - k + 1;
				if (known < inside) {
					n = known;
				} else {
					let i = right + 1;
					while (i < size && history[last - i] === history[last - (i - k)]) i++;
					n = i - k;
					left = k;
					right = i - 1;
				}
			}
			repeat[k] = Math.min(n, limit);
		}
		return repeat;
	}

	private clear(vocabSize: number): void {
		if (this.longest.length !== vocabSize) {
			this.longest = new Int32Array(vocabSize);
			this.ends = new Int32Array(vocabSize);
			this.ids = new Int32Array(vocabSize);
		} else {
			for (let i = 0; i < this.count; i++) this.longest[this.ids[i]] = 0;
		}
		this.count = 0;
	}
}

/**
 * The token ids that are DRY sequence breakers for a model whose token texts are `texts` (index =
 * id): those whose text contains one of `breakers`. Remembered per texts array and breaker list,
 * since the scan reads the whole vocabulary.
 */
export function sequenceBreakerIds(
	texts: readonly string[],
	breakers: readonly string[]
): ReadonlySet<number> {
	const wanted = breakers.filter((breaker) => breaker !== '');
	if (wanted.length === 0) return NO_BREAKERS;
	let byList = breakerCache.get(texts);
	if (!byList) {
		byList = new Map();
		breakerCache.set(texts, byList);
	}
	const key = JSON.stringify(wanted);
	let ids = byList.get(key);
	if (!ids) {
		const found = new Set<number>();
		for (let id = 0; id < texts.length; id++) {
			const text = texts[id];
			if (wanted.some((breaker) => text.includes(breaker))) found.add(id);
		}
		ids = found;
		byList.set(key, ids);
	}
	return ids;
}

const breakerCache = new WeakMap<readonly string[], Map<string, ReadonlySet<number>>>();
