import type { ScreenClock } from '../single-run.svelte';
import type { WebLlmModel } from '#lib/core/model';
import type { LocalModelFile, ModelChoice } from '#lib/models/local-models';
import { allowsModelUrl } from '#lib/models/model-hosts';
import type { StorageStatus } from '#lib/platform/storage';
import { probeWebGpu, type WebGpuCapabilities } from '#lib/platform/webgpu';
import { openPlaygroundDb } from '#lib/storage/db';
import type { ModelFileRecord, PlaygroundDbEvents } from '#lib/storage/db';
import type { SessionChannel } from '#lib/storage/session-changes';
import { createApp, type App } from '../compose';
import type { HubSources } from '../hub-models.svelte';
import type { ModelHeaderReader } from '../model-facts.svelte';
import type { ShelfSources } from '../model-shelf.svelte';
import type { ClipboardWriter } from '../output-actions.svelte';
import type { ModelStorage } from '../stored-models.svelte';
import { FakeClient } from './fake-client';
import type { FrameScheduler } from '../frame-batcher';

/** The test model's file, as the local models folder lists it. */
export const LOCAL_TEST_MODEL: LocalModelFile = {
	file: 'stories260K.gguf',
	sizeBytes: 1_185_376,
	modified: '2026-01-01T00:00:00.000Z'
};

/** Shelf sources kept in memory: what was saved, and a local folder holding the test model. */
export class MemoryShelfSources implements ShelfSources {
	customModels: unknown = [];
	local: LocalModelFile[] = [LOCAL_TEST_MODEL];
	webgpu: WebGpuCapabilities | null = null;
	/** The policy's model hosts; null lets every URL through. */
	modelHosts: readonly string[] | null = null;

	async readCustomModels(): Promise<unknown> {
		return this.customModels;
	}
	async saveCustomModels(models: WebLlmModel[]): Promise<void> {
		this.customModels = models;
	}
	async listLocalModels(): Promise<LocalModelFile[]> {
		return this.local;
	}
	async probeWebGpu(): Promise<WebGpuCapabilities> {
		return this.webgpu ?? probeWebGpu(undefined);
	}
	allowsDownloadFrom(url: string): boolean {
		return this.modelHosts === null || allowsModelUrl(url, this.modelHosts, 'http://app.test');
	}
	/** Picker entries for stored files (none unless a test sets some). */
	storedChoices?: () => Promise<ModelChoice[]>;
}

/** Model storage kept in memory. */
export class MemoryModelStorage implements ModelStorage {
	files: ModelFileRecord[] = [];
	persisted = false;
	async listModelFiles(): Promise<ModelFileRecord[]> {
		return [...this.files];
	}
	async deleteModelFile(url: string): Promise<void> {
		this.files = this.files.filter((f) => f.url !== url);
	}
	async deleteAllModelFiles(): Promise<void> {
		this.files = [];
	}
	async status(): Promise<StorageStatus> {
		return { usageBytes: 0, quotaBytes: 1e9, persisted: this.persisted, supported: true };
	}
	async requestPersistence(): Promise<boolean> {
		return this.persisted;
	}
}

let databases = 0;

/**
 * The whole app on fakes: a {@link FakeClient}, memory sources and a fresh IndexedDB (import
 * `fake-indexeddb/auto` first) for the history. Two "tabs" share `options.database` and a
 * session channel (see `memory-channel.ts`).
 */
export function createTestApp(
	options: {
		database?: string;
		sessionChannel?: SessionChannel;
		watchDb?: (events: PlaygroundDbEvents) => void;
		readModelHeader?: ModelHeaderReader;
		hub?: HubSources;
		clipboard?: ClipboardWriter;
		screen?: ScreenClock;
		frames?: FrameScheduler;
	} = {}
): {
	app: App;
	client: FakeClient;
	sources: MemoryShelfSources;
	storage: MemoryModelStorage;
} {
	const client = new FakeClient();
	const sources = new MemoryShelfSources();
	const storage = new MemoryModelStorage();
	const name = options.database ?? `app-test-${++databases}`;
	const app = createApp({
		client,
		shelfSources: sources,
		modelStorage: storage,
		sessionDb: () => openPlaygroundDb({ name }),
		sessionChannel: options.sessionChannel,
		watchDb: options.watchDb,
		readModelHeader: options.readModelHeader,
		hub: options.hub,
		clipboard: options.clipboard,
		screen: options.screen,
		frames: options.frames
	});
	return { app, client, sources, storage };
}

/** The models folder the test app lists. */
export const MODELS_URL = 'http://test/models/';

/** A test app that has listed its models and loaded the local test model, as the page starts. */
export async function startedTestApp(
	options: Parameters<typeof createTestApp>[0] = {}
): Promise<ReturnType<typeof createTestApp>> {
	const test = createTestApp(options);
	await test.app.start(MODELS_URL, { reopen: false });
	return test;
}

/** Runs once and makes the engine fail after the first token with `message`. */
export async function failedRun(
	test: ReturnType<typeof createTestApp>,
	message = 'The engine ran out of memory'
): Promise<void> {
	test.client.holdGenerations = true;
	const running = test.app.single.run();
	await new Promise((resolve) => setTimeout(resolve, 0));
	test.client.failGeneration(new Error(message));
	await running;
	test.client.holdGenerations = false;
}
