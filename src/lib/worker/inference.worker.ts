/// <reference lib="webworker" />
import { expose } from 'comlink';
import { WebLlmEngine } from '#lib/engines/webllm/webllm';
import { WllamaEngine } from '#lib/engines/wllama/wllama';
import { createSampler, validateSamplingParams } from '#lib/sampling';
import { InferenceService } from './inference-service';
import { installRemoteErrorHandler } from './remote-errors';

installRemoteErrorHandler();

expose(
	new InferenceService(
		(config, engineId) =>
			engineId === 'webllm'
				? new WebLlmEngine()
				: new WllamaEngine({ wasmBaseUrl: config.wasmBaseUrl }),
		{ createSampler, validateSamplingParams }
	)
);
