import type { Candidates } from '../candidates';
import type { StageDefinition } from '../stage';
import type { StageDetail } from '../stage-detail';
import { memberValues } from './explain';

/** How many matched earlier n-grams the chart lists (the most recent ones). */
const MAX_SHOWN_MATCHES = 8;

/** How many banned tokens the chart lists. */
const MAX_SHOWN_BANNED = 64;

/**
 * No-repeat n-gram: removes every token that would complete an n-gram already present in the
 * context (history, prompt included). With the context x₀ … x_{L−1}, the last n − 1 tokens
 * x_{L−n+1} … x_{L−1} are the prefix; every earlier position j (0 ≤ j ≤ L − n) where
 * x_j … x_{j+n−2} equals that prefix bans x_{j+n−1}, the token that followed it. n = 1 bans every
 * token of the context; n = 0 turns it off. A context shorter than n bans nothing. If the ban
 * would leave no member with a finite logit, the best one is kept (and the trace says so).
 *
 * llama.cpp has no such sampler. This is the rule of Hugging Face's
 * `NoRepeatNGramLogitsProcessor` (text-generation-webui's `no_repeat_ngram_size`), which sets the
 * banned tokens' scores to −∞; we remove them from the candidates instead, so the trace names this
 * stage as the one that dropped them, and keep one token where they would leave none. The cost is
 * one scan of the context per step (compare its n − 1 tokens at each position) plus, when a token
 * is banned, one pass over the members.
 */
export const noRepeatNgram = {
	name: 'no-repeat-ngram',
	label: 'No-repeat n-gram',
	summary:
		'Bans every token that would complete an n-token sequence already in the context, so no n-gram appears twice.',
	panelRank: 5.5,
	offByDefault: true,
	joinsBefore: 'temperature',
	externalOrder: { textgen: ['no_repeat_ngram'] },
	params: [
		{
			key: 'noRepeatNgramSize',
			label: 'No-repeat n-gram size',
			min: 0,
			max: 64,
			integer: true,
			default: 0,
			external: { textgen: 'no_repeat_ngram_size', sillyTavern: 'no_repeat_ngram_size' },
			help: {
				what: 'Bans any token that would repeat a sequence of n tokens already in the context (prompt included).',
				low: '0 turns it off; 1 bans every token already used (rarely wanted); 2–3 forbid repeating even short phrases.',
				high: 'Large n only stops long verbatim copies, such as a looping paragraph.',
				typical:
					'0 for chat (it also bans names and phrases that must recur); 3–6 against verbatim loops.',
				fixes:
					'A paragraph or phrase loops word for word: set n to a few tokens. Names or code break because they cannot recur: raise n or turn it off (DRY or the repetition penalty are gentler).'
			},
			slider: { min: 0, max: 16, step: 1 },
			sweep: { short: 'no-rep n' },
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ noRepeatNgramSize }) => noRepeatNgramSize === 0,
	create({ noRepeatNgramSize: n }) {
		/** Scratch: the banned ids, and a mark per token id (cleared after each step). */
		let banned = new Int32Array(0);
		let marks = new Uint8Array(0);
		return {
			apply(candidates, { history }) {
				if (marks.length !== candidates.vocabSize) {
					marks = new Uint8Array(candidates.vocabSize);
					banned = new Int32Array(candidates.vocabSize);
				}
				const count = bannedTokens(history, n, marks, banned);
				if (count === 0) return;
				removeMarked(candidates, marks, count);
				for (let i = 0; i < count; i++) marks[banned[i]] = 0;
			},
			explain(candidates, { history }, tracked) {
				const context = Array.from(history);
				const positions = matchedPositions(context, n);
				const completes = new Map<number, number>();
				for (const j of positions) {
					const next = context[j + n - 1];
					completes.set(next, (completes.get(next) ?? 0) + 1);
				}
				const banned = [...completes.keys()].filter((id) => id >= 0 && id < candidates.vocabSize);
				const shown = positions.slice(-MAX_SHOWN_MATCHES);
				const detail: StageDetail = {
					facts: [
						{ key: 'n', label: 'n', value: n },
						{ key: 'matches', label: 'Earlier n-grams matched', value: positions.length },
						{ key: 'banned', label: 'Tokens banned', value: banned.length }
					],
					measure: {
						label: 'Earlier n-grams it would repeat',
						values: memberValues(candidates, tracked, (id) => completes.get(id) ?? 0),
						lines: [{ label: 'allowed', value: 0 }],
						kept: 'below'
					},
					sequences: [
						...(n > 1 && context.length >= n - 1
							? [{ label: 'Last n − 1 tokens', ids: context.slice(-(n - 1)) }]
							: []),
						...shown.map((j) => ({
							label: `Earlier n-gram at token ${j}`,
							ids: context.slice(j, j + n)
						}))
					]
				};
				if (banned.length > 0) {
					const listed = banned.slice(0, MAX_SHOWN_BANNED);
					const more = banned.length > listed.length ? ` (first ${listed.length})` : '';
					detail.sequences!.push({ label: `Banned${more}`, ids: listed });
				}
				const notes: string[] = [];
				if (positions.length > shown.length) {
					notes.push(
						`${positions.length} earlier n-grams match; the last ${shown.length} are shown.`
					);
				}
				let survivor = false;
				for (let i = 0; i < candidates.count && !survivor; i++) {
					const id = candidates.idAt(i);
					survivor = !completes.has(id) && candidates.logits[id] > -Infinity;
				}
				if (!survivor) notes.push('Every candidate would be banned: the best one is kept.');
				if (notes.length > 0) detail.note = notes.join(' ');
				return detail;
			}
		};
	}
} as const satisfies StageDefinition<'no-repeat-ngram', 'noRepeatNgramSize'>;

/**
 * The tokens that would complete an n-gram of `history` (see {@link noRepeatNgram}): each is
 * marked in `marks` (set to 1) and listed once in `banned`; returns how many. Ids outside
 * `marks` are not the vocabulary's and are skipped.
 */
export function bannedTokens(
	history: ArrayLike<number>,
	n: number,
	marks: Uint8Array,
	banned: Int32Array
): number {
	const length = history.length;
	const prefixStart = length - n + 1;
	let count = 0;
	for (let j = 0; j + n <= length; j++) {
		let k = 0;
		while (k < n - 1 && history[j + k] === history[prefixStart + k]) k++;
		if (k < n - 1) continue;
		const next = history[j + n - 1];
		if (next < 0 || next >= marks.length || marks[next] === 1) continue;
		marks[next] = 1;
		banned[count++] = next;
	}
	return count;
}

/** The earlier positions j whose n-gram the context's last n − 1 tokens would repeat. */
export function matchedPositions(history: ArrayLike<number>, n: number): number[] {
	const length = history.length;
	const prefixStart = length - n + 1;
	const positions: number[] = [];
	for (let j = 0; j + n <= length; j++) {
		let k = 0;
		while (k < n - 1 && history[j + k] === history[prefixStart + k]) k++;
		if (k === n - 1) positions.push(j);
	}
	return positions;
}

/**
 * Removes the members marked in `marks` (`marked` ids in all), keeping the others in their
 * order; when that would leave no member with a finite logit (none, or only banned −∞ ones),
 * keeps the best member alone and sets `fallback`.
 */
function removeMarked(candidates: Candidates, marks: Uint8Array, marked: number): void {
	const { ids, logits } = candidates;
	const count = candidates.count;
	let kept = 0;
	let finite = false;
	if (candidates.dense) {
		// A dense set holds every id, so each marked id is a member; `ids` is free to fill.
		if (marked === 0) return;
		for (let id = 0; id < count; id++) {
			if (marks[id] === 0) {
				ids[kept++] = id;
				if (logits[id] > -Infinity) finite = true;
			}
		}
	} else {
		for (let i = 0; i < count; i++) {
			const id = ids[i];
			if (marks[id] === 0) {
				kept++;
				if (logits[id] > -Infinity) finite = true;
			}
		}
		if (kept === count) return;
		if (finite) {
			let next = 0;
			for (let i = 0; i < count; i++) if (marks[ids[i]] === 0) ids[next++] = ids[i];
		}
	}
	if (!finite) {
		candidates.keepOnly(candidates.bestId());
		candidates.fallback = true;
		return;
	}
	if (candidates.dense) {
		candidates.dense = false;
		candidates.sorted = false;
	}
	candidates.count = kept;
}
