/**
 * Fills the history with many realistic sessions through the session store's own API (so it
 * keeps working whatever the stored form of tokens becomes): the history bench and the
 * history-at-scale browser test call it through the page's test hooks (`?testHooks`).
 */
import type { Experiment } from '#lib/core/experiment';
import type { RunRecord, SessionRecord } from '#lib/core/session';
import { newRun, newSession } from '#lib/storage/sessions-recording';
import type { SessionStore } from '#lib/storage/sessions';

const WORDS = (
	'once upon a time there was a little girl named lily she loved to play in the park with her ' +
	'dog max one day they found a big red ball under a tree and the sun was shining so they ran ' +
	'home to tell mom about the happy day and the bird sang a song in the garden'
).split(' ');

export interface SeedOptions {
	/** Sessions to add. */
	count: number;
	/** Tokens of each run: from `minTokens` to `maxTokens`. */
	minTokens?: number;
	maxTokens?: number;
	/** One session in this many is a compare (of 2 to 4 lanes); the others single runs. */
	compareEvery?: number;
	/** Time of the newest session (ms); each older one a minute before it. */
	now?: number;
	/** Sessions written per transaction. */
	batch?: number;
}

/** A small deterministic generator, so two seedings hold the same history. */
function random(seed: number): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 2 ** 32;
	};
}

function finishedRun(run: RunRecord, tokens: number, next: () => number, seed: number): RunRecord {
	const pieces = Array.from(
		{ length: tokens },
		() => ` ${WORDS[Math.floor(next() * WORDS.length)]}`
	);
	return {
		...run,
		seed,
		text: pieces.join(''),
		tokens: pieces.map((piece, i) => ({ id: 100 + ((i * 7919) % 400), piece })),
		status: 'done',
		finishReason: 'max-tokens',
		stats: {
			promptTokens: 5,
			generatedTokens: tokens,
			timeToFirstTokenMs: 12,
			prefillMs: 3,
			tokensPerSecond: 250,
			totalMs: tokens * 4,
			meanEntropy: 1.5,
			perplexity: 3.2
		},
		ranOn: 'TinyStories 260K · wasm, 1 thread'
	};
}

/** Sessions like the ones `base` (the page's experiment) would give, numbered from `from`. */
export function seedSessions(base: Experiment, options: SeedOptions, from = 0): SessionRecord[] {
	const { count, minTokens = 50, maxTokens = 100, compareEvery = 4 } = options;
	const now = options.now ?? Date.now();
	const sessions: SessionRecord[] = [];
	for (let i = from; i < from + count; i++) {
		const next = random(i + 1);
		const tokens = () => minTokens + Math.floor(next() * (maxTokens - minTokens + 1));
		const prompt = `Story ${i}: ${WORDS.slice(i % 20, (i % 20) + 6).join(' ')}`;
		const compare = compareEvery > 0 && i % compareEvery === compareEvery - 1;
		const lanes = compare ? 2 + (i % 3) : 1;
		const seeds = Array.from({ length: lanes }, (_, lane) => i * 10 + lane + 1);
		const experiment: Experiment = {
			...base,
			input: { mode: 'completion', prompt },
			params: { ...base.params, seed: seeds[0] },
			sweep: [{ param: 'seed', text: seeds.join(', ') }]
		};
		// A single run has no sweep at all (a field holding undefined is not a sweep).
		if (!compare) delete experiment.sweep;
		const runs = seeds.map((seed, lane) =>
			finishedRun(
				newRun({
					id: compare ? `lane-${lane + 1}` : 'run',
					label: compare ? `seed ${seed}` : '',
					modelId: base.model.id,
					params: { ...base.params, seed }
				}),
				tokens(),
				next,
				seed
			)
		);
		const at = now - (i + 1) * 60_000;
		const record = newSession(compare ? 'compare' : 'single', experiment, runs, `seeded-${i}`, at);
		sessions.push({ ...record, prefill: compare ? { evaluations: 1, ms: 3 } : null });
	}
	return sessions;
}

/** Adds `options.count` sessions through the store, a batch per transaction; returns how many. */
export async function seedHistory(
	store: SessionStore,
	base: Experiment,
	options: SeedOptions
): Promise<number> {
	const batch = options.batch ?? 500;
	let added = 0;
	for (let from = 0; from < options.count; from += batch) {
		const sessions = seedSessions(
			base,
			{ ...options, count: Math.min(batch, options.count - from) },
			from
		);
		added += (await store.importSessions(sessions)).imported;
	}
	return added;
}
