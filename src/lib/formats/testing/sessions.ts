import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '#lib/sampling';
import type { Experiment } from '#lib/core/experiment';
import type { RunRecord, SessionRecord } from '#lib/core/session';

/** Test data: valid stored sessions, changed per test through `overrides`. */

export function params(overrides: Partial<SamplingParams> = {}): SamplingParams {
	return {
		...DEFAULT_SAMPLING_PARAMS,
		order: [...DEFAULT_SAMPLING_PARAMS.order],
		logitBias: {},
		...overrides
	};
}

export function experiment(overrides: Partial<Experiment> = {}): Experiment {
	return {
		model: { id: 'stories260k', name: 'TinyStories 260K', engine: 'llama', sha256: null },
		input: { mode: 'completion', prompt: 'Once upon a time' },
		params: params({ temperature: 1, seed: 7 }),
		maxNewTokens: 40,
		contextLength: 2048,
		stopSequences: [],
		banEndOfText: false,
		sampling: 'exact',
		...overrides
	};
}

export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
	return {
		id: 'run',
		label: '',
		modelId: 'stories260k',
		params: params({ temperature: 1, seed: 7 }),
		seed: 7,
		text: ' there was a dog',
		tokens: [
			{ id: 10, piece: ' there' },
			{ id: 11, piece: ' was' },
			{ id: 12, piece: ' a' },
			{ id: 13, piece: ' dog' }
		],
		status: 'done',
		finishReason: 'max-tokens',
		stopSequence: null,
		stats: {
			promptTokens: 5,
			generatedTokens: 4,
			timeToFirstTokenMs: 12.5,
			prefillMs: 3,
			tokensPerSecond: 250,
			totalMs: 30,
			meanEntropy: 1.25,
			perplexity: 3.5
		},
		ignoredParams: [],
		ranOn: 'TinyStories 260K · wasm, 1 thread',
		error: null,
		...overrides
	};
}

export function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
	return {
		id: 'session-1',
		name: 'Once upon a time · 10:00',
		kind: 'single',
		createdAt: 1_700_000_000_000,
		updatedAt: 1_700_000_001_000,
		experiment: experiment(),
		runs: [runRecord()],
		prefill: null,
		...overrides
	};
}

/**
 * A version-1 sessions file, as the app wrote them before token data (tokens as JSON lists, a
 * trace per token): version 2 still imports these.
 */
export function sessionsFileV1(sessions: SessionRecord[], exportedAt = '2025-01-31T00:00:00.000Z') {
	const file = { format: 'sampling-playground-sessions', version: 1, exportedAt, sessions };
	return JSON.stringify(file, (_key, value: unknown) =>
		typeof value === 'number' && !Number.isFinite(value) ? String(value) : value
	);
}
