import type { ModelInfo } from '#lib/core/model';
import type { GenerationResult } from '#lib/core/run';
import { ENGINE_MODES, type ModeSupport, type RunFeature } from '#lib/engines/capabilities';
import {
	hasNativeSampling,
	type Engine,
	type NativeSamplingEngine,
	type NativeStream
} from '#lib/engines/types';
import { randomSeed } from '#lib/sampling';
import { checkPromptRoom } from './prefill';
import { promptTokens } from './prompt';
import { RunOutput } from './run-output';
import type { GenerateRequest, GenerationEvent, SamplingBackend } from './types';
import { GenerationRequestError, validateGenerateRequest } from './validate';

/**
 * Native mode: a whole generation on the engine's own sampler (WebLLM on the GPU, llama.cpp's
 * in wllama). The engine streams the ids its sampler picks; text, stop ids, stop sequences,
 * finish reasons and the result are worked out by the same {@link RunOutput} as exact runs, so
 * the events have the same shape. Called by the worker's service and by lanes.
 */

export interface NativeDeps {
	engine: Engine;
	model: ModelInfo;
	sampling: SamplingBackend;
	/** Aborting interrupts the engine; the run ends with finish reason `stopped`. */
	signal?: AbortSignal;
	now?: () => number;
}

/** Refuses what native mode can never do on `engine` (from the capability table), before any work. */
export function checkNativeRequest(
	request: GenerateRequest,
	engine: Engine
): asserts engine is NativeSamplingEngine {
	const native: ModeSupport = ENGINE_MODES[engine.engineId].native;
	if (!native.available || !hasNativeSampling(engine)) {
		throw new GenerationRequestError(
			'sampling',
			'native',
			'"exact" (this engine has no sampler of its own)',
			native.available ? `The ${engine.engineId} engine offers no native mode` : native.reason
		);
	}
	const asked: Record<RunFeature, unknown> = { trace: request.trace ?? null };
	for (const feature of Object.keys(asked) as RunFeature[]) {
		const capability = native.capabilities[feature];
		if (capability.support === 'refused' && asked[feature] !== null) {
			throw new GenerationRequestError(
				feature,
				asked[feature],
				`no ${feature} in native mode`,
				capability.reason
			);
		}
	}
}

/** Our finish reason for a stream the engine ended itself, from its own (OpenAI-style) reason. */
function engineFinish(
	reason: string | null,
	generated: number,
	request: GenerateRequest,
	aborted: boolean
) {
	if (reason === 'length') return generated >= request.maxNewTokens ? 'max-tokens' : 'context-full';
	if (reason === 'abort') return 'stopped';
	if (reason === 'stop') return 'eos';
	return aborted ? 'stopped' : 'eos';
}

/** One native-mode generation, streamed as the same events as an exact run. */
export async function generateNative(
	request: GenerateRequest,
	deps: NativeDeps,
	onEvent: (event: GenerationEvent) => void = () => {}
): Promise<GenerationResult> {
	const { engine, model, signal } = deps;
	checkNativeRequest(request, engine);
	const params = validateGenerateRequest(request, model, deps.sampling);
	const now = deps.now ?? (() => performance.now());
	const prompt = engine.nativePromptTokens
		? await engine.nativePromptTokens(request.input)
		: await promptTokens(engine, model, request.input);
	checkPromptRoom(prompt.length, model);
	const startedAt = now();
	const seed = params.seed ?? randomSeed();
	const ignoredParams = engine.nativeIgnoredParams(params, seed);
	onEvent({ type: 'start', seed, promptTokens: [...prompt], ignoredParams });

	const output = new RunOutput(model, request, (id) => engine.tokenBytes([id]), onEvent, now);
	let stream: NativeStream | null = null;
	let prefillEndedAt: number | null = null;
	let reason: string | null = null;
	const onAbort = () => stream?.interrupt();
	signal?.addEventListener('abort', onAbort);
	try {
		if (signal?.aborted) output.end('stopped');
		else {
			stream = await engine.startNative({
				input: request.input,
				promptTokens: prompt,
				params,
				seed,
				maxNewTokens: request.maxNewTokens,
				stopSequences: request.stopSequences ?? []
			});
			if (signal?.aborted) stream.interrupt();
		}
		while (stream && output.finishReason === null) {
			const step = await stream.next();
			prefillEndedAt ??= now();
			for (const id of step.sampled) {
				if (output.finishReason !== null) break;
				await output.add(id);
			}
			if (step.done) break;
			reason = step.finishReason ?? reason;
			if (signal?.aborted) output.end('stopped');
		}
	} finally {
		signal?.removeEventListener('abort', onAbort);
		await stream?.close();
	}
	output.end(engineFinish(reason, output.tokenIds.length, request, signal?.aborted === true));
	return output.result(
		{ startedAt, prefillStartedAt: startedAt, prefillEndedAt },
		{
			seed,
			promptTokens: prompt.length,
			ignoredParams,
			// The engine's sampler draws on its own; its distributions are not kept for native runs.
			meanEntropy: null,
			perplexity: null
		}
	);
}
