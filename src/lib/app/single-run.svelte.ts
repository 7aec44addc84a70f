import type { GenerationResult } from '#lib/core/run';
import type { RunRecord, RunStatus, TokenRecord } from '#lib/core/session';
import { DEFAULT_TRACE_TOP_N } from '#lib/sampling';
import { newRun, storedResult, type SessionRecorder } from '#lib/storage/sessions-recording';
import type { PlaygroundClient } from './client';
import { crashReason } from './errors';
import type { ExperimentDraft } from './experiment-draft.svelte';
import type { FieldValidity } from './field-validity.svelte';
import type { ModelLoader } from './model-loader.svelte';
import type { ModelShelf } from './model-shelf.svelte';
import type { Notices } from './notices.svelte';
import type { PromptDraft } from './prompt.svelte';
import type { RunSettings } from './run-settings.svelte';

/** Live figures of the run in progress (final ones come from the result). */
export interface LiveStats {
	tokens: number;
	/** From the click to the first token on screen, once it has been seen. */
	firstTokenOnScreenMs: number | null;
}

/**
 * The page's clock for the figures measured on screen: the click and the frame that shows a
 * token (see core/run-figures.ts).
 */
export interface ScreenClock {
	now(): number;
	/**
	 * Resolves with the time of the next animation frame, in which what the DOM holds now is
	 * drawn; null when no frame will come (the page is hidden).
	 */
	afterPaint(): Promise<number | null>;
}

/** Without a screen (Node tests): nothing is seen, so the figures on screen stay null. */
const NO_SCREEN: ScreenClock = { now: () => performance.now(), afterPaint: async () => null };

/** A stored run on show: how it ended and its tokens, as recorded. */
export interface StoredRunView {
	status: RunStatus;
	error: string | null;
	tokens: TokenRecord[];
}

/** What starts a run or a compare: the worker, the model, the prompt and the settings. */
export interface RunDeps {
	client: PlaygroundClient;
	shelf: ModelShelf;
	loader: ModelLoader;
	prompt: PromptDraft;
	settings: RunSettings;
	validity: FieldValidity;
	draft: ExperimentDraft;
	notices: Notices;
	/** Saves every run or compare to the history as it streams; none when absent. */
	recorder?: SessionRecorder;
	/** Times the click and the frames that show tokens; nothing is timed on screen without it. */
	screen?: ScreenClock;
}

/**
 * The single run: streams one generation with the page's prompt and settings, its output, live
 * stats, result and seed, or a stored run reopened from the history. Calls the client and the
 * recorder; the prompt editor and output view call it; explore follows its runs through
 * {@link onCompleted} and {@link onStoredShown}.
 */
export class SingleRun {
	running = $state(false);
	output = $state('');
	live = $state<LiveStats>({ tokens: 0, firstTokenOnScreenMs: null });
	result = $state<GenerationResult | null>(null);
	/** Counts runs that ended with a result. */
	completedRuns = $state(0);
	seedUsed = $state<number | null>(null);
	/** Set while the output shows a run reopened from the history rather than one run here. */
	storedRun = $state<StoredRunView | null>(null);

	// Plain lists, not state: listeners are wiring, nothing renders them.
	#completed: (() => void)[] = [];
	#storedShown: ((run: StoredRunView) => void)[] = [];

	constructor(private readonly deps: RunDeps) {
		deps.client.onStatus(() => (this.running = false));
	}

	/** Calls `listener` each time a run ends with a result; returns the unsubscribe function. */
	onCompleted(listener: () => void): () => void {
		this.#completed = [...this.#completed, listener];
		return () => (this.#completed = this.#completed.filter((l) => l !== listener));
	}

	/** Calls `listener` each time a stored run is put on show; returns the unsubscribe function. */
	onStoredShown(listener: (run: StoredRunView) => void): () => void {
		this.#storedShown = [...this.#storedShown, listener];
		return () => (this.#storedShown = this.#storedShown.filter((l) => l !== listener));
	}

	/**
	 * Runs the page's prompt with its settings. `clickedAt` is the click's time stamp (the
	 * `performance.now()` timeline), which the time to first token is measured from; now when
	 * omitted.
	 */
	async run(clickedAt?: number): Promise<void> {
		const { client, shelf, loader, prompt, settings, validity, draft, notices, recorder } =
			this.deps;
		const screen = this.deps.screen ?? NO_SCREEN;
		const started = clickedAt ?? screen.now();
		if (this.running || loader.loading) return;
		if (validity.message()) {
			notices.blockedByFields(validity);
			return;
		}
		const model = loader.model;
		if (!model) {
			notices.error = 'Load a model first.';
			return;
		}
		notices.error = '';
		notices.notice = '';
		this.output = '';
		this.result = null;
		this.seedUsed = null;
		this.storedRun = null;
		this.live = { tokens: 0, firstTokenOnScreenMs: null };
		const input = prompt.input();
		const recording = recorder?.begin('single', draft.current(), [
			newRun({
				id: 'run',
				label: '',
				modelId: shelf.modelId,
				params: $state.snapshot(settings.params)
			})
		]);
		recording?.ranOn('run', `${model.name} · ${model.backend}`);
		let firstShown: Promise<number | null> | null = null;
		const sampling = loader.samplingMode;
		let completed = false;
		// Events the worker sent before it crashed can still arrive after the run failed.
		let live = true;
		this.running = true;
		try {
			const result = await client.generate(
				{
					input,
					params: settings.requestParams(model),
					maxNewTokens: settings.maxNewTokens,
					sampling,
					stopSequences: settings.stopList(),
					// Exact runs explain every token (native runs cannot trace).
					trace: sampling === 'exact' ? { topN: DEFAULT_TRACE_TOP_N } : null
				},
				(event) => {
					if (!live) return;
					if (event.type === 'start') {
						this.seedUsed = event.seed;
						recording?.started('run', event.seed);
						return;
					}
					recording?.token(
						'run',
						{ id: event.tokenId, piece: event.piece, trace: event.trace },
						event.text
					);
					this.output += event.text;
					this.live = { ...this.live, tokens: event.index + 1 };
					// The first token reaches the DOM now; it is on screen in the next frame.
					firstShown ??= screen.afterPaint().then((at) => {
						const ms = at === null ? null : at - started;
						if (live && this.live.firstTokenOnScreenMs === null) {
							this.live = { ...this.live, firstTokenOnScreenMs: ms };
						}
						return ms;
					});
				}
			);
			this.output = result.text;
			this.seedUsed = result.seed;
			// The last token is on screen in the frame after the final text reaches the DOM.
			const lastShown = await screen.afterPaint();
			const withFigures: GenerationResult = {
				...result,
				stats: {
					...result.stats,
					firstTokenOnScreenMs: firstShown === null ? null : await firstShown,
					lastTokenOnScreenMs:
						firstShown === null || lastShown === null ? null : lastShown - started
				}
			};
			this.result = withFigures;
			this.completedRuns++;
			recording?.finished('run', withFigures);
			prompt.continueChat(input, result.text);
			completed = true;
		} catch (error) {
			const crash = crashReason(error);
			if (crash === null) {
				notices.showEngineError(error);
				recording?.failed('run', notices.error);
			} else {
				// One banner, the restart's: it says what happened and that the model is reloading.
				notices.crashedDuring('run', crash);
				recording?.failed('run', `The model worker crashed during this run (${crash}).`);
			}
		} finally {
			live = false;
			this.running = false;
			void recording?.end();
		}
		if (completed) for (const listener of this.#completed) listener();
	}

	/** Shows a stored run's output, seed and stats as they were, without running anything. */
	showStoredRun(run: RunRecord): void {
		this.output = run.text;
		this.result = storedResult(run);
		this.seedUsed = run.seed;
		this.live = { tokens: run.tokens.length, firstTokenOnScreenMs: null };
		const stored = { status: run.status, error: run.error, tokens: run.tokens };
		this.storedRun = stored;
		for (const listener of this.#storedShown) listener(stored);
	}

	/**
	 * Shows step mode's branch as the output: its text and token count, as a run would stream
	 * them (no timings or result: nothing ran end to end).
	 */
	showSteps(text: string, tokens: number): void {
		if (this.running) return;
		this.output = text;
		this.result = null;
		this.storedRun = null;
		this.live = { tokens, firstTokenOnScreenMs: null };
	}

	async stop(): Promise<void> {
		if (this.running) await this.deps.client.stop();
	}
}
