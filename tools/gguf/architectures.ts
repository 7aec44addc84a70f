/**
 * The tensor layouts and hyperparameter metadata of the model architectures the synthetic model
 * generator writes: `llama`, `qwen2` (Qwen2.5: biases on q/k/v, tied embeddings), `qwen3`
 * (per-head RMS norms on q and k, head size apart from embedding/heads) and `gemma3` (norms
 * after attention and after the feed-forward too, q/k norms, sliding-window attention).
 * Tensor names, shapes and keys are those llama.cpp's loader asks for (src/models/<arch>.cpp
 * and src/llama-arch.cpp); values that only the real models fix (rope bases, epsilons, the
 * window) are theirs. Called by tools/gguf/llama.ts.
 */
import type { TensorTypeName } from './quantize';
import { gguf, type GgufValue, type TensorInfo } from './writer';

export const ARCHITECTURES = ['llama', 'qwen2', 'qwen3', 'gemma3'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** What a layout depends on: the spec's sizes, with the head size already resolved. */
export interface Shape {
	vocab: number;
	embedding: number;
	layers: number;
	heads: number;
	kvHeads: number;
	/** Values per attention head (key, value, query and rotary). */
	headDim: number;
	ffn: number;
	context: number;
	type: TensorTypeName;
}

interface ArchitectureFacts {
	/** No `output.weight`: llama.cpp reuses `token_embd.weight`, as the released models do. */
	tiedEmbeddings: boolean;
	/** q, k and v carry a bias vector each. */
	qkvBias: boolean;
	/** RMS norms over each head of q and k (`attn_q_norm`, `attn_k_norm`). */
	qkNorm: boolean;
	/** RMS norms on the attention and feed-forward outputs before the residual add. */
	postNorms: boolean;
	ropeBase: number;
	rmsEpsilon: number;
	/** Sliding-window attention: the window, on all layers but every sixth (llama.cpp's default pattern). */
	slidingWindow: number | null;
}

const FACTS: Record<Architecture, ArchitectureFacts> = {
	llama: {
		tiedEmbeddings: false,
		qkvBias: false,
		qkNorm: false,
		postNorms: false,
		ropeBase: 10_000,
		rmsEpsilon: 1e-5,
		slidingWindow: null
	},
	qwen2: {
		tiedEmbeddings: true,
		qkvBias: true,
		qkNorm: false,
		postNorms: false,
		ropeBase: 1_000_000,
		rmsEpsilon: 1e-6,
		slidingWindow: null
	},
	qwen3: {
		tiedEmbeddings: true,
		qkvBias: false,
		qkNorm: true,
		postNorms: false,
		ropeBase: 1_000_000,
		rmsEpsilon: 1e-6,
		slidingWindow: null
	},
	gemma3: {
		tiedEmbeddings: true,
		qkvBias: false,
		qkNorm: true,
		postNorms: true,
		ropeBase: 1_000_000,
		rmsEpsilon: 1e-6,
		slidingWindow: 512
	}
};

export function isArchitecture(name: string): name is Architecture {
	return (ARCHITECTURES as readonly string[]).includes(name);
}

export function architectureFacts(arch: Architecture): Readonly<ArchitectureFacts> {
	return FACTS[arch];
}

/** The tensors llama.cpp's loader for `arch` takes, in the order converters write them. */
export function architectureTensors(arch: Architecture, shape: Shape): TensorInfo[] {
	const facts = FACTS[arch];
	const { embedding: n, vocab, ffn, type, headDim } = shape;
	const q = headDim * shape.heads;
	const kv = headDim * shape.kvHeads;
	const norm = (name: string, size = n): TensorInfo => ({ name, shape: [size], type: 'F32' });
	const tensors: TensorInfo[] = [
		{ name: 'token_embd.weight', shape: [n, vocab], type },
		norm('output_norm.weight')
	];
	if (!facts.tiedEmbeddings) tensors.push({ name: 'output.weight', shape: [n, vocab], type });
	for (let i = 0; i < shape.layers; i++) {
		const blk = `blk.${i}`;
		tensors.push(norm(`${blk}.attn_norm.weight`));
		for (const [part, size] of [
			['q', q],
			['k', kv],
			['v', kv]
		] as const) {
			tensors.push({ name: `${blk}.attn_${part}.weight`, shape: [n, size], type });
			if (facts.qkvBias)
				tensors.push({ name: `${blk}.attn_${part}.bias`, shape: [size], type: 'F32' });
		}
		tensors.push({ name: `${blk}.attn_output.weight`, shape: [q, n], type });
		if (facts.qkNorm) {
			tensors.push(
				norm(`${blk}.attn_q_norm.weight`, headDim),
				norm(`${blk}.attn_k_norm.weight`, headDim)
			);
		}
		if (facts.postNorms) tensors.push(norm(`${blk}.post_attention_norm.weight`));
		tensors.push(
			norm(`${blk}.ffn_norm.weight`),
			{ name: `${blk}.ffn_gate.weight`, shape: [n, ffn], type },
			{ name: `${blk}.ffn_up.weight`, shape: [n, ffn], type },
			{ name: `${blk}.ffn_down.weight`, shape: [ffn, n], type }
		);
		if (facts.postNorms) tensors.push(norm(`${blk}.post_ffw_norm.weight`));
	}
	return tensors;
}

/** The `<arch>.*` hyperparameter keys llama.cpp reads for `arch`. */
export function architectureMetadata(arch: Architecture, shape: Shape): [string, GgufValue][] {
	const facts = FACTS[arch];
	const key = (name: string) => `${arch}.${name}`;
	const metadata: [string, GgufValue][] = [
		[key('vocab_size'), gguf.u32(shape.vocab)],
		[key('context_length'), gguf.u32(shape.context)],
		[key('embedding_length'), gguf.u32(shape.embedding)],
		[key('block_count'), gguf.u32(shape.layers)],
		[key('feed_forward_length'), gguf.u32(shape.ffn)],
		[key('attention.head_count'), gguf.u32(shape.heads)],
		[key('attention.head_count_kv'), gguf.u32(shape.kvHeads)],
		[key('rope.dimension_count'), gguf.u32(shape.headDim)],
		[key('rope.freq_base'), gguf.f32(facts.ropeBase)],
		[key('attention.layer_norm_rms_epsilon'), gguf.f32(facts.rmsEpsilon)]
	];
	// The default head size is embedding / heads; a model whose heads differ says so.
	if (shape.headDim * shape.heads !== shape.embedding || arch === 'gemma3') {
		metadata.push(
			[key('attention.key_length'), gguf.u32(shape.headDim)],
			[key('attention.value_length'), gguf.u32(shape.headDim)]
		);
	}
	if (facts.slidingWindow !== null) {
		metadata.push(
			[key('attention.sliding_window'), gguf.u32(facts.slidingWindow)],
			[key('rope.freq_base_swa'), gguf.f32(10_000)]
		);
	}
	return metadata;
}
