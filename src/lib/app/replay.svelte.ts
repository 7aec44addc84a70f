import { compareReplay, replayable, replayLength, type ReplayVerdict } from '#lib/compare/replay';
import type { SessionRecord } from '#lib/core/session';
import { describeError } from './errors';
import type { Playground } from './playground.svelte';

/** One stored output replayed. */
export interface ReplayOutcome {
	runId: string;
	label: string;
	verdict: ReplayVerdict | null;
	/** The texts of the two tokens where the outputs part, when they differ. */
	pieces: { saved: string | null; now: string | null };
	/** Why it could not be replayed. */
	problem: string | null;
}

/**
 * Re-runs a stored session's outputs with their models, settings and seeds, and checks each
 * against what was stored, token by token.
 */
export class Replay {
	outcomes = $state<ReplayOutcome[] | null>(null);
	/** Said once above the outcomes: e.g. that the model file changed. */
	note = $state('');
	running = $state(false);
	/** The session the outcomes belong to. */
	sessionId = $state<string | null>(null);

	constructor(private readonly playground: Playground) {}

	async replay(record: SessionRecord): Promise<void> {
		const p = this.playground;
		if (this.running || p.running || p.loading) return;
		this.running = true;
		this.sessionId = record.id;
		this.outcomes = [];
		this.note = '';
		try {
			for (const run of record.runs) {
				this.outcomes = [...this.outcomes, await this.#replayRun(record, run)];
			}
		} finally {
			this.running = false;
		}
	}

	async #replayRun(
		record: SessionRecord,
		run: SessionRecord['runs'][number]
	): Promise<ReplayOutcome> {
		const p = this.playground;
		const outcome = {
			runId: run.id,
			label: run.label,
			verdict: null,
			problem: null,
			pieces: { saved: null, now: null }
		};
		if (!replayable(run)) {
			return { ...outcome, problem: 'It failed or never started, so there is nothing to check.' };
		}
		const model = await p.useModel(run.modelId);
		if (!model) {
			return { ...outcome, problem: p.error || `The model ${run.modelId} could not be loaded.` };
		}
		const stored = record.experiment.model;
		if (
			stored.id === run.modelId &&
			stored.sha256 &&
			model.sha256 &&
			stored.sha256 !== model.sha256
		) {
			this.note = `The model file changed since this session was saved (sha256 ${stored.sha256.slice(0, 12)}… then, ${model.sha256.slice(0, 12)}… now), so outputs may differ.`;
		}
		try {
			const { experiment } = record;
			const result = await p.client.generate({
				input: experiment.input,
				params: p.requestParams(model, { ...run.params, seed: run.seed }, experiment.banEndOfText),
				maxNewTokens: replayLength(run, experiment.maxNewTokens),
				stopSequences: experiment.stopSequences,
				sampling: experiment.sampling
			});
			const verdict = compareReplay(run, result.tokenIds);
			if (verdict.kind === 'identical') return { ...outcome, verdict };
			const [now] = verdict.now === null ? [null] : await p.client.tokenPieces([verdict.now]);
			const saved = verdict.saved === null ? null : (run.tokens[verdict.step]?.piece ?? null);
			return { ...outcome, verdict, pieces: { saved, now } };
		} catch (error) {
			return { ...outcome, problem: describeError(error) };
		}
	}
}
