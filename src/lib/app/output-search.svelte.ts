/**
 * The history's search through whole sessions (outputs included), in the background: the index
 * answers at once from names, models and prompt starts, while this reads the stored records in
 * batches, one transaction each with a pause between them, so typing never waits on it. A new
 * query cancels the scan under way. The history (sessions.svelte.ts) owns one and asks it to
 * start on every change of its search box; the history sidebar shows its progress.
 */

import { SvelteSet } from 'svelte/reactivity';
import { describeError } from './errors';

/** What the scan reads: the session store's batched search (see SessionStore.searchBatch). */
export interface OutputSearchSource {
	count(): Promise<number>;
	searchBatch(
		query: string,
		after: IDBValidKey | null,
		limit: number
	): Promise<{ matches: string[]; scanned: number; next: IDBValidKey | null }>;
}

export interface OutputSearchOptions {
	/** Records read per transaction. */
	batch?: number;
	/** Waits before the first batch (typing goes on) and between batches (the page stays smooth). */
	pause?: (ms: number) => Promise<void>;
	/** How long the query must stay the same before the scan starts. */
	settleMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class OutputSearch {
	/** Ids of the sessions whose whole text matched so far. */
	readonly matches = new SvelteSet<string>();
	/** Records looked at so far, of {@link total}. */
	scanned = $state(0);
	total = $state(0);
	/** A scan is under way. */
	running = $state(false);
	/** Why the scan stopped early, if it failed. */
	error = $state('');

	private generation = 0;
	private readonly batch: number;
	private readonly pause: (ms: number) => Promise<void>;
	private readonly settleMs: number;

	constructor(
		private readonly source: OutputSearchSource,
		options: OutputSearchOptions = {}
	) {
		this.batch = options.batch ?? 200;
		this.pause = options.pause ?? sleep;
		this.settleMs = options.settleMs ?? 250;
	}

	/** Searches every stored session for `query`, cancelling the scan before; '' only cancels. */
	start(query: string): Promise<void> {
		const generation = ++this.generation;
		this.matches.clear();
		this.scanned = 0;
		this.total = 0;
		this.running = false;
		this.error = '';
		if (!query.trim()) return Promise.resolve();
		return this.scan(query, generation);
	}

	cancel(): void {
		this.generation++;
		this.running = false;
	}

	private async scan(query: string, generation: number): Promise<void> {
		await this.pause(this.settleMs);
		if (generation !== this.generation) return;
		this.running = true;
		try {
			this.total = await this.source.count();
			let after: IDBValidKey | null = null;
			for (;;) {
				if (generation !== this.generation) return;
				const result = await this.source.searchBatch(query, after, this.batch);
				if (generation !== this.generation) return;
				this.scanned += result.scanned;
				for (const id of result.matches) this.matches.add(id);
				if (result.next === null) break;
				after = result.next;
				await this.pause(0);
			}
		} catch (error) {
			if (generation === this.generation) {
				this.error = describeError(error);
			}
		} finally {
			if (generation === this.generation) this.running = false;
		}
	}
}
