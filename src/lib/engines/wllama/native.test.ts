import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '#lib/sampling';
import { nativeIgnoredParams, wllamaSamplingConfig } from './native';

const params = (extra: Partial<SamplingParams> = {}): SamplingParams => ({
	...DEFAULT_SAMPLING_PARAMS,
	...extra
});

describe("wllama's native sampling config", () => {
	it('runs dynamic temperature as llama.cpp’s own; ignores quadratic smoothing and no-repeat n-gram', () => {
		const shaped = params({
			temperature: 0.7,
			dynatempRange: 0.3,
			dynatempExponent: 2,
			smoothingFactor: 0.2,
			noRepeatNgramSize: 3,
			order: [
				...DEFAULT_SAMPLING_PARAMS.order,
				'dynamic-temperature',
				'quadratic-smoothing',
				'no-repeat-ngram'
			]
		});
		expect(wllamaSamplingConfig(shaped, 2048)).toMatchObject({
			temp: 0.7,
			dynatemp_range: 0.3,
			dynatemp_exponent: 2
		});
		expect(nativeIgnoredParams(shaped).map((p) => p.field)).toEqual([
			'smoothingFactor',
			'smoothingCurve',
			'noRepeatNgramSize',
			'order',
			'seed'
		]);
		// Dynamic temperature without the temperature stage still moves around the base T.
		const alone = params({ temperature: 0.5, dynatempRange: 0.2, order: ['dynamic-temperature'] });
		expect(wllamaSamplingConfig(alone, 2048)).toMatchObject({ temp: 0.5, dynatemp_range: 0.2 });
		// Off, it is llama.cpp's plain temperature.
		expect(wllamaSamplingConfig(params(), 2048)).toMatchObject({
			dynatemp_range: 0,
			dynatemp_exponent: 1
		});
	});

	it("passes the user's values for active stages and no-ops for the rest", () => {
		const p = params({
			temperature: 0.7,
			topK: 12,
			topP: 0.9,
			minP: 0.05,
			repeatPenalty: 1.1,
			repeatLastN: 32,
			frequencyPenalty: 0.2,
			presencePenalty: -0.5,
			logitBias: { 5: 2, 7: -100 }
		});
		expect(wllamaSamplingConfig(p, 2048)).toEqual({
			temp: 0.7,
			dynatemp_range: 0,
			dynatemp_exponent: 1,
			top_k: 12,
			top_p: 0.9,
			min_p: 0.05,
			penalty_repeat: 1.1,
			penalty_freq: 0.2,
			penalty_present: -0.5,
			penalty_last_n: 32,
			logit_bias: [
				{ token: 5, bias: 2 },
				{ token: 7, bias: -100 }
			]
		});
		// Stages left out of the order, or neutral, are off in llama.cpp too (its defaults are not).
		const off = params({ temperature: 0.7, topK: 12, order: ['top-p'], logitBias: { 5: 2 } });
		expect(wllamaSamplingConfig(off, 2048)).toEqual({
			temp: 1,
			dynatemp_range: 0,
			dynatemp_exponent: 1,
			top_k: 0,
			top_p: DEFAULT_SAMPLING_PARAMS.topP,
			min_p: 0,
			penalty_repeat: 1,
			penalty_freq: 0,
			penalty_present: 0,
			penalty_last_n: 0,
			logit_bias: []
		});
	});

	it('passes the whole-context penalty window as the context length (llama.cpp reads -1 as off)', () => {
		const config = wllamaSamplingConfig(params({ repeatPenalty: 1.3, repeatLastN: -1 }), 512);
		expect(config).toMatchObject({ penalty_repeat: 1.3, penalty_last_n: 512 });
	});

	it('passes Mirostat only when it runs', () => {
		const on = params({ mirostatMode: 2, mirostatTau: 4, mirostatEta: 0.2 });
		expect(wllamaSamplingConfig({ ...on, order: ['temperature', 'mirostat'] }, 512)).toMatchObject({
			mirostat: 2,
			mirostat_tau: 4,
			mirostat_eta: 0.2
		});
		expect(wllamaSamplingConfig(on, 512)).not.toHaveProperty('mirostat');
	});

	it('temperature 0 is passed as it is: llama.cpp then keeps only the most likely token', () => {
		expect(wllamaSamplingConfig(params({ temperature: 0 }), 512).temp).toBe(0);
	});

	it('names what llama.cpp does not honour: an order its fixed chain cannot follow, and the seed', () => {
		const fields = (p: SamplingParams) => nativeIgnoredParams(p).map((i) => i.field);
		// Our default order tempers before top-p and min-p; llama.cpp tempers last.
		expect(fields(params())).toEqual(['order', 'seed']);
		expect(fields(params({ temperature: 1 }))).toEqual(['seed']);
		expect(
			fields(
				params({
					order: ['logit-bias', 'repetition-penalty', 'top-k', 'top-p', 'min-p', 'temperature']
				})
			)
		).toEqual(['seed']);
		// A temperature keeps top-k's ranking, and temperature 0 keeps what every cut keeps first.
		expect(fields(params({ topP: 1, minP: 0 }))).toEqual(['seed']);
		expect(fields(params({ temperature: 0 }))).toEqual(['seed']);
		// Penalties after a cut: llama.cpp penalizes first.
		expect(fields(params({ repeatPenalty: 1.2, order: ['top-k', 'repetition-penalty'] }))).toEqual([
			'order',
			'seed'
		]);
		// llama.cpp's chain in wllama has no top-a or epsilon cutoff: switched on, they are ignored.
		expect(
			fields(
				params({
					temperature: 1,
					topA: 0.2,
					epsilonCutoff: 0.001,
					order: [...DEFAULT_SAMPLING_PARAMS.order, 'top-a', 'epsilon-cutoff']
				})
			)
		).toEqual(['topA', 'epsilonCutoff', 'seed']);
		// Its chain runs llama.cpp's typical-p only when asked, which wllama does not; TFS is gone.
		expect(
			fields(
				params({
					temperature: 1,
					typicalP: 0.9,
					tfsZ: 0.95,
					order: [...DEFAULT_SAMPLING_PARAMS.order, 'typical-p', 'tail-free']
				})
			)
		).toEqual(['typicalP', 'tfsZ', 'seed']);
		// Mirostat: llama.cpp has it, but then runs only logit bias, temperature and Mirostat.
		const mirostat = params({
			temperature: 0.9,
			repeatPenalty: 1.1,
			mirostatMode: 1,
			mirostatM: 50,
			order: [...DEFAULT_SAMPLING_PARAMS.order, 'mirostat']
		});
		expect(fields(mirostat)).toEqual([
			'repeatPenalty',
			'topK',
			'topP',
			'minP',
			'mirostatM',
			'seed'
		]);
		expect(nativeIgnoredParams(mirostat)[0].reason).toMatch(
			/only logit bias, temperature and Mirostat/
		);
		expect(
			fields(params({ temperature: 0.9, mirostatMode: 2, order: ['temperature', 'mirostat'] }))
		).toEqual(['seed']);
		// Before temperature, it is not where llama.cpp runs it.
		expect(
			fields(params({ temperature: 0.9, mirostatMode: 2, order: ['mirostat', 'temperature'] }))
		).toEqual(['order', 'seed']);
		// Nor XTC (wllama's sampling config has no XTC fields).
		expect(
			fields(
				params({
					temperature: 1,
					xtcProbability: 0.5,
					order: [...DEFAULT_SAMPLING_PARAMS.order, 'xtc']
				})
			)
		).toEqual(['xtcProbability', 'xtcThreshold', 'seed']);
		// Nor DRY (wllama 2.4.0 never adds llama.cpp's dry sampler to its chain).
		expect(
			fields(
				params({
					temperature: 1,
					dryMultiplier: 0.8,
					order: [...DEFAULT_SAMPLING_PARAMS.order, 'dry']
				})
			)
		).toEqual(['dryMultiplier', 'dryBase', 'dryAllowedLength', 'dryPenaltyLastN', 'seed']);
		expect(nativeIgnoredParams(params()).at(-1)?.reason).toContain(
			'seeds once when the model loads'
		);
	});
});
