import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '#lib/sampling';
import { orderAfterEdit, switchedOnNote } from './more-samplers';

const defaults = (): SamplingParams => ({
	...DEFAULT_SAMPLING_PARAMS,
	order: [...DEFAULT_SAMPLING_PARAMS.order],
	logitBias: {}
});

describe('orderAfterEdit', () => {
	it('appends a stage off by default that a value sets to do something', () => {
		expect(orderAfterEdit({ ...defaults(), topA: 0.2 }, 'top-a')).toEqual([
			...DEFAULT_SAMPLING_PARAMS.order,
			'top-a'
		]);
	});

	it('leaves the order alone for a neutral value, a stage already on, or a default stage', () => {
		expect(orderAfterEdit({ ...defaults(), topA: 0 }, 'top-a')).toBeNull();
		const on = {
			...defaults(),
			topNSigma: 1,
			order: [...defaults().order, 'top-n-sigma' as const]
		};
		expect(orderAfterEdit(on, 'top-n-sigma')).toBeNull();
		// Top-k is in the default chain: a user who took it out keeps it out.
		const noTopK = {
			...defaults(),
			topK: 10,
			order: defaults().order.filter((n) => n !== 'top-k')
		};
		expect(orderAfterEdit(noTopK, 'top-k')).toBeNull();
		expect(orderAfterEdit(defaults(), 'no-such-stage')).toBeNull();
	});

	it('switches on only the edited stage, not others set but off', () => {
		const params = { ...defaults(), topA: 0.2, epsilonCutoff: 0.001 };
		expect(orderAfterEdit(params, 'epsilon-cutoff')).toEqual([
			...DEFAULT_SAMPLING_PARAMS.order,
			'epsilon-cutoff'
		]);
	});

	it('says what happened and where to reorder', () => {
		expect(switchedOnNote('Top-a')).toMatch(/^Top-a switched on .*last in the chain/);
	});
});
