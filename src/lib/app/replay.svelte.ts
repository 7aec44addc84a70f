import { withSkill } from '#lib/core/skill';
import { compareReplay, replayable, replayLength, type ReplayVerdict } from '#lib/compare/replay';
import type { SessionRecord } from '#lib/core/session';
import type { PlaygroundClient } from './client';
import { describeError } from './errors';
import type { ModelLoader } from './model-loader.svelte';
import type { Notices } from './notices.svelte';
import type { RunSettings } from './run-settings.svelte';
import type { History } from './sessions.svelte';

export interface ReplayDeps {
	client: PlaygroundClient;
	loader: ModelLoader;
	settings: RunSettings;
	notices: Notices;
	/** The single run and compare: a replay waits while either streams. */
	single: { readonly running: boolean };
	compare: { readonly running: boolean };
	/** The history, whose open session is the one to replay. */
	history: History;
}

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
 * against what was stored, token by token. Reads the session from the history, loads models
 * through the loader and generates with the client; the replay panel calls it.
 */
export class Replay {
	outcomes = $state<ReplayOutcome[] | null>(null);
	/** Said once above the outcomes: e.g. that the model file changed. */
	note = $state('');
	running = $state(false);
	/** The session the outcomes belong to. */
	sessionId = $state<string | null>(null);

	constructor(private readonly deps: ReplayDeps) {}

	/** The session on the page, if it is one of the history's. */
	get openId(): string | null {
		return this.deps.history.openId;
	}

	/** The open session can be replayed now: it is saved, and nothing is streaming. */
	get available(): boolean {
		const { history, single, compare } = this.deps;
		const id = history.openId;
		return id !== null && !history.isRecording(id) && !single.running && !compare.running;
	}

	/** The outcomes of the open session's last replay, if it was replayed. */
	get openOutcomes(): ReplayOutcome[] | null {
		return this.sessionId === this.openId ? this.outcomes : null;
	}

	/** Replays the session open on the page. */
	async replayOpen(): Promise<void> {
		const id = this.openId;
		if (!id) return;
		const record = await this.deps.history.store.get(id);
		if (record) await this.replay(record);
	}

	async replay(record: SessionRecord): Promise<void> {
		const { single, loader } = this.deps;
		if (this.running || single.running || loader.loading) return;
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
		const { client, loader, settings, notices } = this.deps;
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
		// GGUF models run on the CPU engine the session recorded (its lanes all ran on one).
		const recorded = record.experiment.model.engine;
		const model = await loader.useModel(
			run.modelId,
			recorded === 'webllm' ? loader.cpuEngine : recorded
		);
		if (!model) {
			return {
				...outcome,
				problem: notices.error || `The model ${run.modelId} could not be loaded.`
			};
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
			const result = await client.generate({
				// A lane of a skill sweep sent its skill's text as the system prompt.
				input: withSkill(experiment.input, run.skill),
				params: settings.requestParams(
					model,
					{ ...run.params, seed: run.seed },
					experiment.banEndOfText
				),
				maxNewTokens: replayLength(run, experiment.maxNewTokens),
				stopSequences: experiment.stopSequences,
				sampling: experiment.sampling
			});
			const verdict = compareReplay(run, result.tokenIds);
			if (verdict.kind === 'identical') return { ...outcome, verdict };
			const [now] = verdict.now === null ? [null] : await client.tokenPieces([verdict.now]);
			const saved = verdict.saved === null ? null : (run.tokens[verdict.step]?.piece ?? null);
			return { ...outcome, verdict, pieces: { saved, now } };
		} catch (error) {
			return { ...outcome, problem: describeError(error) };
		}
	}
}
