import type { EngineId } from '#lib/core/model';
import { DEFAULT_CPU_ENGINE } from '#lib/core/model-id';

export interface CatalogueEntry {
	/** Stable id, used in URLs and storage. */
	id: string;
	name: string;
	description: string;
	engine: EngineId;
	/** File name of the GGUF; a file of this name in the local models folder is used first. */
	file: string;
	/** Where users download it from (Hugging Face), or null for local-only files. */
	remoteUrl: string | null;
	/** Size in bytes; approximate unless `sizeExact`. */
	sizeBytes: number | null;
	sizeExact: boolean;
	sha256: string | null;
	licence: string;
	/** Instruction-tuned with a chat template; null when unknown until loaded. */
	chat: boolean | null;
	/** Context window to load it with (a memory trade-off; not always the trained maximum). */
	contextLength: number;
}

export const TEST_MODEL_ID = 'stories260k';

/**
 * The models offered by name. The test model's facts were checked against the file; the
 * Hugging Face URLs and sizes of the others were written from their public model pages and could
 * not be checked from the machine this was written on (no internet): a failed download shows
 * the HTTP error, and the file can then be opened from disk instead.
 */
export const CATALOGUE: readonly CatalogueEntry[] = [
	{
		id: TEST_MODEL_ID,
		name: 'TinyStories 260K',
		description:
			'A tiny story-writing model (llama2.c). Instant on any CPU; the offline test and demo model.',
		engine: DEFAULT_CPU_ENGINE,
		file: 'stories260K.gguf',
		remoteUrl: 'https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf',
		sizeBytes: 1_185_376,
		sizeExact: true,
		sha256: '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d',
		licence: 'MIT',
		chat: false,
		contextLength: 2048
	},
	{
		id: 'smollm2-135m-instruct-q8',
		name: 'SmolLM2 135M Instruct (Q8_0)',
		description: 'The smallest useful chat model; fast on CPU, often wrong.',
		engine: DEFAULT_CPU_ENGINE,
		file: 'smollm2-135m-instruct-q8_0.gguf',
		remoteUrl:
			'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct-GGUF/resolve/main/smollm2-135m-instruct-q8_0.gguf',
		sizeBytes: 145_000_000,
		sizeExact: false,
		sha256: null,
		licence: 'Apache-2.0',
		chat: true,
		contextLength: 2048
	},
	{
		id: 'smollm2-360m-instruct-q8',
		name: 'SmolLM2 360M Instruct (Q8_0)',
		description: 'A small chat model that follows simple instructions.',
		engine: DEFAULT_CPU_ENGINE,
		file: 'smollm2-360m-instruct-q8_0.gguf',
		remoteUrl:
			'https://huggingface.co/HuggingFaceTB/SmolLM2-360M-Instruct-GGUF/resolve/main/smollm2-360m-instruct-q8_0.gguf',
		sizeBytes: 386_000_000,
		sizeExact: false,
		sha256: null,
		licence: 'Apache-2.0',
		chat: true,
		contextLength: 2048
	},
	{
		id: 'qwen2.5-0.5b-instruct-q4km',
		name: 'Qwen2.5 0.5B Instruct (Q4_K_M)',
		description: 'A capable small multilingual chat model; slower on CPU.',
		engine: DEFAULT_CPU_ENGINE,
		file: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
		remoteUrl:
			'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf',
		sizeBytes: 491_000_000,
		sizeExact: false,
		sha256: null,
		licence: 'Apache-2.0',
		chat: true,
		contextLength: 2048
	}
];
