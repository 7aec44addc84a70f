import type { LoadProgress, WebLlmModel } from '#lib/core/model';
import { WebLlmEngine, type WebLlmEngineOptions } from '../webllm';
import type { ConvTemplate } from '../config';
import type { GpuLike } from '../errors';
import type { TokenizerLike } from '../tokenizer';
import { FakeMlcEngine, type FakeMlcScript } from './fake-mlc-engine';

/**
 * A tiny WebLLM model for tests: ids 0–255 are bytes spelled the GPT-2 byte-level way, 256 is
 * BOS `<s>`, 257 is `<|im_end|>` (end of turn), 258 is `<|im_start|>`; the logits have one more
 * id (259) than the tokenizer knows, as WebLLM's padded vocabularies do.
 */
export const BOS = 256;
export const IM_END = 257;
export const IM_START = 258;
export const VOCAB = 260;
const ADDED: [number, string][] = [
	[BOS, '<s>'],
	[IM_END, '<|im_end|>'],
	[IM_START, '<|im_start|>']
];

/** GPT-2's byte → printable character table. */
export function byteLevelChar(byte: number): string {
	const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
	if (printable(byte)) return String.fromCodePoint(byte);
	let index = 0;
	for (let b = 0; b < byte; b++) if (!printable(b)) index++;
	return String.fromCodePoint(256 + index);
}

export class FakeTokenizer implements TokenizerLike {
	disposed = false;
	encode(text: string): Int32Array {
		const ids: number[] = [];
		let rest = text;
		outer: while (rest.length > 0) {
			for (const [id, content] of ADDED) {
				if (rest.startsWith(content)) {
					ids.push(id);
					rest = rest.slice(content.length);
					continue outer;
				}
			}
			const char = String.fromCodePoint(rest.codePointAt(0) ?? 0);
			ids.push(...new TextEncoder().encode(char));
			rest = rest.slice(char.length);
		}
		return Int32Array.from(ids);
	}
	decode(ids: Int32Array): string {
		return Array.from(ids, (id) => this.idToToken(id)).join('');
	}
	getVocabSize(): number {
		return 259;
	}
	idToToken(id: number): string {
		if (id < 256) return byteLevelChar(id);
		return ADDED.find(([added]) => added === id)?.[1] ?? '';
	}
	dispose(): void {
		this.disposed = true;
	}
}

export const CHATML: ConvTemplate = {
	system_template: '<|im_start|>system\n{system_message}<|im_end|>\n',
	system_message: 'You are a helpful assistant.',
	roles: { user: '<|im_start|>user', assistant: '<|im_start|>assistant' },
	role_templates: { user: '{user_message}', assistant: '{assistant_message}' },
	seps: ['<|im_end|>\n'],
	role_content_sep: '\n',
	role_empty_sep: '\n',
	stop_str: ['<|im_end|>'],
	system_prefix_token_ids: [BOS],
	stop_token_ids: [IM_END]
};

export const chatConfig = {
	vocab_size: VOCAB,
	context_window_size: 64,
	sliding_window_size: -1,
	bos_token_id: BOS,
	tokenizer_files: ['tokenizer.json'],
	tokenizer_info: { token_postproc_method: 'byte_level' },
	conv_template: CHATML,
	temperature: 0.7,
	top_p: 0.9,
	repetition_penalty: 1.3,
	frequency_penalty: 0.5,
	presence_penalty: 0.5
};

export const tokenizerJson = {
	added_tokens: ADDED.map(([id, content]) => ({ id, content, special: true })),
	decoder: { type: 'ByteLevel' },
	model: { type: 'BPE', vocab: {}, merges: [] }
};

export const MODEL: WebLlmModel = {
	id: 'Tiny-q4f32_1-MLC',
	name: 'Tiny',
	modelUrl: 'https://example.test/models/Tiny',
	modelLibUrl: 'https://example.test/libs/Tiny.wasm',
	requiredFeatures: [],
	vramRequiredMB: 100
};

const encodeJson = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).buffer;

export const fakeGpu = (features: string[] = []): GpuLike => ({
	requestAdapter: async () => ({ features: new Set(features) })
});

/** A WebLlmEngine on fakes; `fakes` collects every MLCEngine it created. */
export function createTestEngine(script: FakeMlcScript, options: WebLlmEngineOptions = {}) {
	const fakes: FakeMlcEngine[] = [];
	const files: string[] = [];
	const tokenizers: FakeTokenizer[] = [];
	const engine = new WebLlmEngine({
		createMlcEngine: (config) => {
			const fake = new FakeMlcEngine(config, script);
			fakes.push(fake);
			return fake;
		},
		readFile: async (url) => {
			files.push(url);
			if (url.endsWith('/mlc-chat-config.json')) return encodeJson(chatConfig);
			if (url.endsWith('/tokenizer.json')) return encodeJson(tokenizerJson);
			throw new TypeError('Failed to fetch');
		},
		loadTokenizer: async () => {
			const tokenizer = new FakeTokenizer();
			tokenizers.push(tokenizer);
			return tokenizer;
		},
		gpu: () => fakeGpu(),
		...options
	});
	return { engine, fakes, files, tokenizers };
}

/** {@link createTestEngine} on {@link scriptedLogits} with the test model loaded (its progress kept). */
export async function loadTestEngine(script: Partial<FakeMlcScript> = {}) {
	const setup = createTestEngine({ logits: scriptedLogits, ...script });
	const progress: LoadProgress[] = [];
	const info = await setup.engine.load(
		{ kind: 'webllm', model: MODEL },
		{ onProgress: (p) => progress.push(p) }
	);
	return { ...setup, info, progress, fake: setup.fakes[0] };
}

/** Deterministic pseudo-random logits for a context (a stand-in for a model). */
export function scriptedLogits(context: readonly number[]): Float32Array {
	let h = 2166136261;
	for (const id of context) h = Math.imul(h ^ id, 16777619) >>> 0;
	const out = new Float32Array(VOCAB);
	for (let i = 0; i < VOCAB; i++) {
		h = Math.imul(h ^ (i + 0x9e37), 2654435761) >>> 0;
		out[i] = ((h % 10_000) / 10_000) * 8 - 6;
	}
	// A few strong candidates, so runs look like a model's.
	out[97 + (context.length % 5)] += 4;
	out[32] += 2;
	out[IM_END] += context.length > 12 ? 3 : -2;
	return out;
}
