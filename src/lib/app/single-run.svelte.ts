import type { Experiment } from '#lib/core/experiment';
import type { PromptInput } from '#lib/core/prompt';
import type { GenerationResult } from '#lib/core/run';
import type { RunRecord, RunStatus, TokenRecord } from '#lib/core/session';
import type { GenerateRequest } from '#lib/generation/types';
import { DEFAULT_TRACE_TOP_N, randomSeed } from '#lib/sampling';
import { newRun, storedResult, type SessionRecorder } from '#lib/storage/sessions-recording';
import type { PlaygroundClient } from './client';
import { crashReason } from './errors';
import { animationFrames, FrameBatcher, type FrameScheduler } from './frame-batcher';
import type { ExperimentDraft } from './experiment-draft.svelte';
import type { FieldValidity } from './field-validity.svelte';
import type { ModelLoader } from './model-loader.svelte';
import type { ModelShelf } from './model-shelf.svelte';
import { runInputs, type Notices } from './notices.svelte';
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
	/** A fresh seed for Regenerate; the platform's random source when absent. */
	newSeed?: () => number;
	/** Times the click and the frames that show tokens; nothing is timed on screen without it. */
	screen?: ScreenClock;
	/** When streamed tokens reach the page's state: once per animation frame by default. */
	frames?: FrameScheduler;
}

/** A streamed token on its way to the page: its text and index. */
interface ShownToken {
	text: string;
	index: number;
	/** A token Continue generated again, already on show. */
	kept: boolean;
}

/** How a run differs from Generate with the page's prompt and settings. */
export interface RunOptions {
	/** The prompt to send instead of the editor's (Regenerate and Continue send the last one's). */
	input?: PromptInput;
	/** The whole request to send (Continue: the last run's, longer). */
	request?: GenerateRequest;
	/**
	 * The output this run goes on from (Continue): its tokens are generated again with the same
	 * seed, not shown a second time, and checked against these.
	 */
	keep?: { tokenIds: readonly number[]; text: string };
	/** A chat turn that does not come from the message box leaves the box as it is. */
	keepDraft?: boolean;
	/** The experiment to record (Continue: the last run's, longer); the page's by default. */
	experiment?: Experiment;
	/** The click's time stamp, which the time to first token is measured from; now by default. */
	clickedAt?: number;
}

/** What the last run on show was asked, to continue it or run it again. */
interface LastRun {
	request: GenerateRequest;
	/** The experiment and panel parameters it was recorded with. */
	experiment: Experiment;
	/** The model it ran on (see #modelKey). */
	model: string;
}

/** Why Continue is not offered for the output on show, or null when it is. */
export type ContinueBlock =
	'no-run' | 'running' | 'stored' | 'native' | 'ended' | 'other-model' | null;

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
	/** The last continuation drew other tokens than the run it went on from (see {@link run}). */
	diverged = $state<number | null>(null);
	/** While Continue generates the tokens on show again: how many there are; else null. */
	replaying = $state<number | null>(null);
	/** What the run on show was asked; null for stored runs and step mode. */
	#last = $state.raw<LastRun | null>(null);

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

	/** The loaded model as Continue tells it apart: its file and the engine running it. */
	#modelKey(): string | null {
		const model = this.deps.loader.model;
		return model ? JSON.stringify([model.name, model.sha256, model.backend]) : null;
	}

	/**
	 * Why Continue cannot go on from the output on show, or null when it can: it needs a run of
	 * our own sampler (native mode cannot resume the engine's random stream) that ran out of
	 * tokens or was stopped, on the model still loaded.
	 */
	get continueBlock(): ContinueBlock {
		if (this.running) return 'running';
		if (this.storedRun) return 'stored';
		const last = this.#last;
		const result = this.result;
		if (!last || !result) return 'no-run';
		if (last.request.sampling === 'native') return 'native';
		if (result.finishReason !== 'max-tokens' && result.finishReason !== 'stopped') return 'ended';
		if (this.#modelKey() !== last.model) return 'other-model';
		return null;
	}

	/**
	 * Generates more from where the run on show stopped, exactly as one longer run would: the
	 * same request and seed with room for another "max new tokens". The tokens already shown are
	 * generated again (the sampler replays its random stream from the seed and the engine sees
	 * the same batches), not shown twice, and checked against the run on show.
	 */
	async continueRun(): Promise<void> {
		const last = this.#last;
		const result = this.result;
		if (this.continueBlock !== null || !last || !result) return;
		const maxNewTokens = result.tokenIds.length + this.deps.settings.maxNewTokens;
		const { experiment } = last;
		await this.run({
			request: {
				...last.request,
				params: { ...last.request.params, seed: result.seed },
				maxNewTokens
			},
			experiment: {
				...experiment,
				params: { ...experiment.params, seed: result.seed },
				maxNewTokens
			},
			keep: { tokenIds: [...result.tokenIds], text: result.text },
			keepDraft: true
		});
	}

	/**
	 * Runs again with a new random seed, which the seed box then holds (so the run can be
	 * repeated), and the panel's other settings; the prompt is the last run's, or the editor's
	 * when nothing ran yet. `input` replaces it (a chat's last reply is regenerated from the
	 * conversation before it).
	 */
	async regenerate(input?: PromptInput): Promise<void> {
		if (this.running || this.deps.loader.loading) return;
		const seed = (this.deps.newSeed ?? randomSeed)();
		this.deps.settings.params.seed = seed;
		const sent = input ?? this.#last?.request.input;
		await this.run(sent ? { input: sent, keepDraft: true } : {});
	}

	/**
	 * Runs the page's prompt with its settings, or what `options` says instead. The time to first
	 * token is measured from `options.clickedAt`, the click's time stamp (the `performance.now()`
	 * timeline); from now when omitted.
	 */
	async run(options: RunOptions = {}): Promise<void> {
		const { client, shelf, loader, prompt, settings, validity, draft, notices, recorder } =
			this.deps;
		const screen = this.deps.screen ?? NO_SCREEN;
		const started = options.clickedAt ?? screen.now();
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
		const keep = options.keep ?? null;
		this.output = keep?.text ?? '';
		this.result = null;
		this.seedUsed = null;
		this.storedRun = null;
		this.diverged = null;
		this.replaying = keep && keep.tokenIds.length > 0 ? keep.tokenIds.length : null;
		this.live = { tokens: 0, firstTokenOnScreenMs: null };
		const sampling = options.request?.sampling ?? loader.samplingMode;
		const request: GenerateRequest = options.request ?? {
			input: $state.snapshot(options.input ?? prompt.input()),
			params: settings.requestParams(model),
			maxNewTokens: settings.maxNewTokens,
			sampling,
			stopSequences: settings.stopList(),
			// Exact runs explain every token (native runs cannot trace).
			trace: sampling === 'exact' ? { topN: DEFAULT_TRACE_TOP_N } : null
		};
		const input = request.input;
		const experiment = options.experiment ?? { ...draft.current(), input };
		this.#last = { request, experiment, model: this.#modelKey() ?? '' };
		const recording = recorder?.begin('single', experiment, [
			newRun({
				id: 'run',
				label: '',
				modelId: shelf.modelId,
				params: experiment.params
			})
		]);
		recording?.ranOn('run', `${model.name} · ${model.backend}`);
		let firstShown: Promise<number | null> | null = null;
		let completed = false;
		// Events the worker sent before it crashed can still arrive after the run failed.
		let live = true;
		// Continue: the text the tokens streamed so far release, shown once past the kept ones.
		let streamed = '';
		// Tokens reach the output and the live figures once per frame, however fast they come;
		// the recording takes each as it arrives (it draws nothing).
		const shown = new FrameBatcher<ShownToken>((tokens) => {
			const fresh = tokens.filter((t) => !t.kept);
			if (fresh.length > 0) {
				this.replaying = null;
				this.output = keep ? streamed : this.output + fresh.map((t) => t.text).join('');
			}
			this.live = { ...this.live, tokens: tokens[tokens.length - 1].index + 1 };
			// The first token reaches the DOM now; it is on screen in the next frame.
			firstShown ??= screen.afterPaint().then((at) => {
				const ms = at === null ? null : at - started;
				if (live && this.live.firstTokenOnScreenMs === null) {
					this.live = { ...this.live, firstTokenOnScreenMs: ms };
				}
				return ms;
			});
		}, this.deps.frames ?? animationFrames);
		this.running = true;
		try {
			const result = await client.generate(request, (event) => {
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
				streamed += event.text;
				const kept = keep !== null && event.index < keep.tokenIds.length;
				if (kept && event.tokenId !== keep.tokenIds[event.index]) this.diverged ??= event.index;
				shown.push({ text: event.text, index: event.index, kept });
			});
			shown.flush();
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
			prompt.continueChat(input, result.text, { keepDraft: options.keepDraft === true });
			if (this.diverged !== null) {
				notices.notice = `Continue generated the earlier output again and the engine drew another token at position ${this.diverged + 1}, so this output is a new run of the longer length, not the old one continued.`;
			}
			notices.runSucceeded(runInputs(shelf.modelId, input));
			completed = true;
		} catch (error) {
			const crash = crashReason(error);
			if (crash === null) {
				notices.runFailed(error, runInputs(shelf.modelId, input));
				recording?.failed('run', notices.error);
			} else {
				// One banner, the restart's: it says what happened and that the model is reloading.
				notices.crashedDuring('run', crash);
				recording?.failed('run', `The model worker crashed during this run (${crash}).`);
			}
		} finally {
			shown.flush();
			live = false;
			this.replaying = null;
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
		this.#last = null;
		for (const listener of this.#storedShown) listener(stored);
	}

	/**
	 * Shows step mode's branch as the output: its text, token count and the seed its steps draw
	 * with, as a run would stream them (no timings or result: nothing ran end to end).
	 */
	showSteps(text: string, tokens: number, seed: number | null): void {
		if (this.running) return;
		this.output = text;
		this.result = null;
		this.storedRun = null;
		this.#last = null;
		this.seedUsed = seed;
		this.live = { tokens, firstTokenOnScreenMs: null };
	}

	async stop(): Promise<void> {
		if (this.running) await this.deps.client.stop();
	}
}
