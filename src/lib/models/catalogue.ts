/**
 * The GGUF models offered by name (CATALOGUE): where each is downloaded from, its exact size and
 * sha256 with the public source they were copied from, or no source ("size not verified"), and
 * its architecture. Read by the model shelf (app/model-shelf.svelte.ts) through
 * models/local-models.ts; the architectures are proven loadable by
 * engines/llama/architectures.test.ts.
 */
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
	/** Size in bytes: exact when `sizeExact`, else a rounded figure ("size not verified"). */
	sizeBytes: number | null;
	/** The size is the file's exact byte count, as `source` states it. */
	sizeExact: boolean;
	/** The file's sha256 (64 lowercase hex digits) as `source` states it; a download is checked against it. */
	sha256: string | null;
	/**
	 * Where the exact size and sha256 were taken from, so they can be checked; null when neither
	 * could be cited (the UI then says "size not verified").
	 */
	source: string | null;
	licence: string;
	/** Instruction-tuned with a chat template; null when unknown until loaded. */
	chat: boolean | null;
	/** `general.architecture` of the GGUF (tests load a synthetic model of it); null when unknown until loaded. */
	architecture: string | null;
	/** Context window to load it with (a memory trade-off; not always the trained maximum). */
	contextLength: number;
}

export const TEST_MODEL_ID = 'stories260k';

/** wllama's example model list, which pins each file's exact size in bytes. */
const WLLAMA_EXAMPLES =
	"wllama's example model list (github.com/ngxson/wllama, examples/main/src/config.ts at commit 2592cfe)";

/** The Hub's Git LFS record of a file (its sha256 and size) at a revision, as public code pins it. */
const lfsRecord = (repo: string, revision: string, pinnedBy: string) =>
	`the Git LFS sha256 and size of this file in ${repo} at revision ${revision.slice(0, 12)}, as pinned by ${pinnedBy}`;

/**
 * The models offered by name. No machine this was written on could reach Hugging Face, so each
 * exact size or sha256 below is copied from a public source named in the entry's `source`, and
 * an entry without one says "size not verified": its size is the model page's rounded figure and
 * nothing about its download is checked. An entry with a sha256 downloads from the Hub revision
 * the sha256 was recorded at, so the file cannot change under it. A failed download shows the
 * HTTP error, and the file can then be opened from disk instead.
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
		// Measured on the copy this project ships (models/README.md).
		sizeBytes: 1_185_376,
		sizeExact: true,
		sha256: '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d',
		source: "this project's own copy of the file (models/stories260K.gguf, models/README.md)",
		licence: 'MIT',
		chat: false,
		architecture: 'llama',
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
		// No citable source states this file's exact size or sha256: the model page's rounded size.
		sizeBytes: 145_000_000,
		sizeExact: false,
		sha256: null,
		source: null,
		licence: 'Apache-2.0',
		chat: true,
		architecture: 'llama',
		contextLength: 2048
	},
	{
		id: 'smollm2-360m-instruct-q8',
		name: 'SmolLM2 360M Instruct (Q8_0)',
		description: 'A small chat model that follows simple instructions.',
		engine: DEFAULT_CPU_ENGINE,
		file: 'smollm2-360m-instruct-q8_0.gguf',
		// Pinned to the revision the sha256 was recorded at; wllama's list gives the same size.
		remoteUrl:
			'https://huggingface.co/HuggingFaceTB/SmolLM2-360M-Instruct-GGUF/resolve/593b5a2e04c8f3e4ee880263f93e0bd2901ad47f/smollm2-360m-instruct-q8_0.gguf',
		sizeBytes: 386_404_992,
		sizeExact: true,
		sha256: '48ab3034d0dd401fbc721eb1df3217902fee7dab9078992d66431f09b7750201',
		source: lfsRecord(
			'HuggingFaceTB/SmolLM2-360M-Instruct-GGUF',
			'593b5a2e04c8f3e4ee880263f93e0bd2901ad47f',
			"a public Go model catalogue (kindling's package von) and the Hub listing captured in github.com/theodoreOnzGit/kopitiam (crates/kopitiam-models/tests/fixtures/smollm2_360m_tree.json); the size is also in " +
				WLLAMA_EXAMPLES
		),
		licence: 'Apache-2.0',
		chat: true,
		architecture: 'llama',
		contextLength: 2048
	},
	{
		id: 'qwen2.5-0.5b-instruct-q8',
		name: 'Qwen2.5 0.5B Instruct (Q8_0)',
		description: 'A capable small multilingual chat model; slower on CPU.',
		engine: DEFAULT_CPU_ENGINE,
		file: 'qwen2.5-0.5b-instruct-q8_0.gguf',
		remoteUrl:
			'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/9217f5db79a29953eb74d5343926648285ec7e67/qwen2.5-0.5b-instruct-q8_0.gguf',
		sizeBytes: 675_710_816,
		sizeExact: true,
		sha256: 'ca59ca7f13d0e15a8cfa77bd17e65d24f6844b554a7b6c12e07a5f89ff76844e',
		source: lfsRecord(
			'Qwen/Qwen2.5-0.5B-Instruct-GGUF',
			'9217f5db79a29953eb74d5343926648285ec7e67',
			"a public Go model catalogue (kindling's package von), with the same sha256 and size in other public download instructions; the size is also in " +
				WLLAMA_EXAMPLES
		),
		licence: 'Apache-2.0',
		chat: true,
		architecture: 'qwen2',
		contextLength: 2048
	},
	{
		id: 'qwen2.5-0.5b-instruct-q4km',
		name: 'Qwen2.5 0.5B Instruct (Q4_K_M)',
		description: 'The same model in a smaller 4-bit file.',
		engine: DEFAULT_CPU_ENGINE,
		file: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
		remoteUrl:
			'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/9217f5db79a29953eb74d5343926648285ec7e67/qwen2.5-0.5b-instruct-q4_k_m.gguf',
		sizeBytes: 491_400_032,
		sizeExact: true,
		sha256: '74a4da8c9fdbcd15bd1f6d01d621410d31c6fc00986f5eb687824e7b93d7a9db',
		source: lfsRecord(
			'Qwen/Qwen2.5-0.5B-Instruct-GGUF',
			'9217f5db79a29953eb74d5343926648285ec7e67',
			"a public Go model catalogue (kindling's package von)"
		),
		licence: 'Apache-2.0',
		chat: true,
		architecture: 'qwen2',
		contextLength: 2048
	},
	{
		id: 'qwen3-0.6b-q8',
		name: 'Qwen3 0.6B (Q8_0)',
		description: 'A newer small Qwen chat model that can think before it answers.',
		engine: DEFAULT_CPU_ENGINE,
		file: 'Qwen3-0.6B-Q8_0.gguf',
		remoteUrl:
			'https://huggingface.co/unsloth/Qwen3-0.6B-GGUF/resolve/50968a4468ef4233ed78cd7c3de230dd1d61a56b/Qwen3-0.6B-Q8_0.gguf',
		sizeBytes: 639_447_744,
		sizeExact: true,
		sha256: 'e150ed544dfe6016930c026a93913a5e3184181ebfe6ab2223ae01dd0491784c',
		source: lfsRecord(
			'unsloth/Qwen3-0.6B-GGUF',
			'50968a4468ef4233ed78cd7c3de230dd1d61a56b',
			"two public projects (SaLMon's curated model list, Go package recommend, and an installer's pinned-artifact list); the size is also in " +
				WLLAMA_EXAMPLES
		),
		licence: 'Apache-2.0',
		chat: true,
		architecture: 'qwen3',
		contextLength: 2048
	},
	{
		id: 'llama-3.2-1b-instruct-q4km',
		name: 'Llama 3.2 1B Instruct (Q4_K_M)',
		description: "Meta's smallest Llama 3 chat model.",
		engine: DEFAULT_CPU_ENGINE,
		file: 'llama-3.2-1b-instruct-q4_k_m.gguf',
		remoteUrl:
			'https://huggingface.co/hugging-quants/Llama-3.2-1B-Instruct-Q4_K_M-GGUF/resolve/main/llama-3.2-1b-instruct-q4_k_m.gguf',
		sizeBytes: 807_690_656,
		sizeExact: true,
		sha256: null,
		source: WLLAMA_EXAMPLES,
		licence: 'Llama 3.2 Community License',
		chat: true,
		architecture: 'llama',
		contextLength: 2048
	},
	{
		id: 'gemma-3-1b-it-q4km',
		name: 'Gemma 3 1B Instruct (Q4_K_M)',
		description: "Google's smallest Gemma 3 chat model, with a 262k-token vocabulary.",
		engine: DEFAULT_CPU_ENGINE,
		file: 'gemma-3-1b-it-Q4_K_M.gguf',
		remoteUrl:
			'https://huggingface.co/ggml-org/gemma-3-1b-it-GGUF/resolve/main/gemma-3-1b-it-Q4_K_M.gguf',
		// No citable source states this file's exact size or sha256: listings round it to 806 MB.
		// (unsloth's Q4_0 is listed at 721,918,496 bytes in several public files, none of which
		// could be attributed to a repository here.)
		sizeBytes: 806_000_000,
		sizeExact: false,
		sha256: null,
		source: null,
		licence: 'Gemma Terms of Use',
		chat: true,
		architecture: 'gemma3',
		contextLength: 2048
	}
];
