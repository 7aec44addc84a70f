import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '#lib/sampling';
import { nativeIgnoredParams, nativeSamplingFields } from './native';

const params = (extra: Partial<SamplingParams> = {}): SamplingParams => ({
	...DEFAULT_SAMPLING_PARAMS,
	...extra
});

describe('native sampling parameters', () => {
	it('ignores dynamic temperature, quadratic smoothing and no-repeat n-gram, keeping the base T', () => {
		const shaped = params({
			temperature: 0.7,
			dynatempRange: 0.3,
			smoothingFactor: 0.2,
			noRepeatNgramSize: 3,
			order: [
				...DEFAULT_SAMPLING_PARAMS.order,
				'dynamic-temperature',
				'quadratic-smoothing',
				'no-repeat-ngram'
			]
		});
		// Our chain skips temperature for dynamic temperature; WebLLM, which lacks it, keeps T.
		expect(nativeSamplingFields(shaped, 1).temperature).toBe(0.7);
		expect(nativeIgnoredParams(shaped, 1).map((p) => p.field)).toEqual(
			expect.arrayContaining(['dynatempRange', 'smoothingFactor', 'noRepeatNgramSize'])
		);
		expect(nativeIgnoredParams(shaped, 1).find((p) => p.field === 'noRepeatNgramSize')).toEqual({
			field: 'noRepeatNgramSize',
			reason: 'WebLLM has no no-repeat n-gram; that stage does not run.'
		});
	});

	it('passes the parameters WebLLM supports and neutral values for stages that are off', () => {
		const p = params({
			temperature: 0.7,
			topP: 0.9,
			repeatPenalty: 1.1,
			frequencyPenalty: 0.2,
			presencePenalty: -0.5,
			logitBias: { 5: 2, 7: -100 }
		});
		expect(nativeSamplingFields(p, 7)).toEqual({
			temperature: 0.7,
			top_p: 0.9,
			repetition_penalty: 1.1,
			frequency_penalty: 0.2,
			presence_penalty: -0.5,
			logit_bias: { '5': 2, '7': -100 },
			seed: 7
		});
		const off = params({ temperature: 0.7, topP: 0.9, order: ['top-k'], logitBias: { 5: 2 } });
		expect(nativeSamplingFields(off, 1)).toEqual({
			temperature: 1,
			top_p: 1,
			repetition_penalty: 1,
			frequency_penalty: 0,
			presence_penalty: 0,
			seed: 1
		});
	});

	it('names what WebLLM does not honour', () => {
		const fields = (p: SamplingParams, seed = 1) =>
			nativeIgnoredParams(p, seed).map((i) => i.field);
		expect(fields(params({ topK: 40, minP: 0.05 }))).toEqual(['topK', 'minP', 'seed']);
		expect(fields(params({ topK: 0, minP: 0, repeatPenalty: 1.1 }))).toEqual([
			'repeatLastN',
			'seed'
		]);
		expect(
			fields(
				params({ topK: 0, minP: 0, order: ['temperature', 'logit-bias'], logitBias: { 1: 1 } })
			)
		).toEqual(['order', 'seed']);
		// Neutral stages out of order change nothing.
		expect(fields(params({ topK: 0, minP: 0, order: ['top-p', 'temperature'], topP: 1 }))).toEqual([
			'seed'
		]);
		// Stages WebLLM lacks are ignored when switched on, with the capability table's reason.
		const cutoffs = params({
			topK: 0,
			minP: 0,
			topA: 0.2,
			etaCutoff: 0.001,
			order: [...DEFAULT_SAMPLING_PARAMS.order, 'top-a', 'eta-cutoff']
		});
		expect(nativeIgnoredParams(cutoffs, 1).slice(0, 2)).toEqual([
			{ field: 'topA', reason: 'WebLLM has no top-a; that stage does not run.' },
			{ field: 'etaCutoff', reason: 'WebLLM has no eta cutoff; that stage does not run.' }
		]);
		const typical = params({
			topK: 0,
			minP: 0,
			typicalP: 0.9,
			tfsZ: 0.95,
			order: [...DEFAULT_SAMPLING_PARAMS.order, 'typical-p', 'tail-free']
		});
		expect(nativeIgnoredParams(typical, 1).slice(0, 2)).toEqual([
			{ field: 'typicalP', reason: 'WebLLM has no typical-p; that stage does not run.' },
			{ field: 'tfsZ', reason: 'WebLLM has no tail-free (tfs); that stage does not run.' }
		]);
		// XTC draws from our seeded stream; WebLLM has no such stage, so both its fields are ignored.
		const xtc = params({
			topK: 0,
			minP: 0,
			xtcProbability: 0.5,
			order: [...DEFAULT_SAMPLING_PARAMS.order, 'xtc']
		});
		expect(nativeIgnoredParams(xtc, 1).slice(0, 2)).toEqual([
			{ field: 'xtcProbability', reason: 'WebLLM has no XTC; that stage does not run.' },
			{ field: 'xtcThreshold', reason: 'WebLLM has no XTC; that stage does not run.' }
		]);
		const big = nativeIgnoredParams(params(), 2 ** 31 + 5).at(-1)?.reason;
		expect(big).toContain('acts as 6');
	});
});
