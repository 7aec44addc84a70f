import type { WebLlmModel } from '#lib/core/model';

/** A WebLLM model offered by name, with what the picker shows about it. */
export interface WebLlmCatalogueEntry extends WebLlmModel {
	description: string;
	licence: string;
	/** Weights to download, estimated as parameters × bits per weight (not read from the files). */
	downloadBytesEstimate: number;
}

// WebLLM 0.2.86's prebuilt model list (its `prebuiltAppConfig`), kept here as plain data so the
// page does not load WebLLM's 6 MB bundle; a unit test checks it still matches.
const WEIGHTS = 'https://huggingface.co/mlc-ai/';
const LIBRARIES =
	'https://raw.githubusercontent.com/mlc-ai/binary-mlc-llm-libs/main/web-llm-models/v0_2_86/base/';

/** Bits per weight of MLC quantizations: q4 stores 4-bit weights plus one scale per 32. */
const BITS_PER_WEIGHT: Record<string, number> = {
	q0f32: 32,
	q0f16: 16,
	q4f32_1: 5,
	q4f16_1: 4.5
};

/** The quantization part of an MLC model id, e.g. `q4f16_1`. */
export function quantizationOf(modelId: string): string | null {
	return /-(q\d+f\d+(?:_\d+)?)-MLC$/.exec(modelId)?.[1] ?? null;
}

/** WebGPU features a quantization needs: half-precision (f16) kernels need `shader-f16`. */
export function featuresForQuantization(quantization: string | null): string[] {
	return quantization && /f16/.test(quantization) ? ['shader-f16'] : [];
}

function entry(
	id: string,
	name: string,
	library: string,
	parameters: number,
	vramRequiredMB: number,
	licence: string,
	description: string
): WebLlmCatalogueEntry {
	const quantization = quantizationOf(id);
	const bits = quantization ? BITS_PER_WEIGHT[quantization] : 16;
	return {
		id,
		name,
		modelUrl: `${WEIGHTS}${id}`,
		modelLibUrl: `${LIBRARIES}${library}`,
		requiredFeatures: featuresForQuantization(quantization),
		vramRequiredMB,
		contextWindow: 4096,
		description,
		licence,
		downloadBytesEstimate: Math.round((parameters * bits) / 8)
	};
}

export const WEBLLM_CATALOGUE: readonly WebLlmCatalogueEntry[] = [
	entry(
		'SmolLM2-135M-Instruct-q0f32-MLC',
		'SmolLM2 135M Instruct (f32)',
		'SmolLM2-135M-Instruct-q0f32_cs1k-webgpu.wasm',
		134.5e6,
		719.38,
		'Apache-2.0',
		'The smallest chat model; unquantized, runs without shader-f16.'
	),
	entry(
		'SmolLM2-135M-Instruct-q0f16-MLC',
		'SmolLM2 135M Instruct (f16)',
		'SmolLM2-135M-Instruct-q0f16_cs1k-webgpu.wasm',
		134.5e6,
		359.69,
		'Apache-2.0',
		'The smallest chat model in half precision.'
	),
	entry(
		'SmolLM2-360M-Instruct-q4f32_1-MLC',
		'SmolLM2 360M Instruct (q4f32)',
		'SmolLM2-360M-Instruct-q4f32_1_cs1k-webgpu.wasm',
		361.8e6,
		579.61,
		'Apache-2.0',
		'Small, quick chat model; 4-bit weights, f32 kernels.'
	),
	entry(
		'SmolLM2-360M-Instruct-q4f16_1-MLC',
		'SmolLM2 360M Instruct (q4f16)',
		'SmolLM2-360M-Instruct-q4f16_1_cs1k-webgpu.wasm',
		361.8e6,
		376.06,
		'Apache-2.0',
		'Small, quick chat model; 4-bit weights, f16 kernels.'
	),
	entry(
		'Qwen2.5-0.5B-Instruct-q4f32_1-MLC',
		'Qwen2.5 0.5B Instruct (q4f32)',
		'Qwen2-0.5B-Instruct-q4f32_1_cs1k-webgpu.wasm',
		494e6,
		1060.2,
		'Apache-2.0',
		'Multilingual chat model with a 151,936-token vocabulary.'
	),
	entry(
		'Qwen2.5-0.5B-Instruct-q4f16_1-MLC',
		'Qwen2.5 0.5B Instruct (q4f16)',
		'Qwen2-0.5B-Instruct-q4f16_1_cs1k-webgpu.wasm',
		494e6,
		944.62,
		'Apache-2.0',
		'Multilingual chat model with a 151,936-token vocabulary.'
	),
	entry(
		'Qwen3-0.6B-q4f32_1-MLC',
		'Qwen3 0.6B (q4f32)',
		'Qwen3-0.6B-q4f32_1_cs1k-webgpu.wasm',
		596e6,
		1924.98,
		'Apache-2.0',
		'Recent small Qwen with a thinking mode.'
	),
	entry(
		'Qwen3-0.6B-q4f16_1-MLC',
		'Qwen3 0.6B (q4f16)',
		'Qwen3-0.6B-q4f16_1_cs1k-webgpu.wasm',
		596e6,
		1403.34,
		'Apache-2.0',
		'Recent small Qwen with a thinking mode.'
	),
	entry(
		'Llama-3.2-1B-Instruct-q4f32_1-MLC',
		'Llama 3.2 1B Instruct (q4f32)',
		'Llama-3.2-1B-Instruct-q4f32_1_cs1k-webgpu.wasm',
		1236e6,
		1128.82,
		'Llama 3.2 Community License',
		"Meta's smallest Llama 3.2 chat model."
	),
	entry(
		'Llama-3.2-1B-Instruct-q4f16_1-MLC',
		'Llama 3.2 1B Instruct (q4f16)',
		'Llama-3.2-1B-Instruct-q4f16_1_cs1k-webgpu.wasm',
		1236e6,
		879.04,
		'Llama 3.2 Community License',
		"Meta's smallest Llama 3.2 chat model."
	),
	entry(
		'gemma3-1b-it-q4f16_1-MLC',
		'Gemma 3 1B Instruct (q4f16)',
		'gemma3-1b-it-q4f16_1_cs1k-webgpu.wasm',
		1000e6,
		711.07,
		'Gemma Terms of Use',
		"Google's smallest Gemma 3 chat model."
	)
];
