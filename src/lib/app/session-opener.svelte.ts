import type { SessionRecord } from '#lib/core/session';
import { DamagedSessionError } from '#lib/storage/sessions';
import type { CompareState } from './compare.svelte';
import { describeError } from './errors';
import type { ExperimentDraft } from './experiment-draft.svelte';
import type { Notices } from './notices.svelte';
import type { History } from './sessions.svelte';
import type { SingleRun } from './single-run.svelte';

export interface SessionOpenerDeps {
	history: History;
	draft: ExperimentDraft;
	single: SingleRun;
	compare: CompareState;
	notices: Notices;
}

/**
 * Puts stored sessions back on the page: their model, prompt, settings and outputs as stored,
 * and the session open before a reload. Reads the history; writes the draft, the single run or
 * compare, and the notices. The history sidebar, the replay panel and the page call it.
 */
export class SessionOpener {
	constructor(private readonly deps: SessionOpenerDeps) {}

	/** A run or compare is streaming: sessions cannot be reopened until it ends. */
	get busy(): boolean {
		return this.deps.single.running || this.deps.compare.running;
	}

	/**
	 * Lists the history, then (with `reopen`) puts back the session that was open when the page
	 * was last left, once `ready` (the model list, needed to select its model) has settled.
	 */
	async start(ready: Promise<unknown>, options: { reopen: boolean }): Promise<void> {
		const { history } = this.deps;
		await history.refresh();
		if (!options.reopen) return;
		const id = await history.store.current().catch(() => null);
		await ready.catch(() => undefined);
		if (!id || this.busy || history.openId !== null) return;
		await this.open(id, { quiet: true });
	}

	/**
	 * Puts a stored session back on the page: its model, prompt and settings, and its outputs
	 * exactly as stored. Returns the session's kind, or null when it could not be opened.
	 */
	async open(id: string, options: { quiet?: boolean } = {}): Promise<SessionRecord['kind'] | null> {
		const { history, draft, single, compare, notices } = this.deps;
		if (this.busy) {
			notices.notice = 'Stop the run before opening another session.';
			return null;
		}
		let record: SessionRecord | undefined;
		try {
			await history.settled();
			record = await history.store.get(id);
		} catch (error) {
			// The history already shows a damaged session as such; reopening it after a reload
			// would only repeat that.
			if (options.quiet && error instanceof DamagedSessionError) return null;
			history.error = `The session could not be read: ${describeError(error)}`;
			return null;
		}
		if (!record) {
			if (!options.quiet) notices.notice = 'That session is no longer in the history.';
			await history.refresh();
			return null;
		}
		const problem = draft.apply(record.experiment);
		if (record.kind === 'compare') {
			compare.applySweep(record.experiment.sweep ?? [], record.experiment.skills);
			compare.showStored(record);
		} else {
			single.showStoredRun(record.runs[0]);
		}
		notices.error = '';
		notices.notice = problem ?? '';
		history.markOpen(id);
		return record.kind;
	}
}
