import { describe, expect, it } from 'vitest';
import {
	DEFAULT_SAMPLING_PARAMS,
	SamplingValidationError,
	WHAT_IF_KEYS,
	orderWithStage,
	placeInChain,
	switchOnSetStages,
	validateSamplingParams,
	whatIfSignature
} from './params';
import { PARAM_SPECS } from './stages/registry';

const valid = () => ({ ...DEFAULT_SAMPLING_PARAMS, order: [...DEFAULT_SAMPLING_PARAMS.order] });

function errorFor(overrides: Record<string, unknown>, vocabSize?: number): SamplingValidationError {
	try {
		validateSamplingParams({ ...valid(), ...overrides }, { vocabSize });
	} catch (error) {
		if (error instanceof SamplingValidationError) return error;
		throw error;
	}
	throw new Error(`expected ${JSON.stringify(overrides)} to be rejected`);
}

describe('validateSamplingParams', () => {
	it('accepts the defaults, which match the design', () => {
		expect(validateSamplingParams(valid(), { vocabSize: 512 })).toMatchObject({
			temperature: 0.8,
			topK: 40,
			topP: 0.95,
			minP: 0.05,
			repeatPenalty: 1,
			repeatLastN: 64,
			frequencyPenalty: 0,
			presencePenalty: 0,
			seed: null
		});
		expect(DEFAULT_SAMPLING_PARAMS.order).toEqual([
			'logit-bias',
			'repetition-penalty',
			'frequency-presence',
			'temperature',
			'top-k',
			'top-p',
			'min-p'
		]);
	});

	it.each([
		[{ temperature: NaN }, 'temperature must be a number in [0, 2]; got NaN'],
		[{ temperature: Infinity }, 'temperature must be a number in [0, 2]; got Infinity'],
		[{ temperature: -Infinity }, 'temperature must be a number in [0, 2]; got -Infinity'],
		[{ temperature: 2.5 }, 'temperature must be a number in [0, 2]; got 2.5'],
		[{ temperature: '0.7' }, 'temperature must be a number in [0, 2]; got "0.7"'],
		[{ topP: 0 }, 'topP must be a number in (0, 1]; got 0'],
		[{ minP: 1 }, 'minP must be a number in [0, 1); got 1'],
		[{ topK: 2.5 }, 'topK must be an integer in [0, 512]; got 2.5'],
		[{ topK: 513 }, 'topK must be an integer in [0, 512]; got 513'],
		[{ repeatPenalty: 0.9 }, 'repeatPenalty must be a number in [1, 2]; got 0.9'],
		[
			{ repeatLastN: -2 },
			'repeatLastN must be an integer in [0, 1048576] or -1 = the whole context; got -2'
		],
		[{ frequencyPenalty: 3 }, 'frequencyPenalty must be a number in [-2, 2]; got 3'],
		[{ presencePenalty: undefined }, 'presencePenalty must be a number in [-2, 2]; got nothing'],
		[{ seed: 1.5 }, 'seed must be an integer in [0, 4294967295] or random; got 1.5'],
		[{ seed: -1 }, 'seed must be an integer in [0, 4294967295] or random; got -1'],
		[{ seed: 2 ** 32 }, 'seed must be an integer in [0, 4294967295] or random; got 4294967296'],
		[{ order: ['top-k', 'top-q'] }, 'order must be a known stage'],
		[{ order: ['top-k', 'top-k'] }, 'order must be listed once (it appears twice); got "top-k"'],
		[{ order: 'top-k' }, 'order must be a list of distinct stages'],
		[{ logitBias: { 512: 1 } }, 'logitBias must be keyed by token ids in [0, 511]; got "512"'],
		[{ logitBias: { x: 1 } }, 'logitBias must be keyed by token ids in [0, 511]; got "x"'],
		[{ logitBias: { 5: 101 } }, 'logitBias[5] must be a number in [-100, 100]; got 101'],
		[{ topk: 5 }, 'topk must be absent (unknown parameter); got 5']
	])('rejects %j with a message naming the field and range', (overrides, message) => {
		const error = errorFor(overrides, 512);
		expect(error.message).toContain(message);
		expect(error.field).toBe(message.split(' ')[0]);
		expect(error.message).toContain(error.field);
	});

	it('keeps the value and allowed range on the error for the UI', () => {
		const error = errorFor({ topP: 1.5 });
		expect(error).toMatchObject({ field: 'topP', value: 1.5, allowed: 'a number in (0, 1]' });
	});

	it('describes a value nested too deeply to show instead of failing on it', () => {
		const deep = JSON.parse('['.repeat(10_000) + ']'.repeat(10_000));
		expect(errorFor({ topP: deep }).message).toBe(
			'topP must be a number in (0, 1]; got a list nested too deeply to show'
		);
	});

	it('leaves top-k unbounded above until the vocabulary is known', () => {
		expect(() => validateSamplingParams({ ...valid(), topK: 100_000 })).not.toThrow();
	});

	it('accepts the special window value and a fixed seed', () => {
		expect(() =>
			validateSamplingParams({ ...valid(), repeatLastN: -1, seed: 0xffffffff, order: [] })
		).not.toThrow();
	});
});

describe('what-if keys', () => {
	it('are every stage parameter (each changes the draw), the seed and the order', () => {
		expect([...WHAT_IF_KEYS].sort()).toEqual(
			[...PARAM_SPECS.map((s) => s.key), 'seed', 'order'].sort()
		);
	});

	it('give a signature that changes with them and not with the logit bias', () => {
		const base = { ...DEFAULT_SAMPLING_PARAMS, seed: 1 };
		const signature = whatIfSignature(base);
		expect(whatIfSignature({ ...base, presencePenalty: 0.5 })).not.toBe(signature);
		expect(whatIfSignature({ ...base, order: ['temperature'] })).not.toBe(signature);
		expect(whatIfSignature({ ...base, logitBias: { 1: 5 } })).toBe(signature);
	});
});

describe('switching a stage on', () => {
	const order = DEFAULT_SAMPLING_PARAMS.order;

	it('puts a penalty stage before temperature, as llama.cpp runs it, and another stage last', () => {
		const withDry = orderWithStage(order, 'dry');
		expect(withDry.indexOf('dry')).toBe(order.indexOf('temperature'));
		expect(placeInChain(withDry, 'dry')).toBe('before temperature');
		expect(orderWithStage(order, 'no-repeat-ngram').at(order.indexOf('temperature'))).toBe(
			'no-repeat-ngram'
		);
		expect(orderWithStage(order, 'top-a')).toEqual([...order, 'top-a']);
		expect(placeInChain([...order, 'top-a'], 'top-a')).toBe('last in the chain');
	});

	it('goes last when the chain has no temperature, and leaves an order that runs it alone', () => {
		const noTemperature = order.filter((name) => name !== 'temperature');
		expect(orderWithStage(noTemperature, 'dry')).toEqual([...noTemperature, 'dry']);
		expect(placeInChain([...noTemperature, 'dry'], 'dry')).toBe('last in the chain');
		const running = ['dry', ...order] as typeof order;
		expect(orderWithStage(running, 'dry')).toEqual(running);
	});

	it('presets and imports place the stages they switch on the same way', () => {
		const params = switchOnSetStages({ ...DEFAULT_SAMPLING_PARAMS, dryMultiplier: 0.8, topA: 0.2 });
		expect(params.order).toEqual(orderWithStage(orderWithStage(order, 'dry'), 'top-a'));
	});
});
