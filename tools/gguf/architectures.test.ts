import { describe, expect, it } from 'vitest';
import { readGguf } from '../../src/lib/models/gguf';
import { WLLAMA_ARCHITECTURES } from '../../src/lib/engines/wllama/architectures';
import { ARCHITECTURES, architectureFacts } from './architectures';
import { checkSpec, DEFAULT_SPEC, llamaModel, modelName, type LlamaSpec } from './llama';
import { decodeGguf } from './read';
import { encodeHeader } from './writer';

const spec = (change: Partial<LlamaSpec>): LlamaSpec => ({
	...DEFAULT_SPEC,
	vocab: 512,
	...change
});

function header(s: LlamaSpec) {
	const { header, fileSize } = encodeHeader(llamaModel(s).layout);
	return { file: decodeGguf(header), header, fileSize };
}

/** The tensor names of one layer, with the layer number taken out. */
function layerTensors(s: LlamaSpec): Map<string, readonly number[]> {
	const { file } = header(s);
	return new Map(
		file.tensors
			.filter((t) => t.name.startsWith('blk.0.'))
			.map((t) => [t.name.slice('blk.0.'.length), t.shape])
	);
}

describe('architecture layouts', () => {
	it('keeps the llama layout and file name as they were', () => {
		const s = spec({});
		expect([...layerTensors(s).keys()]).toEqual([
			'attn_norm.weight',
			'attn_q.weight',
			'attn_k.weight',
			'attn_v.weight',
			'attn_output.weight',
			'ffn_norm.weight',
			'ffn_gate.weight',
			'ffn_up.weight',
			'ffn_down.weight'
		]);
		expect(header(s).file.tensors.map((t) => t.name)).toContain('output.weight');
		expect(modelName(s)).toBe('synthetic-llama-v512-e64-l2-h4-kv2-ff128-c2048-s1-f32');
	});

	it('gives qwen2 biases on q, k and v and ties its output to the embeddings', () => {
		const s = spec({ arch: 'qwen2' });
		const layer = layerTensors(s);
		expect(layer.get('attn_q.bias')).toEqual([64]);
		expect(layer.get('attn_k.bias')).toEqual([32]);
		expect(layer.get('attn_v.bias')).toEqual([32]);
		expect(layer.has('attn_q_norm.weight')).toBe(false);
		const { file } = header(s);
		expect(file.tensors.map((t) => t.name)).not.toContain('output.weight');
		expect(file.metadata.get('general.architecture')).toBe('qwen2');
		expect(file.metadata.get('qwen2.rope.freq_base')).toBe(1_000_000);
		expect(file.metadata.has('qwen2.attention.key_length')).toBe(false);
		expect(modelName(s)).toMatch(/^synthetic-qwen2-v512-/);
	});

	it('gives qwen3 per-head q/k norms, with heads wider than embedding/heads', () => {
		const s = spec({ arch: 'qwen3', headDim: 32 });
		const layer = layerTensors(s);
		expect(layer.get('attn_q.weight')).toEqual([64, 4 * 32]);
		expect(layer.get('attn_k.weight')).toEqual([64, 2 * 32]);
		expect(layer.get('attn_output.weight')).toEqual([4 * 32, 64]);
		expect(layer.get('attn_q_norm.weight')).toEqual([32]);
		expect(layer.get('attn_k_norm.weight')).toEqual([32]);
		expect(layer.has('attn_q.bias')).toBe(false);
		const { file } = header(s);
		expect(file.metadata.get('qwen3.attention.key_length')).toBe(32);
		expect(file.metadata.get('qwen3.attention.value_length')).toBe(32);
		expect(file.metadata.get('qwen3.rope.dimension_count')).toBe(32);
		expect(modelName(s)).toBe('synthetic-qwen3-v512-e64-l2-h4-kv2-hd32-ff128-c2048-s1-f32');
	});

	it('gives gemma3 its post-attention and post-feed-forward norms and a sliding window', () => {
		const s = spec({ arch: 'gemma3', headDim: 32, kvHeads: 1 });
		const layer = layerTensors(s);
		for (const name of [
			'post_attention_norm.weight',
			'post_ffw_norm.weight',
			'attn_q_norm.weight',
			'attn_k_norm.weight'
		])
			expect(layer.has(name), name).toBe(true);
		expect(layer.get('post_ffw_norm.weight')).toEqual([64]);
		const { file } = header(s);
		expect(file.metadata.get('gemma3.attention.sliding_window')).toBe(
			architectureFacts('gemma3').slidingWindow
		);
		expect(file.metadata.get('gemma3.attention.key_length')).toBe(32);
		expect(file.metadata.get('gemma3.attention.head_count_kv')).toBe(1);
		expect(file.tensors.map((t) => t.name)).not.toContain('output.weight');
	});

	it.each(ARCHITECTURES)(
		'%s passes the app’s GGUF checker with the CPU engine’s architectures',
		async (arch) => {
			const s = spec({ arch, type: 'Q8_0', headDim: arch === 'llama' ? undefined : 32 });
			const { header: bytes, fileSize } = header(s);
			const facts = await readGguf(
				{
					size: fileSize,
					read: async (offset, length) => {
						const out = new Uint8Array(Math.min(length, fileSize - offset));
						out.set(bytes.subarray(offset, offset + out.length));
						return out;
					}
				},
				{ supportedArchitectures: WLLAMA_ARCHITECTURES }
			);
			expect(facts).toMatchObject({ architecture: arch, vocabSize: 512, contextLength: 2048 });
		}
	);

	it('refuses a head size a quantized attn_output cannot store, and unknown architectures', () => {
		const bad = (change: Partial<LlamaSpec>) => () => checkSpec(spec(change));
		expect(bad({ headDim: 12, type: 'Q8_0' })).toThrow(
			/headDim × heads 48 must be a multiple of 32/
		);
		expect(bad({ headDim: 12, type: 'F16' })).not.toThrow();
		expect(bad({ headDim: 7 })).toThrow(/head size 7 must be even/);
		expect(bad({ arch: 'mamba' as never })).toThrow(/unknown architecture mamba/);
	});
});
