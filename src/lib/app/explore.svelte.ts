import { untrack } from 'svelte';
import type { ExploredStep, StepSource } from '#lib/explore/explorer';
import { confidence, describeMetric, type TokenMetric } from '#lib/explore/token-metrics';
import type { NodeView, PickedBy } from '#lib/explore/tree';
import { randomSeed, whatIfSignature, type SamplingParams, type StepTrace } from '#lib/sampling';
import type { PlaygroundClient } from './client';
import { describeError } from './errors';
import type { ModelLoader } from './model-loader.svelte';
import type { PromptDraft } from './prompt.svelte';
import type { RunSettings } from './run-settings.svelte';
import type { SingleRun, StoredRunView } from './single-run.svelte';

/** How long parameter edits must pause before a what-if re-samples. */
export const WHATIF_DELAY_MS = 150;

export interface ExploreDeps {
	client: PlaygroundClient;
	loader: ModelLoader;
	prompt: PromptDraft;
	settings: RunSettings;
	single: SingleRun;
	/** Compare: no what-if re-samples while its lanes use the worker. */
	compare: { readonly running: boolean };
}

/** One token of the output on view, with what the sampler saw when it was chosen. */
export interface TokenItem {
	/** Position among the generated tokens. */
	index: number;
	/** The tree node, for live outputs; `null` for a stored session's tokens. */
	nodeId: number | null;
	tokenId: number;
	trace: StepTrace | null;
	pickedBy: PickedBy | null;
	/** Where a what-if took this step's distribution from, when a what-if produced it. */
	source: StepSource | null;
	isStop: boolean;
}

/**
 * The token view's state: the tree of the last run (kept in the worker), the branch on view,
 * the token being explained, step mode and what-ifs. Calls the client for the tree and steps;
 * follows the single run (each finished run, each stored run shown) and the settings (a what-if
 * re-samples when a parameter changes). The explore components read and call it.
 */
export class ExploreState {
	/**
	 * Nodes by id (ids are dense, root 0). Raw, not proxied: each node carries a whole trace, and
	 * nodes are only ever replaced, never changed in place.
	 */
	nodes = $state.raw<NodeView[]>([]);
	/** Token id → its text, filled as tokens come into view. */
	pieces = $state<Record<number, string>>({});
	/** The last node of the branch on view. */
	leaf = $state<number | null>(null);
	/** Index (in the branch on view) of the token being explained. */
	selected = $state<number | null>(null);
	metric = $state<TokenMetric>('probability');
	/** Show the model's own probabilities instead of the final ones. */
	showRaw = $state(false);
	/**
	 * The why panel as tables instead of charts (the same numbers, for screen readers and
	 * keyboard users), and the timeline's table open (its rows exist only while it is): the
	 * reader's choices live here so they outlast the views, which a streaming run takes down.
	 */
	whyAsTables = $state(false);
	timelineTableOpen = $state(false);
	/** Re-sample whenever the sampling parameters change. */
	whatIf = $state(false);
	sources = $state<Record<number, StepSource>>({});
	/** How the last what-if got its distributions. */
	lastWhatIf = $state<{ stored: number; model: number } | null>(null);
	busy = $state(false);
	error = $state('');
	/** A stored session's tokens, shown without a tree (nothing can be re-sampled from them). */
	storedTokens = $state.raw<TokenItem[] | null>(null);

	/**
	 * Step mode drives the Output box: set by starting step mode, a step or a pick, cleared when a
	 * run's tree or a stored run comes into view (their output is the run's own).
	 */
	#stepping = false;
	/** The seed step mode's last step drew with (shown in the Output box), or null before one. */
	#stepSeed: number | null = null;
	#pendingWhatIf = false;
	#whatIfTimer: ReturnType<typeof setTimeout> | undefined;
	readonly #dispose: () => void;

	constructor(private readonly deps: ExploreDeps) {
		const unfollowRuns = deps.single.onCompleted(() => void this.showLastRun());
		const unfollowStored = deps.single.onStoredShown((run) => this.#showStoredRun(run));
		const stopEffects = $effect.root(() => {
			// What-if: a change to any sampling parameter, the order or the seed re-samples.
			$effect(() => {
				void whatIfSignature(deps.settings.params);
				if (this.whatIf) untrack(() => this.#scheduleWhatIf());
			});
			// The token being explained shows its candidates' texts.
			$effect(() => {
				const trace = this.selectedToken?.trace;
				if (trace) untrack(() => void this.loadPieces(trace.candidates.map((c) => c.id)));
			});
		});
		this.#dispose = () => {
			unfollowRuns();
			unfollowStored();
			stopEffects();
			clearTimeout(this.#whatIfTimer);
		};
	}

	/** Stops following the run and the settings. */
	dispose(): void {
		this.#dispose();
	}

	/** The token being explained, if any. */
	get selectedToken(): TokenItem | undefined {
		return this.selected === null ? undefined : this.path[this.selected];
	}

	/**
	 * A run is streaming: the tokens on view are the previous run's, which the new output
	 * replaces when it ends, so the view holds them back (and the page need not repaint them as
	 * the output above them grows).
	 */
	get awaitingRun(): boolean {
		return this.deps.single.running;
	}

	/** Step mode cannot act now: explore or a run is busy, or no model is loaded. */
	get stepDisabled(): boolean {
		const { loader, single } = this.deps;
		return this.busy || single.running || loader.loading || !loader.model;
	}

	#scheduleWhatIf(): void {
		if (this.deps.compare.running) return;
		clearTimeout(this.#whatIfTimer);
		this.#whatIfTimer = setTimeout(() => void this.resample(), WHATIF_DELAY_MS);
	}

	/** A reopened session's output, explained from its stored traces. */
	#showStoredRun(run: StoredRunView): void {
		this.showStored(
			run.tokens.map((token, index) => ({
				index,
				nodeId: null,
				tokenId: token.id,
				trace: token.trace ?? null,
				pickedBy: null,
				source: null,
				isStop: false
			})),
			Object.fromEntries(run.tokens.map((token) => [token.id, token.piece]))
		);
	}

	/** The branch on view, first generated token first. */
	get path(): TokenItem[] {
		return this.#path;
	}

	// Derived once per change: every view reads it, some once per token.
	#path = $derived.by((): TokenItem[] => {
		if (this.storedTokens) return this.storedTokens;
		const items: TokenItem[] = [];
		for (let id = this.leaf; id !== null && id > 0; id = this.nodes[id]?.parent ?? null) {
			const node = this.nodes[id];
			if (!node || node.tokenId === null) break;
			items.push({
				index: node.depth - 1,
				nodeId: node.id,
				tokenId: node.tokenId,
				trace: node.trace,
				pickedBy: node.pickedBy,
				source: this.sources[node.id] ?? null,
				isStop: node.isStop
			});
		}
		return items.reverse();
	});

	get live(): boolean {
		return this.storedTokens === null && this.nodes.length > 0;
	}

	/** The leaves of the tree: one per branch. */
	get leaves(): NodeView[] {
		return this.nodes.filter((node) => node.children.length === 0 && node.parent !== null);
	}

	/** Takes the tree of the run that just ended from the worker and shows its output. */
	async showLastRun(): Promise<void> {
		await this.#guard(async () => {
			const nodes = await this.deps.client.exploreNodes();
			// Texts first, so the views draw the new output once rather than again with its text.
			await this.loadPieces(nodes.flatMap((node) => (node.tokenId === null ? [] : [node.tokenId])));
			this.#stepping = false;
			this.storedTokens = null;
			this.sources = {};
			this.lastWhatIf = null;
			this.nodes = nodes;
			this.leaf = this.nodes.length > 1 ? this.#deepestFirstBranch() : null;
			this.selected = null;
		});
	}

	/** Shows stored tokens (a reopened session): explained, but not re-sampled. */
	showStored(tokens: TokenItem[], pieces: Record<number, string>): void {
		this.#stepping = false;
		this.storedTokens = tokens;
		this.selected = null;
		this.pieces = { ...this.pieces, ...pieces };
	}

	/** Starts step mode on the prompt in the editor: an empty tree, one token per Step. */
	async startStepMode(): Promise<void> {
		await this.#guard(async () => {
			this.storedTokens = null;
			this.sources = {};
			this.nodes = await this.deps.client.exploreStart(this.deps.prompt.input());
			this.leaf = 0;
			this.selected = null;
			// The seed the steps will draw with, shown at once (and kept when the panel says random).
			this.#stepSeed = this.samplingParams().seed;
			this.#stepping = true;
			this.#showOutput();
		});
	}

	/** One token after the branch on view, drawn by the sampler. */
	async step(): Promise<void> {
		const from = this.leaf ?? 0;
		if (this.nodes.length === 0) await this.startStepMode();
		await this.#guard(async () => {
			const params = this.samplingParams();
			const step = await this.deps.client.exploreStep(from, params);
			this.#stepSeed = params.seed;
			this.#merge(step);
			this.leaf = step.node.id;
			this.selected = step.node.depth - 1;
			await this.loadPieces([step.node.tokenId!]);
			this.#stepping = true;
			this.#showOutput();
		});
	}

	/** Replaces the token at `index` of the branch on view by `tokenId`: a new branch. */
	async pick(index: number, tokenId: number): Promise<void> {
		const item = this.path[index];
		if (!item || item.nodeId === null) return;
		const parent = this.nodes[item.nodeId].parent;
		if (parent === null) return;
		await this.#guard(async () => {
			const params = this.samplingParams();
			const step = await this.deps.client.exploreStep(parent, params, tokenId);
			this.#stepSeed = params.seed;
			this.#merge(step);
			this.leaf = step.node.id;
			this.selected = index;
			await this.loadPieces([tokenId]);
			this.#stepping = true;
			this.#showOutput();
		});
	}

	/** Walks the branch on view back one token. */
	back(): void {
		if (this.leaf === null || this.leaf === 0) return;
		this.leaf = this.nodes[this.leaf].parent;
		if (this.selected !== null && this.leaf !== null) {
			this.selected = Math.min(this.selected, this.nodes[this.leaf].depth - 1);
		}
		this.#showOutput();
	}

	/** Walks forward along the most recent child, if the tree goes on. */
	forward(): void {
		const node = this.leaf === null ? this.nodes[0] : this.nodes[this.leaf];
		const next = node?.children.at(-1);
		if (next !== undefined) this.leaf = next;
		this.#showOutput();
	}

	/** Shows the branch ending at `nodeId`. */
	showBranch(nodeId: number): void {
		this.leaf = nodeId;
		this.selected = null;
		this.#showOutput();
	}

	/** Re-samples the whole output with the panel's parameters, from stored steps where it can. */
	async resample(): Promise<void> {
		// A run in progress (Regenerate sets a new seed as it starts one) brings its own tree.
		if (!this.live || this.deps.single.running) return;
		if (this.busy) {
			this.#pendingWhatIf = true;
			return;
		}
		await this.#guard(async () => {
			const sources: Record<number, StepSource> = {};
			const steps = await this.deps.client.exploreResample(
				this.samplingParams(),
				this.deps.settings.maxNewTokens
			);
			for (const step of steps) {
				this.#merge(step);
				sources[step.node.id] = step.source;
			}
			this.sources = sources;
			this.lastWhatIf = {
				stored: steps.filter((s) => s.source === 'stored').length,
				model: steps.filter((s) => s.source === 'model').length
			};
			this.leaf = steps.at(-1)?.node.id ?? this.leaf;
			await this.loadPieces(steps.map((s) => s.node.tokenId!));
			this.#showOutput();
		});
		if (this.#pendingWhatIf) {
			this.#pendingWhatIf = false;
			await this.resample();
		}
	}

	/** The token's colour score in [0, 1] by the metric on view, for the token actually placed. */
	scoreOf(token: TokenItem, maxEntropy: number): number {
		return token.trace ? confidence(token.trace, this.metric, maxEntropy, token.tokenId) : 1;
	}

	/** The token's metric in words ("p 0.006"), for the token actually placed; '' untraced. */
	describeToken(token: TokenItem): string {
		return token.trace ? describeMetric(token.trace, this.metric, token.tokenId) : '';
	}

	/** The text of the branch on view as a run would output it (a stop token adds no text). */
	get pathText(): string {
		return this.path
			.filter((token) => !token.isStop)
			.map((token) => this.pieces[token.tokenId] ?? '')
			.join('');
	}

	/** In step mode, the Output box shows the branch on view, as a run streams its output. */
	#showOutput(): void {
		if (this.#stepping && this.live)
			this.deps.single.showSteps(this.pathText, this.path.length, this.#stepSeed);
	}

	/** A token's text, or `#id` while it is not known. */
	pieceOf(id: number): string {
		return this.pieces[id] ?? `#${id}`;
	}

	/** Whether the loaded model's vocabulary marks `id` as a special (control) token. */
	isSpecial(id: number): boolean {
		return this.deps.loader.model?.specialIds?.includes(id) ?? false;
	}

	/** A token's text as shown in the views: newlines, spaces and empty pieces made visible. */
	shownPiece(id: number): string {
		return this.pieceOf(id).replace(/\n/g, '↵').replace(/ /g, '·') || '∅';
	}

	/** Fetches the text of tokens not seen yet. */
	async loadPieces(ids: number[]): Promise<void> {
		const missing = ids.filter((id, i) => !(id in this.pieces) && ids.indexOf(id) === i);
		if (missing.length === 0 || !this.deps.loader.model) return;
		try {
			const pieces = await this.deps.client.tokenPieces(missing);
			this.pieces = {
				...this.pieces,
				...Object.fromEntries(missing.map((id, i) => [id, pieces[i]]))
			};
		} catch {
			// Pieces are cosmetic: ids stay on show.
		}
	}

	/** The panel's parameters with a fixed seed: the run's own when the panel says random. */
	samplingParams(): SamplingParams {
		const { loader, settings, single } = this.deps;
		const model = loader.model;
		const params = model ? settings.requestParams(model) : $state.snapshot(settings.params);
		return { ...params, seed: params.seed ?? single.seedUsed ?? randomSeed() };
	}

	#deepestFirstBranch(): number {
		let id = 0;
		while (this.nodes[id].children.length > 0) id = this.nodes[id].children[0];
		return id;
	}

	#merge(step: ExploredStep): void {
		const { node } = step;
		const nodes = [...this.nodes];
		nodes[node.id] = node;
		const parent = node.parent === null ? undefined : nodes[node.parent];
		if (parent && !parent.children.includes(node.id)) {
			nodes[parent.id] = { ...parent, children: [...parent.children, node.id] };
		}
		this.nodes = nodes;
	}

	async #guard(task: () => Promise<void>): Promise<void> {
		this.busy = true;
		this.error = '';
		try {
			await task();
		} catch (error) {
			this.error = describeError(error);
		} finally {
			this.busy = false;
		}
	}
}
