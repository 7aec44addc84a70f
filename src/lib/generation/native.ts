import type { Engine } from '#lib/engines/types';
import type { GenerateRequest, GenerationEvent, SamplingBackend } from './types';
import type { GenerationResult } from '#lib/core/run';
import { GenerationRequestError } from './validate';

/** An engine with a sampler of its own that can run a whole generation (native mode). */
export interface NativeSamplingEngine extends Engine {
	generateNative(
		request: GenerateRequest,
		deps: { sampling: SamplingBackend; signal?: AbortSignal },
		onEvent?: (event: GenerationEvent) => void
	): Promise<GenerationResult>;
}

export function hasNativeSampling(engine: Engine): engine is NativeSamplingEngine {
	return typeof (engine as Partial<NativeSamplingEngine>).generateNative === 'function';
}

/** Refuses what native mode can never do, before any work starts. */
export function checkNativeRequest(
	request: GenerateRequest,
	engine: Engine
): asserts engine is NativeSamplingEngine {
	if (!hasNativeSampling(engine)) {
		throw new GenerationRequestError(
			'sampling',
			'native',
			'"exact" (this engine has no sampler of its own)',
			'This engine has no sampler of its own; use exact sampling'
		);
	}
	if (request.trace != null) {
		throw new GenerationRequestError(
			'trace',
			request.trace,
			'no trace in native mode',
			"Native sampling runs on the engine's own sampler, which records no trace; turn tracing off or use exact sampling"
		);
	}
}
