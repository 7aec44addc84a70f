/** What this browser's WebGPU offers, as far as choosing and running models is concerned. */
export interface WebGpuCapabilities {
	available: boolean;
	/** Why WebGPU cannot be used, when it cannot. */
	reason: string | null;
	vendor: string;
	architecture: string;
	description: string;
	/** A software or otherwise reduced adapter (e.g. SwiftShader). */
	fallbackAdapter: boolean;
	features: string[];
	maxBufferSize: number;
	maxStorageBufferBindingSize: number;
}

// The few WebGPU shapes the probe reads, so the app does not need the full WebGPU typings.
interface GpuAdapterLike {
	features: Iterable<string>;
	limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
	info?: { vendor?: string; architecture?: string; description?: string };
	isFallbackAdapter?: boolean;
}
export interface GpuLike {
	requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

const NONE: Omit<WebGpuCapabilities, 'reason'> = {
	available: false,
	vendor: '',
	architecture: '',
	description: '',
	fallbackAdapter: false,
	features: [],
	maxBufferSize: 0,
	maxStorageBufferBindingSize: 0
};

/** Asks the browser for a WebGPU adapter and reads its features and limits. Never throws. */
export async function probeWebGpu(
	gpu: GpuLike | undefined = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu
): Promise<WebGpuCapabilities> {
	if (!gpu) {
		return {
			...NONE,
			reason:
				'This browser has no WebGPU (navigator.gpu is missing). Models run on the CPU engine instead.'
		};
	}
	try {
		const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
		if (!adapter) {
			return {
				...NONE,
				reason:
					'WebGPU is present but found no usable GPU adapter. Models run on the CPU engine instead.'
			};
		}
		return {
			available: true,
			reason: null,
			vendor: adapter.info?.vendor ?? '',
			architecture: adapter.info?.architecture ?? '',
			description: adapter.info?.description ?? '',
			fallbackAdapter: adapter.isFallbackAdapter === true,
			features: [...adapter.features].sort(),
			maxBufferSize: adapter.limits.maxBufferSize,
			maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize
		};
	} catch (error) {
		return {
			...NONE,
			reason: `Asking for a WebGPU adapter failed (${error instanceof Error ? error.message : String(error)}). Models run on the CPU engine instead.`
		};
	}
}

export interface DeviceFit {
	runnable: boolean;
	/** Why not, in one sentence, when not runnable. */
	reason: string | null;
}

/** Whether a WebLLM model can run on these capabilities. */
export function fitsDevice(
	model: { requiredFeatures: readonly string[] },
	capabilities: WebGpuCapabilities
): DeviceFit {
	if (!capabilities.available) {
		return { runnable: false, reason: 'needs WebGPU' };
	}
	const missing = model.requiredFeatures.filter((f) => !capabilities.features.includes(f));
	if (missing.length > 0) {
		return { runnable: false, reason: `needs ${missing.join(', ')}, which this GPU lacks` };
	}
	return { runnable: true, reason: null };
}
