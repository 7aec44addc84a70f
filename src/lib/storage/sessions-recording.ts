import type { GenerationResult } from '#lib/core/run';
import type { SamplingParams } from '#lib/sampling';
import { promptText, type SessionWrite } from './sessions';
import { headOf, splitChunks, type TokenChunk } from './run-tokens';
import type { Experiment } from '#lib/core/experiment';
import type { RunRecord, SessionRecord, TokenRecord } from '#lib/core/session';

/** How long streamed tokens may wait before they are written: a reload loses at most this much. */
export const SAVE_INTERVAL_MS = 400;

/** What a page calls to record its runs; the history implements it. */
export interface SessionRecorder {
	begin(kind: SessionRecord['kind'], experiment: Experiment, runs: RunRecord[]): SessionRecording;
}

/** Parameters as stored: a plain copy, so later edits on the page never change a record. */
function storedParams(params: SamplingParams): SamplingParams {
	return {
		...params,
		order: [...params.order],
		logitBias: { ...params.logitBias },
		drySequenceBreakers: [...params.drySequenceBreakers]
	};
}

/** A run or lane as it starts: nothing generated yet. */
export function newRun(
	run: Pick<RunRecord, 'id' | 'label' | 'modelId' | 'params' | 'skill'>
): RunRecord {
	const record: RunRecord = {
		// Picked one by one: the record is the export format, so no stray field may slip in.
		id: run.id,
		label: run.label,
		modelId: run.modelId,
		params: storedParams(run.params),
		seed: run.params.seed,
		text: '',
		tokens: [],
		status: 'running',
		finishReason: null,
		stopSequence: null,
		stats: null,
		ignoredParams: [],
		ranOn: '',
		error: null
	};
	if (run.skill) record.skill = { name: run.skill.name, systemPrompt: run.skill.systemPrompt };
	return record;
}

/** "Once upon a time · 14:05": the prompt's first words and the time, to tell runs apart. */
export function defaultSessionName(experiment: Experiment, at: Date): string {
	const words = promptText(experiment.input).trim().split(/\s+/).filter(Boolean);
	const start = words.slice(0, 6).join(' ');
	const head = start.length > 40 ? `${start.slice(0, 39)}…` : start;
	const clock = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
	return `${head || 'Empty prompt'}${words.length > 6 ? '…' : ''} · ${clock}`;
}

export function newSession(
	kind: SessionRecord['kind'],
	experiment: Experiment,
	runs: RunRecord[],
	id: string,
	now: number
): SessionRecord {
	return {
		id,
		name: defaultSessionName(experiment, new Date(now)),
		kind,
		createdAt: now,
		updatedAt: now,
		experiment,
		runs,
		prefill: null
	};
}

/** The result a stored run showed when it ended, or null if it never ended. */
export function storedResult(run: RunRecord): GenerationResult | null {
	if (!run.stats || !run.finishReason || run.seed === null) return null;
	return {
		text: run.text,
		tokenIds: run.tokens.map((t) => t.id),
		finishReason: run.finishReason,
		stopSequence: run.stopSequence,
		seed: run.seed,
		stats: run.stats,
		...(run.ignoredParams.length > 0 ? { ignoredParams: run.ignoredParams } : {})
	};
}

export interface RecordingOptions {
	/**
	 * Writes the session's head and the tokens since the last write that worked, as new chunks of
	 * each run (see storage/run-tokens.ts). A write that fails leaves them for the next one.
	 */
	save: (write: SessionWrite) => Promise<void>;
	onSaved?: (record: SessionRecord) => void;
	/**
	 * Called when a write fails and the one before it (if any) worked: once per spell of failed
	 * writes. Later writes are still tried.
	 */
	onError?: (error: unknown) => void;
	/** Called when a write works after one failed: the session is stored again, whole. */
	onRecovered?: () => void;
	/** Called after the last write, whether it worked or not. */
	onEnd?: () => void;
	intervalMs?: number;
}

/**
 * One session being recorded while it streams. Changes are written at most every
 * {@link SAVE_INTERVAL_MS}, one write after another so an older copy never lands last, and at
 * once when the session ends. A write holds the session's head and only the tokens (with every
 * trace) since the last write that worked, so it costs what streamed since, not the whole
 * session. A failed write is reported and never stops the run; its tokens stay pending, so a
 * later write that works makes the stored copy whole, and says so.
 */
export class SessionRecording {
	private timer: ReturnType<typeof setTimeout> | null = null;
	private writes: Promise<void> = Promise.resolve();
	/** Whether the last write failed: the stored copy (if any) lacks what came since. */
	private failing = false;
	private ended = false;
	/** Per run: tokens stored so far and the next chunk's number. */
	private readonly stored = new Map<string, { count: number; seq: number }>();

	constructor(
		readonly record: SessionRecord,
		private readonly options: RecordingOptions
	) {}

	get id(): string {
		return this.record.id;
	}

	get active(): boolean {
		return !this.ended;
	}

	/** Whether the last write failed, so the stored copy is missing what came since. */
	get unsaved(): boolean {
		return this.failing;
	}

	private run(id: string): RunRecord {
		const run = this.record.runs.find((r) => r.id === id);
		if (!run) throw new Error(`No run ${id} in session ${this.record.id}`);
		return run;
	}

	started(runId: string, seed: number): void {
		this.run(runId).seed = seed;
		this.changed();
	}

	ranOn(runId: string, ranOn: string): void {
		this.run(runId).ranOn = ranOn;
		this.changed();
	}

	token(runId: string, token: TokenRecord, text: string): void {
		const run = this.run(runId);
		run.tokens.push(token.trace ? token : { id: token.id, piece: token.piece });
		run.text += text;
		this.changed();
	}

	finished(runId: string, result: GenerationResult): void {
		const run = this.run(runId);
		run.text = result.text;
		run.seed = result.seed;
		run.finishReason = result.finishReason;
		run.stopSequence = result.stopSequence;
		run.stats = result.stats;
		run.ignoredParams = result.ignoredParams ?? [];
		run.status = result.finishReason === 'stopped' ? 'stopped' : 'done';
		this.changed();
	}

	failed(runId: string, message: string): void {
		const run = this.run(runId);
		run.status = 'failed';
		run.error = message;
		this.changed();
	}

	setPrefill(evaluations: number, ms: number): void {
		this.record.prefill = { evaluations, ms };
		this.changed();
	}

	rename(name: string): void {
		this.record.name = name;
		this.changed();
	}

	/** Resolves once the writes asked for so far are done. */
	idle(): Promise<void> {
		return this.writes;
	}

	/** Writes now (and then no more than every interval while changes keep coming). */
	flush(): Promise<void> {
		if (this.timer !== null) clearTimeout(this.timer);
		this.timer = null;
		this.record.updatedAt = Math.max(Date.now(), this.record.updatedAt);
		this.writes = this.writes.then(() => {
			const { write, stored } = this.nextWrite();
			return this.options.save(write).then(
				() => {
					for (const [runId, at] of stored) this.stored.set(runId, at);
					const recovered = this.failing;
					this.failing = false;
					this.options.onSaved?.(this.record);
					if (recovered) this.options.onRecovered?.();
				},
				(error: unknown) => {
					if (!this.failing) this.options.onError?.(error);
					this.failing = true;
				}
			);
		});
		return this.writes;
	}

	/** The head and each run's tokens not stored yet; `stored` is where runs stand once it is. */
	private nextWrite(): {
		write: SessionWrite;
		stored: Map<string, { count: number; seq: number }>;
	} {
		const chunks: TokenChunk[] = [];
		const stored = new Map<string, { count: number; seq: number }>();
		for (const run of this.record.runs) {
			const { count, seq } = this.stored.get(run.id) ?? { count: 0, seq: 0 };
			if (run.tokens.length === count) continue;
			const added = splitChunks(run.id, seq, count, run.tokens.slice(count));
			chunks.push(...added);
			stored.set(run.id, { count: run.tokens.length, seq: seq + added.length });
		}
		return { write: { head: headOf(this.record), chunks }, stored };
	}

	/** The run is over: runs that never ended count as stopped, and the session is written. */
	end(): Promise<void> {
		for (const run of this.record.runs) if (run.status === 'running') run.status = 'stopped';
		this.ended = true;
		return this.flush().then(() => this.options.onEnd?.());
	}

	private changed(): void {
		if (this.ended) return;
		this.timer ??= setTimeout(() => void this.flush(), this.options.intervalMs ?? SAVE_INTERVAL_MS);
	}
}
