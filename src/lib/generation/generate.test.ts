import { describe, expect, it } from 'vitest';
import { FAKE_BOS, FAKE_EOS, FakeEngine, scripted } from './testing/fake-engine';
import { generate } from './generate';
import type { GenerateRequest, GenerationEvent, SamplingBackend } from './types';
import { GenerationRequestError } from './validate';

/** Greedy pick (highest value, lowest id on ties); the real sampler is tested on its own. */
function greedy(distribution: Float32Array): number {
	let best = 0;
	for (let i = 1; i < distribution.length; i++) if (distribution[i] > distribution[best]) best = i;
	return best;
}

class ParamsError extends Error {
	override name = 'SamplingValidationError';
}

function fakeSampling(record?: { histories: number[][] }): SamplingBackend {
	const createSampler = () => ({
		seed: 1234,
		lastTrace: null,
		sample(distribution: Float32Array, history: ArrayLike<number>) {
			record?.histories.push(Array.from(history));
			return greedy(distribution);
		}
	});
	const validateSamplingParams = (params: { temperature: number }) => {
		if (!(params.temperature >= 0 && params.temperature <= 2)) throw new ParamsError('temperature');
		return params;
	};
	// The fakes implement only what the loop uses of the sampler's API.
	return { createSampler, validateSamplingParams } as unknown as SamplingBackend;
}

function request(prompt: string, extra: Partial<GenerateRequest> = {}): GenerateRequest {
	return {
		input: { mode: 'completion', prompt },
		params: { temperature: 0 } as GenerateRequest['params'],
		maxNewTokens: 40,
		...extra
	};
}

async function run(
	engine: FakeEngine,
	req: GenerateRequest,
	options: { signal?: AbortSignal; onEvent?: (e: GenerationEvent) => void } = {}
) {
	const events: GenerationEvent[] = [];
	const result = await generate(
		req,
		{ engine, model: engine.model, sampling: fakeSampling(), signal: options.signal },
		(event) => {
			events.push(event);
			options.onEvent?.(event);
		}
	);
	return { result, events, tokens: events.filter((e) => e.type === 'token') };
}

describe('generate', () => {
	it('prefills BOS + prompt, streams the greedy continuation and stops on EOS', async () => {
		const engine = new FakeEngine({ next: scripted(4, ' there.') });
		const { result, events, tokens } = await run(engine, request('Hey'));
		expect(engine.evaluated[0]).toEqual([FAKE_BOS, 72, 101, 121]);
		expect(events[0]).toEqual({
			type: 'start',
			seed: 1234,
			promptTokens: [FAKE_BOS, 72, 101, 121]
		});
		expect(result.text).toBe(' there.');
		expect(tokens.map((t) => t.text).join('')).toBe(' there.');
		expect(result.finishReason).toBe('eos');
		expect(result.tokenIds.at(-1)).toBe(FAKE_EOS);
		expect(tokens.at(-1)).toMatchObject({ isStop: true, text: '', tokenId: FAKE_EOS });
		expect(result.seed).toBe(1234);
		expect(result.stats.promptTokens).toBe(4);
		expect(result.stats.generatedTokens).toBe(8);
	});

	it('does not add a second BOS, nor one when the model does not want it', async () => {
		const withBos = new FakeEngine({ next: () => FAKE_EOS });
		await run(withBos, {
			...request(''),
			input: { mode: 'completion', prompt: '<s>Hi', parseSpecial: true }
		});
		expect(withBos.evaluated[0]).toEqual([FAKE_BOS, 72, 105]);
		const noBos = new FakeEngine({ next: () => FAKE_EOS, addBos: false });
		await run(noBos, request('Hi'));
		expect(noBos.evaluated[0]).toEqual([72, 105]);
	});

	it('reads special-token text in a completion prompt as text unless asked', async () => {
		const engine = new FakeEngine({ next: () => FAKE_EOS });
		await run(engine, request('<s>'));
		expect(engine.evaluated[0]).toEqual([FAKE_BOS, 60, 115, 62]);
	});

	it('stops after maxNewTokens without evaluating the last token', async () => {
		const engine = new FakeEngine({ next: () => 97 });
		const { result, tokens } = await run(engine, request('x', { maxNewTokens: 5 }));
		expect(result.finishReason).toBe('max-tokens');
		expect(result.text).toBe('aaaaa');
		expect(tokens).toHaveLength(5);
		expect(engine.evaluated).toHaveLength(5); // the prompt and 4 of the 5 tokens
	});

	it('stops when the context is full', async () => {
		const engine = new FakeEngine({ next: () => 97, contextLength: 8 });
		const { result } = await run(engine, request('abc', { maxNewTokens: 100 }));
		expect(result.finishReason).toBe('context-full');
		// 4 prompt tokens + 4 fed back fill the context; the 5th sampled token cannot be fed.
		expect(result.tokenIds).toHaveLength(5);
		expect(engine.contextUsed).toBe(8);
	});

	it('passes the whole context, prompt included, to the sampler', async () => {
		const engine = new FakeEngine({ next: scripted(2, 'ok') });
		const record = { histories: [] as number[][] };
		await generate(request('x'), { engine, model: engine.model, sampling: fakeSampling(record) });
		expect(record.histories).toEqual([
			[FAKE_BOS, 120],
			[FAKE_BOS, 120, 111],
			[FAKE_BOS, 120, 111, 107]
		]);
	});

	it('rejects invalid parameters before any engine work', async () => {
		const engine = new FakeEngine({ next: () => 97 });
		const bad = request('x', { params: { temperature: Number.NaN } as GenerateRequest['params'] });
		await expect(run(engine, bad)).rejects.toThrow(ParamsError);
		await expect(run(engine, request('x', { maxNewTokens: 0 }))).rejects.toMatchObject({
			name: 'GenerationRequestError',
			field: 'maxNewTokens'
		});
		await expect(run(engine, request('x', { stopSequences: [''] }))).rejects.toBeInstanceOf(
			GenerationRequestError
		);
		expect(engine.calls).toEqual([]);
	});

	it('rejects a prompt that leaves no room in the context', async () => {
		const engine = new FakeEngine({ next: () => 97, contextLength: 4 });
		await expect(run(engine, request('abc', { maxNewTokens: 1 }))).rejects.toMatchObject({
			field: 'prompt'
		});
		expect(engine.evaluated).toEqual([]);
	});

	it('ends within one token of a stop request', async () => {
		const controller = new AbortController();
		const engine = new FakeEngine({ next: () => 97 });
		const { result, tokens } = await run(engine, request('x', { maxNewTokens: 50 }), {
			signal: controller.signal,
			onEvent: (e) => {
				if (e.type === 'token' && e.index === 2) controller.abort();
			}
		});
		expect(result.finishReason).toBe('stopped');
		expect(tokens).toHaveLength(3);
		expect(result.text).toBe('aaa');
	});

	it('stops when asked during an evaluation, without sampling again', async () => {
		const controller = new AbortController();
		let evaluations = 0;
		const engine = new FakeEngine({
			next: () => 97,
			onEvaluate: () => {
				if (++evaluations === 3) controller.abort();
			}
		});
		const { result } = await run(engine, request('x', { maxNewTokens: 50 }), {
			signal: controller.signal
		});
		expect(result.finishReason).toBe('stopped');
		expect(result.tokenIds).toHaveLength(2);
	});

	it('reports the mean entropy and the perplexity of its own tokens', async () => {
		// The fake puts log-probability 0 on its preferred token and −10 on the 257 others:
		// S = 1 + 257·e⁻¹⁰, p(preferred) = 1/S, H = ln S + 2570·e⁻¹⁰/S.
		const engine = new FakeEngine({ next: () => 97 });
		const { result } = await run(engine, request('x', { maxNewTokens: 6 }));
		const S = 1 + 257 * Math.exp(-10);
		expect(result.stats.meanEntropy).toBeCloseTo(Math.log(S) + (2570 * Math.exp(-10)) / S, 9);
		expect(result.stats.perplexity).toBeCloseTo(S, 9);
	});

	it("takes those figures from the engine's own summary of a distribution when it has one", async () => {
		// Made-up figures, so their use shows.
		const engine = new FakeEngine({
			next: () => 97,
			summaryOf: () => ({ max: 0, logSum: 0.25, meanShift: -0.5 })
		});
		const { result } = await run(engine, request('x', { maxNewTokens: 6 }));
		expect(result.stats.meanEntropy).toBeCloseTo(0.75, 12);
		expect(result.stats.perplexity).toBeCloseTo(Math.exp(0.25), 12);
	});

	it('does nothing when stopped before it starts', async () => {
		const controller = new AbortController();
		controller.abort();
		const engine = new FakeEngine({ next: () => 97 });
		const { result } = await run(engine, request('x'), { signal: controller.signal });
		expect(result.finishReason).toBe('stopped');
		expect(result.tokenIds).toEqual([]);
		expect(engine.evaluated).toEqual([]);
		expect(result.stats).toMatchObject({ meanEntropy: null, perplexity: null });
	});

	it('applies the chat template with the system prompt first', async () => {
		const engine = new FakeEngine({ next: () => FAKE_EOS });
		await run(engine, {
			...request(''),
			input: {
				mode: 'chat',
				systemPrompt: 'Be brief.',
				messages: [{ role: 'user', content: 'Hi' }]
			}
		});
		const prompt = new TextDecoder().decode(
			new Uint8Array(engine.evaluated[0].filter((id) => id < 256))
		);
		expect(prompt).toBe('[system]Be brief.[user]Hi[assistant]');
	});

	it('omits an empty system prompt', async () => {
		const engine = new FakeEngine({ next: () => FAKE_EOS });
		await run(engine, {
			...request(''),
			input: { mode: 'chat', systemPrompt: '  ', messages: [{ role: 'user', content: 'Hi' }] }
		});
		expect(engine.evaluated[0]).toEqual([
			FAKE_BOS,
			...new TextEncoder().encode('[user]Hi[assistant]')
		]);
	});
});

describe('generate: text streaming', () => {
	it('emits a character split across tokens once, with its last byte', async () => {
		// "a€b": € is E2 82 AC, one byte per fake token.
		const engine = new FakeEngine({ next: scripted(2, 'a€b') });
		const { result, tokens } = await run(engine, request('x'));
		expect(tokens.map((t) => t.text)).toEqual(['a', '', '', '€', 'b', '']);
		expect(result.text).toBe('a€b');
	});

	it('shows an unfinished character as U+FFFD at the end', async () => {
		const engine = new FakeEngine({ next: scripted(2, new Uint8Array([0x61, 0xe2, 0x82])) });
		const { result } = await run(engine, request('x'));
		expect(result.text).toBe('a\uFFFD');
	});

	it('ends on a stop sequence split across tokens and never shows it', async () => {
		const engine = new FakeEngine({ next: scripted(2, 'one. END two') });
		const { result, tokens } = await run(engine, request('x', { stopSequences: ['END'] }));
		expect(result.finishReason).toBe('stop-sequence');
		expect(result.stopSequence).toBe('END');
		expect(result.text).toBe('one. ');
		expect(tokens.map((t) => t.text).join('')).toBe('one. ');
		expect(result.tokenIds).toHaveLength(8);
	});

	it('releases held-back text when it turns out not to be a stop sequence', async () => {
		const engine = new FakeEngine({ next: scripted(2, 'an ENa') });
		const { result, tokens } = await run(engine, request('x', { stopSequences: ['END'] }));
		expect(tokens.map((t) => t.text)).toEqual(['a', 'n', ' ', '', '', 'ENa', '']);
		expect(result.text).toBe('an ENa');
		expect(result.finishReason).toBe('eos');
	});

	it('releases a held-back prefix when generation ends for another reason', async () => {
		const engine = new FakeEngine({ next: scripted(2, 'abcEN') });
		const { result, tokens } = await run(
			engine,
			request('x', { stopSequences: ['END'], maxNewTokens: 5 })
		);
		expect(tokens.map((t) => t.text).join('')).toBe('abc');
		expect(result.text).toBe('abcEN');
		expect(result.finishReason).toBe('max-tokens');
	});

	it('ends on extra stop ids', async () => {
		const engine = new FakeEngine({ next: scripted(2, 'ab;cd') });
		const { result } = await run(engine, request('x', { stopIds: [59] }));
		expect(result.finishReason).toBe('eos');
		expect(result.text).toBe('ab');
	});
});
