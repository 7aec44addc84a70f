/// <reference lib="webworker" />
import { expose } from 'comlink';
import { sha256OfBlob } from '#lib/core/sha256';
import { llamaInstances } from '#lib/engines/llama/instances';
import { LlamaEngine } from '#lib/engines/llama/llama';
import { WebLlmEngine } from '#lib/engines/webllm/webllm';
import { createWllama, wllamaLibraryVersion } from '#lib/engines/wllama/library';
import { WLLAMA_ARCHITECTURES } from '#lib/engines/wllama/architectures';
import { WllamaEngine } from '#lib/engines/wllama/wllama';
import { loadCachedModel } from '#lib/models/cached-model';
import { readGguf } from '#lib/models/gguf';
import { createSampler, validateSamplingParams } from '#lib/sampling';
import type { EngineId } from '#lib/core/model';
import type { Engine } from '#lib/engines/types';
import { InferenceService } from './inference-service';
import { withBatchedEvents } from './event-batches';
import type { WorkerConfig } from './protocol';
// Only this key reaches the bundle (Vite exports a JSON file's top-level keys one by one).
import { llamaCpp } from '../../../static/engine/playground-llama.json';
import { installRemoteErrorHandler } from './remote-errors';

/** The inference worker's entry: creates the engines with their real dependencies and exposes the service. */

installRemoteErrorHandler();

const modelFile = {
	loadCachedModel,
	sha256OfBlob,
	checkModelFile: (blob: Blob) => readGguf(blob, { supportedArchitectures: WLLAMA_ARCHITECTURES })
};

function createEngine(config: WorkerConfig, engineId: EngineId): Engine {
	switch (engineId) {
		case 'webllm':
			return new WebLlmEngine();
		case 'llama':
			return new LlamaEngine({
				createBinding: llamaInstances(config.engineWasmUrl),
				libraryVersion: `b${llamaCpp.build}`,
				readBlobSync: (blob, start, end) =>
					new FileReaderSync().readAsArrayBuffer(blob.slice(start, end)),
				...modelFile
			});
		case 'wllama':
			return new WllamaEngine({
				wasmBaseUrl: config.wasmBaseUrl,
				createWllama,
				libraryVersion: wllamaLibraryVersion(),
				...modelFile
			});
	}
}

expose(
	withBatchedEvents(new InferenceService(createEngine, { createSampler, validateSamplingParams }))
);
