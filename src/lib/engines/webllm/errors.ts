/**
 * Why a WebLLM model could not be loaded or run, as a stable code the page can act on, with a
 * plain message that says what to do next.
 */
export type EngineLoadErrorCode =
	'no-webgpu' | 'no-shader-f16' | 'device-lost' | 'unknown-model' | 'quota' | 'network' | 'other';

export class EngineLoadError extends Error {
	override name = 'EngineLoadError';
	constructor(
		readonly code: EngineLoadErrorCode,
		message: string,
		options?: { cause?: unknown }
	) {
		super(message, options);
	}
}

const MESSAGES: Record<EngineLoadErrorCode, string> = {
	'no-webgpu':
		'This browser or device has no usable WebGPU, so WebLLM models cannot run here. Use a CPU (GGUF) model, or try a recent Chrome or Edge with hardware acceleration on.',
	'no-shader-f16':
		'This GPU lacks the shader-f16 feature this model needs. Pick a q4f32 or q0f32 variant of the model, or a CPU (GGUF) model.',
	'device-lost':
		'The GPU stopped responding (often it ran out of memory). Reload the page, then try a smaller model or a shorter context window.',
	'unknown-model': 'WebLLM does not know this model. Check the model id and its URLs.',
	quota:
		'The browser has no room left to store this model. Delete cached models in the model manager, or free disk space, then try again.',
	network:
		'The model could not be downloaded. Check the connection (and the model URLs); a model that was loaded once before works offline.',
	other: 'The WebLLM model could not be loaded.'
};

/** WebLLM 0.2.86 does not export its error classes; its errors keep these names. */
const CODES_BY_NAME: Record<string, EngineLoadErrorCode> = {
	WebGPUNotAvailableError: 'no-webgpu',
	WebGPUNotFoundError: 'no-webgpu',
	ShaderF16SupportError: 'no-shader-f16',
	DeviceLostError: 'device-lost',
	ModelNotFoundError: 'unknown-model',
	SpecifiedModelNotFoundError: 'unknown-model',
	QuotaExceededError: 'quota'
};

/** Fetch failures surface as plain errors; WebLLM's IndexedDB cache wraps them in its own text. */
const NETWORK_TEXT =
	/failed to fetch|networkerror|network response was not ok|load failed|failed to store|cannot fetch/i;

function nameOf(error: unknown): string {
	return typeof error === 'object' && error !== null && 'name' in error
		? String((error as { name: unknown }).name)
		: '';
}

function messageOf(error: unknown): string {
	if (error instanceof Error) return error.message;
	return typeof error === 'string' ? error : String(error);
}

export function engineLoadError(code: EngineLoadErrorCode, detail?: string, cause?: unknown) {
	const message = detail ? `${MESSAGES[code]} (${detail})` : MESSAGES[code];
	return new EngineLoadError(code, message, cause === undefined ? undefined : { cause });
}

/** Classifies anything WebLLM threw; an {@link EngineLoadError} passes through unchanged. */
export function toEngineLoadError(error: unknown): EngineLoadError {
	if (error instanceof EngineLoadError) return error;
	const name = nameOf(error);
	const message = messageOf(error);
	let code = CODES_BY_NAME[name];
	if (!code && /quota/i.test(`${name} ${message}`)) code = 'quota';
	if (
		!code &&
		(name === 'TypeError' || name === 'Error' || name === '') &&
		NETWORK_TEXT.test(message)
	) {
		code = 'network';
	}
	if (!code && name === 'FeatureSupportError') return engineLoadError('other', message, error);
	return engineLoadError(code ?? 'other', code ? undefined : message, error);
}

/** The parts of `navigator.gpu` the early check needs. */
export interface GpuLike {
	requestAdapter(): Promise<{ features: { has(feature: string): boolean } } | null>;
}

/**
 * Checks WebGPU and the model's features before WebLLM downloads anything (WebLLM itself only
 * looks after fetching the config and the model library).
 */
export async function checkWebGpu(
	gpu: GpuLike | undefined,
	requiredFeatures: readonly string[]
): Promise<void> {
	if (!gpu) throw engineLoadError('no-webgpu', 'navigator.gpu is missing');
	let adapter: Awaited<ReturnType<GpuLike['requestAdapter']>>;
	try {
		adapter = await gpu.requestAdapter();
	} catch (error) {
		throw engineLoadError('no-webgpu', messageOf(error), error);
	}
	if (!adapter) throw engineLoadError('no-webgpu', 'no WebGPU adapter');
	for (const feature of requiredFeatures) {
		if (adapter.features.has(feature)) continue;
		if (feature === 'shader-f16') throw engineLoadError('no-shader-f16');
		throw engineLoadError('other', `the GPU lacks the "${feature}" feature this model needs`);
	}
}

export function abortError(): DOMException {
	return new DOMException('The model load was cancelled', 'AbortError');
}
