import { isJudgeable, rankOf, withBest, withRank } from '#lib/compare/judgement';
import type { SessionRecord } from '#lib/core/session';
import { dpoJsonl, isJudged, sftJsonl, trainingFileName } from '#lib/formats/training-data';
import type { CompareState } from './compare.svelte';
import { plural } from '#lib/core/plural';
import { describeError } from './errors';
import type { ExportedFile, History } from './sessions.svelte';

export interface JudgementsDeps {
	compare: CompareState;
	history: History;
}

export type TrainingKind = 'sft' | 'dpo';

/**
 * The user's judgement of the compare on the page (the best lane, or a ranking), stored with its
 * session as soon as it changes, and the SFT and DPO exports of it and of every judged compare in
 * the history. Reads and writes the compare's `ranking`; calls the history's store. The compare
 * view's lanes and its judgement bar call it.
 */
export class Judgements {
	/** Why the last change could not be stored, or an export not written. */
	error = $state('');
	/** What the last export did, in one sentence. */
	message = $state('');
	/** Whether exported lines carry each lane's settings under `metadata`. */
	metadata = $state(true);
	/** Stores, one after another, so an older ranking never lands last. */
	private saving: Promise<void> = Promise.resolve();

	constructor(private readonly deps: JudgementsDeps) {}

	/** Lanes can be judged once the compare is over and stored in the history. */
	get enabled(): boolean {
		const { compare } = this.deps;
		return !compare.running && compare.sessionId !== null;
	}

	/** Whether the lane gave an output that can be judged. */
	judgeable(laneId: string): boolean {
		const lane = this.deps.compare.lanes.find((l) => l.spec.id === laneId);
		return lane !== undefined && isJudgeable(lane.status);
	}

	/** How many lanes can be ranked: the highest rank offered. */
	get judgeableCount(): number {
		return this.deps.compare.lanes.filter((l) => isJudgeable(l.status)).length;
	}

	rankOf(laneId: string): number | null {
		return rankOf(this.deps.compare.ranking, laneId);
	}

	/** "Best" on a lane: it becomes first; on the best lane, its mark is taken away. */
	markBest(laneId: string): Promise<void> {
		return this.change(withBest(this.deps.compare.ranking, laneId), laneId);
	}

	/** Puts a lane at `rank` (1 = best), or takes its rank away with null. */
	setRank(laneId: string, rank: number | null): Promise<void> {
		return this.change(withRank(this.deps.compare.ranking, laneId, rank), laneId);
	}

	clear(): Promise<void> {
		return this.change([], null);
	}

	private change(ranking: string[], laneId: string | null): Promise<void> {
		const { compare } = this.deps;
		const id = compare.sessionId;
		if (!this.enabled || id === null) return this.saving;
		if (laneId !== null && !this.judgeable(laneId)) return this.saving;
		compare.ranking = ranking;
		this.message = '';
		this.saving = this.saving.then(() => this.store(id, ranking));
		return this.saving;
	}

	private async store(id: string, ranking: string[]): Promise<void> {
		const { history } = this.deps;
		try {
			await history.settled();
			await history.store.setJudgement(id, ranking.length > 0 ? { ranking } : null);
			this.error = '';
		} catch (error) {
			this.error = `The judgement could not be saved: ${describeError(error)}`;
		}
	}

	/** Waits for the judgements asked for so far to be stored. */
	settled(): Promise<void> {
		return this.saving;
	}

	/** The compare on the page as an SFT or DPO file; null (and a message) when it gives no line. */
	async exportCurrent(kind: TrainingKind): Promise<ExportedFile | null> {
		const id = this.deps.compare.sessionId;
		if (id === null) return null;
		return this.exportOf(kind, async () => {
			const record = await this.deps.history.store.get(id);
			return { sessions: record ? [record] : [], single: record ?? null };
		});
	}

	/** Every judged compare in the history, newest first, as an SFT or DPO file. */
	async exportAll(kind: TrainingKind): Promise<ExportedFile | null> {
		return this.exportOf(kind, async () => ({
			sessions: (await this.deps.history.store.list()).filter(isJudged),
			single: null
		}));
	}

	private async exportOf(
		kind: TrainingKind,
		read: () => Promise<{ sessions: SessionRecord[]; single: SessionRecord | null }>
	): Promise<ExportedFile | null> {
		try {
			await this.saving;
			const { sessions, single } = await read();
			const options = { metadata: this.metadata };
			const text = kind === 'sft' ? sftJsonl(sessions, options) : dpoJsonl(sessions, options);
			const lines = text === '' ? 0 : text.split('\n').length - 1;
			if (lines === 0) {
				this.message =
					kind === 'sft'
						? 'Nothing to export: mark the best lane of a compare first.'
						: 'Nothing to export: a DPO pair needs a judged compare with two different replies.';
				return null;
			}
			const compares = sessions.filter(isJudged).length;
			this.message = `Exported ${plural(lines, `${kind.toUpperCase()} line`)} from ${plural(compares, 'judged compare')}.`;
			this.error = '';
			return { fileName: trainingFileName(kind, single), text };
		} catch (error) {
			this.error = `The judgements could not be exported: ${describeError(error)}`;
			return null;
		}
	}
}
