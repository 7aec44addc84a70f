import type { EngineId, ModelSource } from '#lib/core/model';

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

/** Which engine runs the model with this id. */
export function engineOfModelId(modelId: string): EngineId {
	return modelId.startsWith(WEBLLM_PREFIX) ? 'webllm' : 'wllama';
}

/** WebLLM's own id inside a picker id, or null when the id names a GGUF model. */
export function webLlmIdOf(modelId: string): string | null {
	return engineOfModelId(modelId) === 'webllm' ? modelId.slice(WEBLLM_PREFIX.length) : null;
}

/** The engine that runs models from this source: GGUF files on the CPU, WebLLM models on WebGPU. */
export function engineOfSource(source: ModelSource): EngineId {
	return source.kind === 'webllm' ? 'webllm' : 'wllama';
}
