import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, validateSamplingParams } from '#lib/sampling';
import { PRESETS, applyPreset, matchingPreset, type Preset } from './presets';

describe('presets', () => {
	it('are all valid parameter sets for a small vocabulary', () => {
		for (const preset of PRESETS) {
			expect(() =>
				validateSamplingParams(applyPreset(preset, { ...DEFAULT_SAMPLING_PARAMS, seed: 5 }), {
					vocabSize: 512
				})
			).not.toThrow();
		}
	});

	it('reset everything else to the defaults but keep the seed', () => {
		const current = { ...DEFAULT_SAMPLING_PARAMS, minP: 0.3, seed: 99 };
		const precise = applyPreset(
			PRESETS.find((x) => x.id === 'precise')!,
			current
		);
		expect(precise).toMatchObject({ temperature: 0.2, topP: 0.5, minP: 0.05, seed: 99 });
	});

	it('are recognised again from their values, and edits make them custom', () => {
		const balanced = applyPreset(
			PRESETS.find((x) => x.id === 'balanced')!,
			{
				...DEFAULT_SAMPLING_PARAMS
			}
		);
		expect(matchingPreset(balanced)?.id).toBe('balanced');
		expect(matchingPreset({ ...balanced, temperature: 0.55 })).toBeNull();
		expect(matchingPreset({ ...DEFAULT_SAMPLING_PARAMS, seed: 3 })?.id).toBe('defaults');
	});
});

describe('a preset that sets a stage off by default', () => {
	it('switches that stage on, last in the chain, only when it changes something', () => {
		const preset: Preset = { id: 'x', label: 'X', description: 'x', values: { topA: 0.2 } };
		const params = applyPreset(preset, DEFAULT_SAMPLING_PARAMS);
		expect(params.order).toEqual([...DEFAULT_SAMPLING_PARAMS.order, 'top-a']);
		expect(params.topA).toBe(0.2);
		const unset = applyPreset({ ...preset, values: { topA: 0 } }, DEFAULT_SAMPLING_PARAMS);
		expect(unset.order).toEqual(DEFAULT_SAMPLING_PARAMS.order);
	});
});

describe('recipes', () => {
	const recipe = (id: string) => PRESETS.find((x) => x.id === id)!;

	it('each carry a one-line note naming where they come from', () => {
		for (const id of ['min-p-creative', 'top-n-sigma']) {
			const { description } = recipe(id);
			expect(description).not.toMatch(/\n/);
			expect(description).toMatch(/\d{4}\)/);
		}
	});

	it('min-p creative: min-p cuts before the temperature, top-k and top-p off', () => {
		const params = applyPreset(recipe('min-p-creative'), DEFAULT_SAMPLING_PARAMS);
		expect(params).toMatchObject({ minP: 0.1, temperature: 1.5, topK: 0, topP: 1 });
		expect(params.minP).toBeGreaterThanOrEqual(0.05);
		expect(params.minP).toBeLessThanOrEqual(0.1);
		expect(params.order.at(-1)).toBe('temperature');
		expect(params.order.indexOf('min-p')).toBeLessThan(params.order.indexOf('temperature'));
		expect(params.order).not.toBe(recipe('min-p-creative').values.order);
		expect(matchingPreset(params)?.id).toBe('min-p-creative');
	});

	it('top-nσ: switches its stage on as the only cut', () => {
		const params = applyPreset(recipe('top-n-sigma'), DEFAULT_SAMPLING_PARAMS);
		expect(params).toMatchObject({ topNSigma: 1, topK: 0, topP: 1, minP: 0 });
		expect(params.order).toEqual([...DEFAULT_SAMPLING_PARAMS.order, 'top-n-sigma']);
		expect(matchingPreset(params)?.id).toBe('top-n-sigma');
	});

	it('Mirostat 2: temperature, then Mirostat as the only cut, as llama.cpp runs it', () => {
		const params = applyPreset(recipe('mirostat-2'), DEFAULT_SAMPLING_PARAMS);
		expect(params).toMatchObject({ mirostatMode: 2, mirostatTau: 5, mirostatEta: 0.1 });
		expect(params.order).toEqual(['logit-bias', 'temperature', 'mirostat']);
		expect(matchingPreset(params)?.id).toBe('mirostat-2');
	});

	it('DRY + XTC: both on, DRY before the cuts, XTC before the temperature', () => {
		const params = applyPreset(recipe('dry-xtc'), DEFAULT_SAMPLING_PARAMS);
		expect(params).toMatchObject({ dryMultiplier: 0.8, xtcProbability: 0.5, minP: 0.02 });
		const at = (name: string) => params.order.indexOf(name as (typeof params.order)[number]);
		expect(at('dry')).toBeGreaterThan(at('frequency-presence'));
		expect(at('dry')).toBeLessThan(at('top-k'));
		expect(at('xtc')).toBe(params.order.length - 2);
		expect(params.order.at(-1)).toBe('temperature');
		expect(matchingPreset(params)?.id).toBe('dry-xtc');
	});
});
