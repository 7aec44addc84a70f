import type { CpuEngineId, EngineId, ModelSource } from '#lib/core/model';

/**
 * Model ids as the picker, sessions and share links write them: a GGUF model's catalogue or
 * local id as it is, a WebLLM model's id behind a prefix so the two never clash.
 */

/** Ids of WebLLM models carry this prefix. */
export const WEBLLM_PREFIX = 'webllm:';

/** The id a WebLLM model (named by WebLLM's own id) has in the picker. */
export function webLlmModelId(webLlmId: string): string {
	return WEBLLM_PREFIX + webLlmId;
}

/** The engine that runs GGUF files unless the user picks the other CPU engine. */
export const DEFAULT_CPU_ENGINE: CpuEngineId = 'llama';

/** The CPU engines a user can pick, the default first. */
export const CPU_ENGINES: readonly CpuEngineId[] = ['llama', 'wllama'];

/** Which engine runs the model with this id (`cpuEngine` for GGUF models). */
export function engineOfModelId(
	modelId: string,
	cpuEngine: CpuEngineId = DEFAULT_CPU_ENGINE
): EngineId {
	return modelId.startsWith(WEBLLM_PREFIX) ? 'webllm' : cpuEngine;
}

/** WebLLM's own id inside a picker id, or null when the id names a GGUF model. */
export function webLlmIdOf(modelId: string): string | null {
	return engineOfModelId(modelId) === 'webllm' ? modelId.slice(WEBLLM_PREFIX.length) : null;
}

/**
 * The engine that runs models from this source: GGUF files on the CPU (`cpuEngine`), WebLLM
 * models on WebGPU.
 */
export function engineOfSource(
	source: ModelSource,
	cpuEngine: CpuEngineId = DEFAULT_CPU_ENGINE
): EngineId {
	return source.kind === 'webllm' ? 'webllm' : cpuEngine;
}

/** The CPU engine a user's option names (`?cpuEngine=`), or null when it names none. */
export function parseCpuEngine(value: string | null | undefined): CpuEngineId | null {
	return CPU_ENGINES.find((id) => id === value) ?? null;
}
