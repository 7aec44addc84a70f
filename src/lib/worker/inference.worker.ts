/// <reference lib="webworker" />
import { expose } from 'comlink';
import { sha256OfBlob } from '#lib/core/sha256';
import { WebLlmEngine } from '#lib/engines/webllm/webllm';
import { createWllama, wllamaLibraryVersion } from '#lib/engines/wllama/library';
import { WLLAMA_ARCHITECTURES } from '#lib/engines/wllama/architectures';
import { WllamaEngine } from '#lib/engines/wllama/wllama';
import { loadCachedModel } from '#lib/models/cached-model';
import { readGguf } from '#lib/models/gguf';
import { createSampler, validateSamplingParams } from '#lib/sampling';
import { InferenceService } from './inference-service';
import { installRemoteErrorHandler } from './remote-errors';

/** The inference worker's entry: creates the engines with their real dependencies and exposes the service. */

installRemoteErrorHandler();

expose(
	new InferenceService(
		(config, engineId) =>
			engineId === 'webllm'
				? new WebLlmEngine()
				: new WllamaEngine({
						wasmBaseUrl: config.wasmBaseUrl,
						createWllama,
						libraryVersion: wllamaLibraryVersion(),
						loadCachedModel,
						sha256OfBlob,
						checkModelFile: (blob) =>
							readGguf(blob, { supportedArchitectures: WLLAMA_ARCHITECTURES })
					}),
		{ createSampler, validateSamplingParams }
	)
);
