import type { ModelInfo } from '#lib/core/model';
import type { FinishReason, GenerationResult, IgnoredParam, StepTrace } from '#lib/core/run';
import type { GenerateRequest, GenerationEvent } from './types';
import { VisibleText } from './visible-text';

/**
 * What one run shows and returns, whoever samples it: the generated tokens streamed as token
 * events, the visible text, the finish reason and, at the end, the run's result. Used by the
 * exact decode loop (decode.ts) and by native runs (native.ts), so both end a run the same way.
 */

export type OutputSettings = Pick<GenerateRequest, 'maxNewTokens' | 'stopSequences' | 'stopIds'>;

/** Moments a run's timings are measured from. */
export interface RunTimes {
	/** The request (single run) or the lane's start. */
	startedAt: number;
	prefillStartedAt: number;
	/** Null when the prefill never ended (the run stopped before it): it counts as the run's end. */
	prefillEndedAt: number | null;
}

/** The parts of a result only the sampler side knows. */
export interface RunSummary {
	seed: number;
	promptTokens: number;
	ignoredParams?: IgnoredParam[];
	/** From the distributions the run sampled; null when they were not seen (native runs). */
	meanEntropy: number | null;
	perplexity: number | null;
}

export class RunOutput {
	readonly tokenIds: number[] = [];
	#finishReason: FinishReason | null = null;
	#stopSequence: string | null = null;
	#text = '';
	#firstTokenAt: number | null = null;
	#lastTokenAt: number | null = null;
	/** Time after the first token the run was held waiting for the page (see {@link waited}). */
	#waitedMs = 0;
	#stopIds: Set<number>;
	#visible: VisibleText;
	#pieceDecoder = new TextDecoder();

	constructor(
		model: ModelInfo,
		private readonly settings: OutputSettings,
		private readonly tokenBytes: (id: number) => Promise<Uint8Array>,
		private readonly onEvent: (event: GenerationEvent) => void,
		private readonly now: () => number
	) {
		this.#stopIds = new Set([...model.stopIds, ...(settings.stopIds ?? [])]);
		this.#visible = new VisibleText(settings.stopSequences ?? []);
	}

	/** Null while the run goes on. */
	get finishReason(): FinishReason | null {
		return this.#finishReason;
	}

	/** Ends the run for `reason`, unless it has ended already. */
	end(reason: FinishReason): void {
		this.#finishReason ??= reason;
	}

	/**
	 * Streams one generated token. A stop id, a completed stop sequence or the token budget ends
	 * the run.
	 */
	async add(id: number, trace?: StepTrace): Promise<void> {
		const at = this.now();
		this.#firstTokenAt ??= at;
		this.#lastTokenAt = at;
		const index = this.tokenIds.length;
		this.tokenIds.push(id);
		const traced = trace ? { trace } : {};
		if (this.#stopIds.has(id)) {
			this.onEvent({
				type: 'token',
				index,
				tokenId: id,
				piece: '',
				text: '',
				isStop: true,
				...traced
			});
			this.end('eos');
			return;
		}
		const bytes = await this.tokenBytes(id);
		const { release, matched } = this.#visible.push(bytes);
		this.#text += release;
		this.onEvent({
			type: 'token',
			index,
			tokenId: id,
			piece: this.#pieceDecoder.decode(bytes),
			text: release,
			isStop: false,
			...traced
		});
		if (matched !== null) {
			this.end('stop-sequence');
			this.#stopSequence = matched;
		} else if (this.tokenIds.length >= this.settings.maxNewTokens) {
			this.end('max-tokens');
		}
	}

	/**
	 * Counts `ms` the run was held waiting for the page to read its tokens: left out of the
	 * decode phase, which times the engine, not the page.
	 */
	waited(ms: number): void {
		if (this.#firstTokenAt !== null) this.#waitedMs += ms;
	}

	/**
	 * Runs `paced` (the worker's hold while the page has too many tokens unread), counting its
	 * wait as {@link waited}; nothing when there is no pacing.
	 */
	async pace(paced: (() => Promise<void>) | undefined): Promise<void> {
		if (!paced) return;
		const before = this.now();
		await paced();
		this.waited(this.now() - before);
	}

	/** Releases the text held back (or finds a last stop sequence in it) and builds the result. */
	result(times: RunTimes, summary: RunSummary): GenerationResult {
		if (this.#finishReason !== 'stop-sequence') {
			const tail = this.#visible.finish();
			this.#text += tail.release;
			if (tail.matched !== null) {
				this.#finishReason = 'stop-sequence';
				this.#stopSequence = tail.matched;
			}
		}
		const endedAt = this.now();
		const prefillEndedAt = times.prefillEndedAt ?? endedAt;
		const generated = this.tokenIds.length;
		const first = this.#firstTokenAt;
		const last = this.#lastTokenAt;
		return {
			text: this.#text,
			tokenIds: this.tokenIds,
			finishReason: this.#finishReason ?? 'stopped',
			stopSequence: this.#stopSequence,
			seed: summary.seed,
			...(summary.ignoredParams ? { ignoredParams: summary.ignoredParams } : {}),
			stats: {
				promptTokens: summary.promptTokens,
				generatedTokens: generated,
				timeToFirstTokenMs: first === null ? null : first - times.startedAt,
				prefillMs: prefillEndedAt - times.prefillStartedAt,
				decodeMs:
					first === null || last === null || generated < 2
						? null
						: Math.max(0, last - first - this.#waitedMs),
				totalMs: endedAt - times.startedAt,
				meanEntropy: summary.meanEntropy,
				perplexity: summary.perplexity
			}
		};
	}
}
