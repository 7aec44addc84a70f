import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '#lib/sampling';
import { generate } from './generate';
import { FAKE_VOCAB, FakeEngine } from './testing/fake-engine';
import { REAL_SAMPLING } from './testing/sampling';
import { tokenTexts } from './token-texts';

const [a, b, c] = [...'abc'].map((ch) => ch.charCodeAt(0));

/** A model that loops "abc" for ever: after a it prefers b, after b c, after anything else a. */
function looping(): FakeEngine {
	return new FakeEngine({
		next: (context) => {
			const last = context.at(-1);
			return last === a ? b : last === b ? c : a;
		},
		contextLength: 256
	});
}

async function output(engine: FakeEngine, params: Partial<SamplingParams>): Promise<string> {
	const result = await generate(
		{
			input: { mode: 'completion', prompt: 'abc' },
			params: { ...DEFAULT_SAMPLING_PARAMS, temperature: 0, seed: 1, ...params },
			maxNewTokens: 6
		},
		{ engine, model: engine.model, sampling: REAL_SAMPLING }
	);
	return result.text;
}

describe('token texts for DRY', () => {
	it('are read once per model, only when DRY runs with breakers, and make breakers of their tokens', async () => {
		const engine = looping();
		expect(await output(engine, {})).toBe('abcabc');
		expect(engine.calls.filter((call) => call === 'tokenBytes').length).toBeLessThan(20);
		// DRY before temperature 0: "a b" repeats, so c (which followed it) is penalised 10 (tied with the rest: the lowest id wins).
		const dry = { order: ['dry', 'temperature'] as SamplingParams['order'], dryMultiplier: 10 };
		const broken = await output(engine, dry);
		expect(broken.startsWith('ab')).toBe(true);
		expect(broken[2]).not.toBe('c');
		const reads = engine.calls.filter((call) => call === 'tokenBytes').length;
		// c's text is a breaker now: it is never penalised, so the loop goes on.
		expect(await output(engine, { ...dry, drySequenceBreakers: ['c'] })).toBe('abcabc');
		// The texts were read once for the model (a vocabulary's worth), then kept.
		const again = engine.calls.filter((call) => call === 'tokenBytes').length - reads;
		expect(again).toBeLessThan(FAKE_VOCAB);
		const texts = await tokenTexts(engine, engine.model);
		expect(texts).toHaveLength(FAKE_VOCAB);
		expect(texts[c]).toBe('c');
	});
});
