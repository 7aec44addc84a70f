import type { LoadProgress } from '#lib/core/model';
import { WLLAMA_ARCHITECTURES } from '#lib/engines/wllama/architectures';
import { describeGgufFacts, GgufError } from '#lib/models/gguf';
import {
	hubFileChoice,
	hubFileUrl,
	HubError,
	hubStatusError,
	listHubGgufFiles,
	parseHubReference,
	type HubGgufFile
} from '#lib/models/hub';
import { HeaderReadError } from '#lib/models/remote-gguf';
import type { DownloadTarget, ResumableDownloadResult } from '#lib/models/resumable-download';
import { formatBytes } from './download-rate';
import { describeError } from './errors';
import type { ModelFactsState, ModelHeaderReader } from './model-facts.svelte';
import type { ModelShelf } from './model-shelf.svelte';

/** What the Hub panel needs from the browser (fakes in tests). */
export interface HubSources {
	/** The Hub's base URL: https://huggingface.co, or the browser tests' fixture Hub. */
	hubUrl: string;
	fetch: typeof fetch;
	readHeader: ModelHeaderReader;
	/** Downloads into the browser's storage, going on from bytes stored by an earlier try. */
	download(
		target: DownloadTarget,
		options: { onProgress: (progress: LoadProgress) => void; signal: AbortSignal }
	): Promise<ResumableDownloadResult>;
	/** Bytes stored of an unfinished download of `url` (0 when none). */
	partBytes(url: string): Promise<number>;
	/** Whether the browser stores the whole file already. */
	isStored(url: string): Promise<boolean>;
}

/** One GGUF file of the listed repository, as the panel offers it. */
export interface HubFileOption extends HubGgufFile {
	url: string;
	/** Why it cannot be loaded here, when it cannot (one part of a split model). */
	unsupported: string | null;
}

export type HubListState =
	| { status: 'idle' }
	| { status: 'listing'; repo: string }
	| { status: 'listed'; repo: string; revision: string; files: HubFileOption[] }
	| { status: 'failed'; message: string };

export type HubDownloadState =
	| { status: 'none' }
	| { status: 'partial'; bytes: number }
	| {
			status: 'downloading';
			progress: LoadProgress | null;
			resumedFrom: number;
			/** `performance.now()` when it started, for the speed shown. */
			startedAt: number;
	  }
	| { status: 'stored'; message: string }
	| { status: 'failed'; message: string; keptBytes: number };

const baseName = (path: string) => path.split('/').pop() ?? path;

/**
 * Any GGUF from the Hugging Face Hub by name: lists a repository's GGUF files (exact sizes from
 * the Hub's API), reads the picked file's facts from its header with range requests before any
 * download, and downloads it into the browser's storage, resumably, as a stored model that the
 * shelf then offers (and that loads offline). Calls its {@link HubSources}, adds the stored file
 * to the shelf and asks `onStored` to refresh the stored models list; the Hub panel of the
 * model picker calls it.
 */
export class HubModels {
	query = $state('');
	list = $state.raw<HubListState>({ status: 'idle' });
	selectedPath = $state<string | null>(null);
	facts = $state.raw<ModelFactsState | null>(null);
	download = $state.raw<HubDownloadState>({ status: 'none' });
	#controller: AbortController | null = null;
	/** Counts picks, so an answer about an earlier pick is dropped. */
	#pick = 0;

	constructor(
		private readonly sources: HubSources,
		private readonly shelf: ModelShelf,
		private readonly onStored: () => Promise<void> = async () => {}
	) {}

	get selected(): HubFileOption | null {
		const { list } = this;
		if (list.status !== 'listed') return null;
		return list.files.find((file) => file.path === this.selectedPath) ?? null;
	}

	/** Whether the picked file may be downloaded now. */
	get canDownload(): boolean {
		const file = this.selected;
		return (
			file !== null &&
			file.unsupported === null &&
			this.facts?.status !== 'refused' &&
			this.facts?.status !== 'reading' &&
			this.download.status !== 'downloading' &&
			this.download.status !== 'stored'
		);
	}

	/** Reads the query and lists the repository's GGUF files; a pasted file's URL picks it. */
	async listFiles(): Promise<void> {
		this.cancel();
		this.selectedPath = null;
		this.facts = null;
		this.download = { status: 'none' };
		const { hubUrl } = this.sources;
		let reference;
		try {
			reference = parseHubReference(this.query, hubUrl);
		} catch (error) {
			this.list = { status: 'failed', message: describeError(error) };
			return;
		}
		const { repo, revision } = reference;
		this.list = { status: 'listing', repo };
		try {
			const files = await listHubGgufFiles(reference, { fetchImpl: this.sources.fetch, hubUrl });
			const options = files.map((file): HubFileOption => ({
				...file,
				url: hubFileUrl(hubUrl, repo, revision, file.path),
				unsupported: file.split
					? `part ${file.split.part} of ${file.split.of} of a split model: only single-file models load here`
					: null
			}));
			this.list = { status: 'listed', repo, revision, files: options };
		} catch (error) {
			this.list = { status: 'failed', message: describeError(error) };
			return;
		}
		const files = this.list.files;
		const wanted = reference.file ?? (files.length === 1 ? files[0].path : null);
		if (wanted !== null && files.some((file) => file.path === wanted)) {
			await this.select(wanted);
		} else if (reference.file !== null) {
			this.facts = {
				status: 'unreadable',
				text: `${repo} has no GGUF file ${reference.file}; pick one of its ${files.length} GGUF files.`
			};
		}
	}

	/** Picks a file: reads its facts from its header, and whether part of it is stored. */
	async select(path: string): Promise<void> {
		this.cancel();
		this.selectedPath = path;
		const file = this.selected;
		const pick = ++this.#pick;
		this.facts = null;
		this.download = { status: 'none' };
		if (!file) return;
		const name = baseName(file.path);
		const [stored, partBytes] = await Promise.all([
			this.sources.isStored(file.url).catch(() => false),
			this.sources.partBytes(file.url).catch(() => 0)
		]);
		if (pick !== this.#pick) return;
		if (stored) {
			// Stored whole: it loads from storage, so the network is not asked for its facts.
			this.#offer(file, file.sha256);
			this.download = {
				status: 'stored',
				message: `${name} is stored in this browser: pick it in the model list to load it.`
			};
			return;
		} else if (partBytes > 0) {
			this.download = { status: 'partial', bytes: partBytes };
		}
		if (file.unsupported) {
			this.facts = {
				status: 'refused',
				reason: file.unsupported,
				text: `${name} is ${file.unsupported}.`
			};
			return;
		}
		this.facts = { status: 'reading', text: `Reading the header of ${name}…` };
		const facts = await this.#readFacts(file, name);
		if (pick === this.#pick) this.facts = facts;
	}

	async #readFacts(file: HubFileOption, name: string): Promise<ModelFactsState> {
		try {
			const facts = await this.sources.readHeader(file.url, {
				knownSize: file.sizeBytes,
				supportedArchitectures: WLLAMA_ARCHITECTURES
			});
			return { status: 'read', facts, text: `${name}: ${describeGgufFacts(facts)}` };
		} catch (error) {
			if (error instanceof GgufError) {
				return {
					status: 'refused',
					reason: error.message,
					text: `${name} cannot be loaded: ${error.message}.`
				};
			}
			if (error instanceof HeaderReadError && error.status !== null && error.status < 500) {
				const hubError = hubStatusError(error.status, null, this.#describe(file));
				return { status: 'refused', reason: hubError.message, text: `${hubError.message}.` };
			}
			return {
				status: 'unreadable',
				text: `The facts of ${name} could not be read before downloading it (${describeError(error)}); it can still be downloaded.`
			};
		}
	}

	#describe(file: HubFileOption): string {
		const list = this.list;
		return list.status === 'listed' ? `${list.repo}/${file.path}` : file.path;
	}

	/** Downloads the picked file into the browser's storage, going on from any stored part. */
	async downloadSelected(): Promise<void> {
		const file = this.selected;
		if (!file || !this.canDownload) return;
		const name = baseName(file.path);
		const controller = new AbortController();
		this.#controller = controller;
		const partBytes = this.download.status === 'partial' ? this.download.bytes : 0;
		const startedAt = performance.now();
		this.download = { status: 'downloading', progress: null, resumedFrom: partBytes, startedAt };
		try {
			const result = await this.sources.download(
				{ url: file.url, name, sizeBytes: file.sizeBytes, sha256: file.sha256 },
				{
					signal: controller.signal,
					onProgress: (progress) => {
						if (this.#controller === controller) {
							this.download = {
								status: 'downloading',
								progress,
								resumedFrom: partBytes,
								startedAt
							};
						}
					}
				}
			);
			const resumed =
				result.resumedFrom > 0 && !result.alreadyStored
					? ` (resumed from ${formatBytes(result.resumedFrom)})`
					: '';
			const checked = file.sha256 ? ', its sha256 checked' : '';
			this.download = {
				status: 'stored',
				message: `${name} was downloaded${resumed}${checked} and stored in this browser: it is selected in the model list, and loads without the network from now on.`
			};
			this.#offer(file, result.record.sha256, true);
			await this.onStored();
		} catch (error) {
			const keptBytes = await this.sources.partBytes(file.url).catch(() => 0);
			this.download = {
				status: 'failed',
				keptBytes,
				message: this.#downloadMessage(error, file, keptBytes)
			};
		} finally {
			if (this.#controller === controller) this.#controller = null;
		}
	}

	#downloadMessage(error: unknown, file: HubFileOption, keptBytes: number): string {
		const kept =
			keptBytes > 0
				? ` ${formatBytes(keptBytes)} of ${formatBytes(file.sizeBytes)} are kept: Resume goes on from there.`
				: '';
		if (error instanceof Error && error.name === 'AbortError') {
			return `The download was cancelled.${kept}`;
		}
		const status =
			error instanceof Error && 'status' in error && typeof error.status === 'number'
				? error.status
				: null;
		if (status !== null && status >= 400 && status < 500) {
			return `${hubStatusError(status, null, this.#describe(file)).message}.`;
		}
		if (error instanceof HubError) return `${error.message}.`;
		if (error instanceof Error && error.name === 'ModelDownloadError') {
			return `${error.message.replace(/ The bytes received are kept.*$/, '')}${kept || ' Check the connection and try again.'}`;
		}
		return `${describeError(error)}${kept}`;
	}

	/** Stops a download under way; what arrived is kept for the next try. */
	cancel(): void {
		this.#controller?.abort();
		this.#controller = null;
	}

	/** Puts the stored file in the model list (and picks it, after a download). */
	#offer(file: HubFileOption, sha256: string | null, pick = false): void {
		const choice = hubFileChoice(
			{ url: file.url, name: baseName(file.path), sizeBytes: file.sizeBytes, sha256 },
			this.sources.hubUrl
		);
		const id = this.shelf.offerChoice(choice);
		if (pick) this.shelf.selectModel(id);
	}
}
