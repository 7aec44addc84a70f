import {
	decodeShareFragment,
	type SharedExperiment,
	type ShareLinkResult,
	type ShareView
} from '#lib/formats/share-link';
import type { CpuEngineId } from '#lib/core/model';
import type { PlaygroundDb, PlaygroundDbEvents } from '#lib/storage/db';
import type { SessionChannel } from '#lib/storage/session-changes';
import { idbSkillStore, type SkillStore } from '#lib/storage/skills';
import type { PlaygroundClient } from './client';
import { CompareState } from './compare.svelte';
import { Judgements } from './judgements.svelte';
import { ExperimentDraft } from './experiment-draft.svelte';
import { ExploreState } from './explore.svelte';
import { FieldValidity } from './field-validity.svelte';
import { HubModels, type HubSources } from './hub-models.svelte';
import { ModelFacts, type ModelHeaderReader } from './model-facts.svelte';
import { ModelLoader } from './model-loader.svelte';
import { ModelShelf, type ShelfSources } from './model-shelf.svelte';
import { Notices } from './notices.svelte';
import { OutputActions, type ClipboardWriter } from './output-actions.svelte';
import { otherTabsEvents } from './other-tabs';
import { PromptDraft } from './prompt.svelte';
import { Replay } from './replay.svelte';
import { RunSettings } from './run-settings.svelte';
import { SettingsTransfer } from './settings-transfer.svelte';
import { SessionOpener } from './session-opener.svelte';
import { Sharing } from './sharing';
import { History } from './sessions.svelte';
import { SingleRun, type ScreenClock } from './single-run.svelte';
import type { FrameScheduler } from './frame-batcher';
import { SkillLibrary } from './skills.svelte';
import { StoredModels, type ModelStorage } from './stored-models.svelte';

/** What the app is built from: the worker's client and the browser's stores (fakes in tests). */
export interface AppDeps {
	client: PlaygroundClient;
	shelfSources: ShelfSources;
	modelStorage: ModelStorage;
	/** The database the history lives in; the page's own by default. */
	sessionDb?: () => Promise<PlaygroundDb>;
	/** Links this tab's history to the other tabs'; none in tests that need no other tab. */
	sessionChannel?: SessionChannel | null;
	/** Hands the page's handlers to the database, to hear about other tabs holding it. */
	watchDb?: (events: PlaygroundDbEvents) => void;
	/** Threads for the CPU engine; the engine's own choice when undefined. */
	threads?: number;
	/** The CPU engine picked when the page opens (`?cpuEngine=`); our llama.cpp build by default. */
	cpuEngine?: CpuEngineId;
	/** Reads a remote model's header before it is downloaded; no facts are read without it. */
	readModelHeader?: ModelHeaderReader;
	/** The Hugging Face Hub, to find any GGUF model by name; no Hub panel without it. */
	hub?: HubSources;
	/** Where the user's skills are kept; the `skills` store of `sessionDb` by default. */
	skillStore?: SkillStore;
	/** Where Copy puts the output; Copy says it is unavailable without one. */
	clipboard?: ClipboardWriter | null;
	/** Times the figures seen on screen (time to first token); none are timed without it. */
	screen?: ScreenClock;
	/** When streamed tokens reach the page's state: the browser's animation frames by default. */
	frames?: FrameScheduler;
}

/** Every part of the page's state, wired together. Components get the parts they need. */
export interface App {
	client: PlaygroundClient;
	notices: Notices;
	validity: FieldValidity;
	shelf: ModelShelf;
	modelFacts: ModelFacts;
	loader: ModelLoader;
	storedModels: StoredModels;
	/** Any GGUF from the Hub by name; null when the app was built without a Hub. */
	hub: HubModels | null;
	prompt: PromptDraft;
	skills: SkillLibrary;
	settings: RunSettings;
	/** Import settings from llama.cpp, text-generation-webui or SillyTavern; copy a llama.cpp request. */
	transfer: SettingsTransfer;
	draft: ExperimentDraft;
	history: History;
	single: SingleRun;
	/** Copy, continue and regenerate the output; edit, regenerate and clear the chat. */
	actions: OutputActions;
	compare: CompareState;
	judgements: Judgements;
	explore: ExploreState;
	replay: Replay;
	opener: SessionOpener;
	sharing: Sharing;
	/**
	 * Lists the models (loading the default one if it is local) and the history, reopening the
	 * session open before the page was left when `reopen`. Resolves once the models are listed.
	 */
	start(modelsUrl: string, options: { reopen: boolean }): Promise<void>;
	/** Puts a shared experiment on the page (after `show` switched to its view) and loads its model. */
	openShared(shared: SharedExperiment, show: (view: ShareView) => void): Promise<void>;
	/** Reads a `#x=` link once `ready` (the models listed) settles, so the shared model wins. */
	readShareLink(hash: string, ready: Promise<unknown>): Promise<ShareLinkResult<SharedExperiment>>;
	/** Opens a link that was read; a damaged one changes nothing and says what is wrong. */
	openShareLink(
		link: ShareLinkResult<SharedExperiment>,
		show: (view: ShareView) => void
	): Promise<void>;
	/**
	 * Runs what the view shows (Ctrl+Enter); `pressedAt` is the key press's time stamp, which a
	 * single run's time to first token is measured from.
	 */
	run(view: ShareView, pressedAt?: number): Promise<void>;
	/** Stops whatever runs (Esc). */
	stop(): Promise<void>;
	dispose(): void;
}

/** Builds the page's state: the one place that knows how the parts depend on each other. */
export function createApp(deps: AppDeps): App {
	const { client } = deps;
	const notices = new Notices();
	deps.watchDb?.(otherTabsEvents(notices));
	const validity = new FieldValidity();
	const shelf = new ModelShelf(deps.shelfSources, notices);
	const readHeader = deps.readModelHeader;
	const modelFacts = new ModelFacts(
		readHeader
			? {
					readHeader,
					allowsDownloadFrom: (url) => deps.shelfSources.allowsDownloadFrom(url),
					isStored: async (url) =>
						(await deps.modelStorage.listModelFiles()).some((file) => file.url === url)
				}
			: null,
		shelf
	);
	const stopFacts = modelFacts.watch();
	const loader = new ModelLoader(client, shelf, validity, notices, {
		threads: deps.threads,
		cpuEngine: deps.cpuEngine,
		refuseDownload: (choice) => modelFacts.refusal(choice),
		// A load ends the single run first (built below, from the parts it reads).
		beforeLoad: (): Promise<void> => single.stop()
	});
	const storedModels = new StoredModels(client, shelf, deps.modelStorage, notices);
	const hub = deps.hub ? new HubModels(deps.hub, shelf, () => storedModels.refresh()) : null;
	const prompt = new PromptDraft(client, loader, notices);
	const skills = new SkillLibrary(deps.skillStore ?? idbSkillStore(deps.sessionDb));
	const settings = new RunSettings(validity);
	const transfer = new SettingsTransfer({
		settings,
		validity,
		vocabSize: () => loader.model?.vocabSize,
		clipboard: deps.clipboard ?? null
	});
	const draft = new ExperimentDraft(shelf, loader, prompt, settings, validity);
	const history = new History(notices, deps.sessionDb, deps.sessionChannel);
	const runParts = { client, shelf, loader, prompt, settings, validity, draft, notices };
	const single = new SingleRun({
		...runParts,
		recorder: history,
		screen: deps.screen,
		frames: deps.frames
	});
	const actions = new OutputActions({ single, prompt, clipboard: deps.clipboard ?? null });
	const compare = new CompareState({
		...runParts,
		single,
		skills,
		recorder: history,
		frames: deps.frames
	});
	const judgements = new Judgements({ compare, history });
	const explore = new ExploreState({ client, loader, prompt, settings, single, compare });
	const replay = new Replay({ client, loader, settings, notices, single, compare, history });
	const opener = new SessionOpener({ history, draft, single, compare, notices });
	const sharing = new Sharing({ draft, settings, single, compare });

	async function discover(modelsUrl: string): Promise<void> {
		await shelf.discover(modelsUrl);
		if (shelf.selectedChoice?.isLocal) await loader.loadSelected();
	}

	return {
		client,
		notices,
		validity,
		shelf,
		modelFacts,
		loader,
		storedModels,
		hub,
		prompt,
		skills,
		settings,
		transfer,
		draft,
		history,
		single,
		actions,
		compare,
		judgements,
		explore,
		replay,
		opener,
		sharing,
		async start(modelsUrl, options) {
			void shelf.probeDevice();
			void skills.load();
			const discovery = discover(modelsUrl);
			void opener.start(discovery, options);
			await discovery;
		},
		async openShared({ experiment, view }, show) {
			if (view === 'compare') compare.applySweep(experiment.sweep ?? [], experiment.skills);
			show(view);
			const message = await draft.open(experiment);
			if (message) notices.notice = message;
		},
		async readShareLink(hash, ready) {
			const [link] = await Promise.all([decodeShareFragment(hash), ready.catch(() => undefined)]);
			return link;
		},
		async openShareLink(link, show) {
			if (!link.ok) {
				notices.error = link.message;
				return;
			}
			// As when a session is reopened: an earlier message (a damaged link's) is about what left.
			notices.error = '';
			await this.openShared(link.value, show);
		},
		run(view, pressedAt) {
			return view === 'compare' ? compare.run() : single.run({ clickedAt: pressedAt });
		},
		async stop() {
			if (compare.running) await compare.stop();
			else if (single.running) await single.stop();
		},
		dispose() {
			stopFacts();
			explore.dispose();
			history.dispose();
			client.dispose();
		}
	};
}
