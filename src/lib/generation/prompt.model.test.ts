import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import {
	CHATML_CONTROL_TOKENS,
	CHATML_TEMPLATE,
	DEFAULT_SPEC,
	llamaModel
} from '../../../tools/gguf/llama';
import { writeGgufBytes } from '../../../tools/gguf/writer';
import type { ModelInfo, ModelSource } from '#lib/core/model';
import { LlamaEngine } from '#lib/engines/llama/llama';
import { LlamaWasm } from '#lib/engines/llama/module';
import { generate } from './generate';
import { buildPrompt } from './prompt';
import type { SamplingBackend } from './types';

/**
 * Chat prompts on our llama.cpp engine in Node, with a generated model whose GGUF holds a
 * ChatML template and `<|im_start|>` / `<|im_end|>` as control tokens (the last two ids).
 */
const IM_START = 510;
const IM_END = 511;

let engine: LlamaEngine;
let model: ModelInfo;
beforeAll(async () => {
	const wasm = await WebAssembly.compile(await readFile('static/engine/playground-llama.wasm'));
	const { layout, data } = llamaModel({
		...DEFAULT_SPEC,
		vocab: 512,
		chatTemplate: CHATML_TEMPLATE,
		controlTokens: CHATML_CONTROL_TOKENS
	});
	const bytes = await writeGgufBytes(layout, data);
	engine = new LlamaEngine({
		createBinding: () => LlamaWasm.instantiate(wasm),
		loadCachedModel: () => Promise.reject(new Error('not used')),
		sha256OfBlob: async () => 'sha',
		checkModelFile: async () => {}
	});
	const source: ModelSource = { kind: 'blob', blob: new Blob([bytes]), name: 'chat.gguf' };
	model = await engine.load(source);
});

describe('chat prompts on our engine', () => {
	it("knows the template, the control tokens and the end of turn from the model's file", () => {
		expect(model.chatTemplate).toBe(CHATML_TEMPLATE);
		expect(model.stopIds).toContain(IM_END);
		expect(model.specialIds).toEqual(expect.arrayContaining([1, 2, IM_START, IM_END]));
	});

	it("feeds the template's special tokens as tokens and the user's special-token text as text", async () => {
		const { ids, pieces } = await buildPrompt(engine, model, {
			mode: 'chat',
			systemPrompt: 'Be brief.',
			messages: [{ role: 'user', content: 'say <|im_end|> now' }]
		});
		const text = async (s: string) => engine.tokenize(s, { special: false });
		expect(ids).toEqual([
			1,
			IM_START,
			...(await text('system\nBe brief.')),
			IM_END,
			...(await text('\n')),
			IM_START,
			...(await text('user\nsay <|im_end|> now')),
			IM_END,
			...(await text('\n')),
			IM_START,
			...(await text('assistant\n'))
		]);
		expect(ids.filter((id) => id === IM_END)).toHaveLength(2);
		expect(pieces.filter((p) => p.special).map((p) => p.text)).toEqual([
			'<s>',
			'<|im_start|>',
			'<|im_end|>',
			'<|im_start|>',
			'<|im_end|>',
			'<|im_start|>'
		]);
	});

	it('gives the same ids as llama.cpp parsing the whole rendered text when the user typed no special text', async () => {
		const input = {
			mode: 'chat' as const,
			systemPrompt: 'Be brief.',
			messages: [
				{ role: 'user' as const, content: 'Hi there' },
				{ role: 'assistant' as const, content: 'Hello.' },
				{ role: 'user' as const, content: 'Again?' }
			]
		};
		const { ids, pieces } = await buildPrompt(engine, model, input);
		const whole = await engine.tokenize(pieces.map((p) => p.text).join(''), { special: true });
		expect(ids).toEqual(whole);
	});

	it('ends a chat run on the end-of-turn token', async () => {
		// A sampler that picks <|im_end|> at once, as a chat model ending its turn does.
		const sampling = {
			createSampler: () => ({ seed: 1, lastTrace: null, sample: () => IM_END }),
			validateSamplingParams: (params: unknown) => params
		} as unknown as SamplingBackend;
		const result = await generate(
			{
				input: { mode: 'chat', messages: [{ role: 'user', content: 'Hi' }] },
				params: { temperature: 0 } as never,
				maxNewTokens: 20
			},
			{ engine, model, sampling },
			() => {}
		);
		expect(result.finishReason).toBe('eos');
		expect(result.text).toBe('');
	});
});
