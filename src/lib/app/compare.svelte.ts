import {
	buildGrid,
	parseAxisValues,
	seedsAxis,
	type LaneSpec,
	type Parsed,
	type SweepAxis
} from '#lib/compare/sweep';
import { type SweepParam } from '#lib/core/experiment';
import type { ModelInfo } from '#lib/core/model';
import type { GenerationResult } from '#lib/core/run';
import { skillNamed, withSkill, type SkillRef } from '#lib/core/skill';
import type { LaneEvent, LaneOutcome } from '#lib/generation/types';
import type { SessionRecord } from '#lib/core/session';
import { newRun, storedResult, type SessionRecording } from '#lib/storage/sessions-recording';
import { crashReason, describeError } from './errors';
import { animationFrames, FrameBatcher } from './frame-batcher';
import { CausedError } from './field-validity.svelte';
import { runInputs } from './notices.svelte';
import type { RunDeps } from './single-run.svelte';
import type { SkillLibrary } from './skills.svelte';

/** `interrupted`: a stored lane whose page closed while it ran. */
export type LaneStatus = 'waiting' | 'running' | 'done' | 'failed' | 'stopped' | 'interrupted';

/** One lane as the compare view shows it, updated while it streams. */
export interface LaneView {
	spec: LaneSpec;
	status: LaneStatus;
	tokens: number[];
	/** Each token's own text, for token-level views. */
	pieces: string[];
	/** The visible text so far. */
	text: string;
	result: GenerationResult | null;
	error: string | null;
	/** Which model and engine ran it, e.g. "TinyStories 260K · wasm, 1 thread". */
	ranOn: string;
}

export interface CompareDeps extends RunDeps {
	/** The single run: lanes wait while it streams. */
	single: { readonly running: boolean };
	/** The skills a skill axis may name. */
	skills: Pick<SkillLibrary, 'all'>;
}

/**
 * The compare view's state: the sweep being built, and the lanes of the last run. Lanes run in
 * the worker one model at a time (loading each through the loader); the prompt is evaluated once
 * per model. Calls the client and the recorder; the compare view and the history call it.
 */
export class CompareState {
	axisParam = $state<SweepParam>('seed');
	axisText = $state('1, 2, 3, 4');
	secondAxis = $state(false);
	secondParam = $state<SweepParam>('temperature');
	secondText = $state('0.5, 1.2');
	seedCount = $state(8);
	/**
	 * Skills an opened session or link brought with its sweep: a skill axis reads these first, so
	 * the sweep runs with the texts it ran with, whatever this page's library holds.
	 */
	openedSkills = $state.raw<SkillRef[]>([]);

	lanes = $state<LaneView[]>([]);
	running = $state(false);
	stopping = $state(false);
	#error = new CausedError();
	/** Why the sweep cannot run or failed; a refusal for invalid fields goes once they are valid. */
	get error(): string {
		return this.#error.text;
	}
	set error(text: string) {
		this.#error.text = text;
	}
	referenceLaneId = $state<string | null>(null);
	/** Prompt evaluations and their time in the last run, summed over models. */
	promptEvaluations = $state(0);
	prefillMs = $state(0);
	/** The last run's exact lanes decoded together (one batch per step), on some model. */
	decodedTogether = $state(false);
	/** Why the last run's exact lanes ran one after another instead, if they did. */
	sequentialReason = $state<string | null>(null);
	/** The history's id of the compare the lanes belong to (the last run, or one reopened). */
	sessionId = $state<string | null>(null);
	/** The user's judgement of these lanes: lane ids, best first (see judgements.svelte.ts). */
	ranking = $state<string[]>([]);
	/** The run being saved to the history, while lanes stream. */
	private recording: SessionRecording | undefined;

	/**
	 * Streamed tokens on their way to the lanes: they reach the lanes' state once per animation
	 * frame, however fast the lanes decode (the recording takes each as it arrives).
	 */
	readonly #shown: FrameBatcher<{ laneId: string; tokenId: number; piece: string; text: string }>;

	constructor(private readonly deps: CompareDeps) {
		this.#shown = new FrameBatcher((tokens) => {
			for (const { laneId, tokenId, piece, text } of tokens) {
				const lane = this.lane(laneId);
				lane.tokens.push(tokenId);
				lane.pieces.push(piece);
				lane.text += text;
			}
		}, deps.frames ?? animationFrames);
	}

	/** The lanes the sweep inputs describe now, or why they cannot be built. */
	get grid(): Parsed<LaneSpec[]> {
		const { shelf, settings } = this.deps;
		const modelIds = shelf.modelIds();
		const skills = this.skillChoices();
		const axes: SweepAxis[] = [];
		for (const [param, text] of this.axisInputs()) {
			const values = parseAxisValues(param, text, modelIds, skills);
			if (!values.ok) return values;
			if (param === 'skill' && this.deps.prompt.mode !== 'chat')
				return {
					ok: false,
					message: 'Skill: a skill is a system prompt; switch the prompt to Chat to sweep skills.'
				};
			axes.push({ param, values: values.value });
		}
		return buildGrid(
			$state.snapshot(settings.params),
			shelf.modelId,
			axes,
			(id) => this.modelName(id),
			skills
		);
	}

	/** The skills a skill axis may name: an opened session's own first, then the library's. */
	skillChoices(): SkillRef[] {
		const opened = this.openedSkills;
		return [...opened, ...this.deps.skills.all.filter((skill) => !skillNamed(opened, skill.name))];
	}

	/** The skills the sweep's skill axis names, to store and share with it. */
	sweepSkills(): SkillRef[] {
		const skills = this.skillChoices();
		const used: SkillRef[] = [];
		for (const [param, text] of this.axisInputs()) {
			if (param !== 'skill') continue;
			const values = parseAxisValues(param, text, [], skills);
			for (const name of values.ok ? values.value : []) {
				const skill = skillNamed(skills, String(name));
				if (skill && !skillNamed(used, skill.name))
					used.push({ name: skill.name, systemPrompt: skill.systemPrompt });
			}
		}
		return used;
	}

	/** Ids a model axis accepts: every model of the picker. */
	modelIds(): string[] {
		return this.deps.shelf.modelIds();
	}

	/** The sweep's axes as typed, for storing and sharing. */
	sweepInputs(): { param: SweepParam; text: string }[] {
		return this.axisInputs().map(([param, text]) => ({ param, text }));
	}

	/** Restores axes saved by {@link sweepInputs} (one or two), with the skills they name. */
	applySweep(axes: { param: SweepParam; text: string }[], skills: SkillRef[] = []): void {
		this.openedSkills = skills;
		const [first, second] = axes;
		if (!first) return;
		this.axisParam = first.param;
		this.axisText = first.text;
		this.secondAxis = second !== undefined;
		if (second) {
			this.secondParam = second.param;
			this.secondText = second.text;
		}
	}

	private axisInputs(): [SweepParam, string][] {
		const inputs: [SweepParam, string][] = [[this.axisParam, this.axisText]];
		if (this.secondAxis) inputs.push([this.secondParam, this.secondText]);
		return inputs;
	}

	modelName(id: string): string {
		return this.deps.shelf.modelName(id);
	}

	/** "N seeds" in one click: one axis of seeds 1 to N. */
	useSeeds(count: number): void {
		const axis = seedsAxis(count);
		this.axisParam = axis.param;
		this.axisText = axis.values.join(', ');
		this.secondAxis = false;
	}

	async run(): Promise<void> {
		const { shelf, loader, single, recorder, validity } = this.deps;
		if (this.running || single.running || loader.loading) return;
		const invalid = validity.message();
		const grid = this.grid;
		if (invalid || !grid.ok) {
			if (invalid) this.#error.blockedBy(validity);
			else this.error = grid.ok ? '' : grid.message;
			return;
		}
		this.error = '';
		this.#shown.cancel();
		this.lanes = grid.value.map((spec) => ({
			spec,
			status: 'waiting',
			tokens: [],
			pieces: [],
			text: '',
			result: null,
			error: null,
			ranOn: ''
		}));
		if (!grid.value.some((l) => l.id === this.referenceLaneId))
			this.referenceLaneId = grid.value[0].id;
		this.promptEvaluations = 0;
		this.prefillMs = 0;
		this.decodedTogether = false;
		this.sequentialReason = null;
		this.running = true;
		this.stopping = false;
		this.recording = recorder?.begin(
			'compare',
			this.experimentToRecord(),
			grid.value.map((spec) => newRun(spec))
		);
		this.sessionId = this.recording?.id ?? null;
		this.ranking = [];
		const originalModel = loader.model ? shelf.modelId : null;
		const startModel = shelf.modelId;
		const inputs = runInputs(startModel, $state.snapshot(this.deps.prompt.input()));
		try {
			for (const [modelId, specs] of this.byModel(grid.value, shelf.modelId)) {
				if (this.stopping) break;
				await this.runOnModel(modelId, specs);
			}
			// A lane that ran the page's model and prompt to the end makes a banner about a run of
			// them obsolete.
			const same = (lane: LaneView) => lane.spec.modelId === startModel && !lane.spec.skill;
			if (this.lanes.some((lane) => lane.status === 'done' && same(lane)))
				this.deps.notices.runSucceeded(inputs);
		} catch (error) {
			const crash = crashReason(error);
			if (crash === null) this.error = describeError(error);
			else {
				// Every lane not finished was cut short; the restart's banner tells the rest.
				const message = `The model worker crashed during this compare (${crash}).`;
				for (const lane of this.lanes) {
					if (lane.status === 'waiting' || lane.status === 'running')
						this.fail(lane.spec.id, message);
				}
				this.deps.notices.crashedDuring('compare', crash);
			}
		} finally {
			this.#shown.flush();
			for (const lane of this.lanes) {
				if (lane.status === 'waiting' || lane.status === 'running') lane.status = 'stopped';
			}
			this.recording?.setPrefill(this.promptEvaluations, this.prefillMs);
			void this.recording?.end();
			this.recording = undefined;
			// Lanes on other models leave the worker with another model: load the user's back.
			if (originalModel) await loader.useModel(originalModel);
			this.running = false;
		}
	}

	private experimentToRecord() {
		const skills = this.sweepSkills();
		const experiment = { ...this.deps.draft.current(), sweep: this.sweepInputs() };
		return skills.length > 0 ? { ...experiment, skills } : experiment;
	}

	/** Lanes grouped by model, the loaded model first, each group in sweep order. */
	private byModel(lanes: LaneSpec[], loaded: string): [string, LaneSpec[]][] {
		const models = [loaded, ...lanes.map((l) => l.modelId)].filter(
			(id, i, all) => all.indexOf(id) === i
		);
		return models
			.map((id): [string, LaneSpec[]] => [id, lanes.filter((l) => l.modelId === id)])
			.filter(([, specs]) => specs.length > 0);
	}

	private async runOnModel(modelId: string, specs: LaneSpec[]): Promise<void> {
		const { loader, notices } = this.deps;
		const model = await loader.useModel(modelId);
		if (!model) {
			for (const spec of specs)
				this.fail(spec.id, notices.error || 'The model could not be loaded.');
			notices.error = '';
			return;
		}
		const ranOn = `${model.name} · ${model.backend}`;
		for (const spec of specs) {
			this.lane(spec.id).ranOn = ranOn;
			this.recording?.ranOn(spec.id, ranOn);
		}
		// Lanes under different skills send different prompts: one request per system prompt.
		const prompts = specs
			.map((spec) => spec.skill?.systemPrompt)
			.filter((text, i, all) => all.indexOf(text) === i);
		for (const text of prompts) {
			const group = specs.filter((spec) => spec.skill?.systemPrompt === text);
			if (this.stopping) break;
			await this.runGroup(model, group);
		}
	}

	/** Lanes that share their prompt, in one request; the prompt is evaluated once for them. */
	private async runGroup(model: ModelInfo, specs: LaneSpec[]): Promise<void> {
		const { client, loader, prompt, settings } = this.deps;
		// Events the worker sent before it crashed can still arrive after the lanes failed.
		let live = true;
		const result = await client
			.generateLanes(
				{
					input: withSkill(prompt.input(), specs[0].skill),
					maxNewTokens: settings.maxNewTokens,
					stopSequences: settings.stopList(),
					lanes: specs.map((spec) => ({
						id: spec.id,
						params: settings.requestParams(model, spec.params),
						sampling: loader.samplingMode
					}))
				},
				(event) => {
					if (live) this.onEvent(event);
				}
			)
			.finally(() => {
				live = false;
			});
		this.promptEvaluations += result.promptEvaluations;
		this.prefillMs += result.prefillMs;
		this.decodedTogether ||= result.decodedTogether;
		this.sequentialReason ??= result.sequentialReason;
		for (const { laneId, outcome } of result.lanes) this.settle(laneId, outcome);
	}

	private onEvent(event: LaneEvent): void {
		if (event.type === 'prefill') return;
		if (event.type === 'lane-end') {
			this.settle(event.laneId, event.outcome);
			return;
		}
		const lane = this.lane(event.laneId);
		lane.status = 'running';
		const inner = event.event;
		if (inner.type === 'start') this.recording?.started(event.laneId, inner.seed);
		if (inner.type !== 'token') return;
		this.recording?.token(
			event.laneId,
			{ id: inner.tokenId, piece: inner.piece, trace: inner.trace },
			inner.text
		);
		this.#shown.push({
			laneId: event.laneId,
			tokenId: inner.tokenId,
			piece: inner.piece,
			text: inner.text
		});
	}

	private settle(laneId: string, outcome: LaneOutcome): void {
		// A lane's tokens are all on show before its result replaces its text.
		this.#shown.flush();
		const lane = this.lane(laneId);
		if (outcome.ok) {
			this.recording?.finished(laneId, outcome.result);
			lane.result = outcome.result;
			lane.text = outcome.result.text;
			lane.status = outcome.result.finishReason === 'stopped' ? 'stopped' : 'done';
		} else {
			this.fail(laneId, outcome.error.message);
		}
	}

	private fail(laneId: string, message: string): void {
		this.#shown.flush();
		const lane = this.lane(laneId);
		lane.status = 'failed';
		lane.error = message;
		this.recording?.failed(laneId, message);
	}

	/** Shows a stored compare's lanes as they were, without running anything. */
	showStored(record: SessionRecord): void {
		this.#shown.cancel();
		this.lanes = record.runs.map((run) => ({
			spec: {
				id: run.id,
				label: run.label,
				modelId: run.modelId,
				params: run.params,
				...(run.skill ? { skill: run.skill } : {})
			},
			status: run.status,
			tokens: run.tokens.map((t) => t.id),
			pieces: run.tokens.map((t) => t.piece),
			text: run.text,
			result: storedResult(run),
			error: run.error,
			ranOn: run.ranOn
		}));
		this.referenceLaneId = record.runs[0]?.id ?? null;
		this.sessionId = record.id;
		this.ranking = [...(record.judgement?.ranking ?? [])];
		this.promptEvaluations = record.prefill?.evaluations ?? 0;
		this.prefillMs = record.prefill?.ms ?? 0;
		this.error = '';
	}

	private lane(id: string): LaneView {
		const lane = this.lanes.find((l) => l.spec.id === id);
		if (!lane) throw new Error(`No lane ${id}`);
		return lane;
	}

	async stop(): Promise<void> {
		if (!this.running) return;
		this.stopping = true;
		await this.deps.client.stop();
	}
}
