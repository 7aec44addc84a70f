import { describe, expect, it } from 'vitest';
import type { Experiment } from '#lib/core/experiment';
import { DEFAULT_SAMPLING_PARAMS } from '#lib/sampling';
import { fitToModel } from './experiment-fit';

function experiment(overrides: Partial<Experiment> = {}): Experiment {
	return {
		model: { id: 'stories260k', name: 'stories260k', engine: 'wllama', sha256: null },
		input: { mode: 'completion', prompt: 'Hi' },
		params: {
			...DEFAULT_SAMPLING_PARAMS,
			order: [...DEFAULT_SAMPLING_PARAMS.order],
			logitBias: {}
		},
		maxNewTokens: 20,
		contextLength: 2048,
		stopSequences: [],
		banEndOfText: false,
		sampling: 'exact',
		...overrides
	};
}

const params = (changes: Partial<Experiment['params']>) => ({
	params: { ...experiment().params, ...changes }
});
const small = { name: 'Tiny', engine: 'wllama', vocabSize: 512 } as const;

describe('an experiment against the model it opened on', () => {
	it('fits when every value is within the model and the mode is the engine’s', () => {
		expect(fitToModel(experiment(), small)).toEqual({
			fields: {},
			logitBias: null,
			sampling: null,
			messages: []
		});
		const native = experiment({ sampling: 'native' });
		expect(fitToModel(native, { ...small, engine: 'webllm' }).messages).toEqual([]);
		expect(fitToModel(experiment(params({ topK: 512 })), small).messages).toEqual([]);
	});

	it('names a top-k beyond the vocabulary in its field and says what to set, changing nothing', () => {
		const fit = fitToModel(experiment(params({ topK: 1e20 })), small);
		expect(fit.fields).toEqual({
			topK: 'Top-k must be an integer in [0, 512]; got 100000000000000000000.'
		});
		expect(fit.messages).toEqual([
			"Top-k 100000000000000000000 is more than Tiny's vocabulary of 512 tokens. Set it in the parameter panel to at most 512; 512 keeps every token, as the link's value would."
		]);
		expect(fit.logitBias).toBeNull();
	});

	it('drops biases of ids the vocabulary lacks, and says which', () => {
		const fit = fitToModel(experiment(params({ logitBias: { 3: 2, 600: 5, 70000: -3 } })), small);
		expect(fit.logitBias).toEqual({ 3: 2 });
		expect(fit.messages).toEqual([
			'The link biases token ids 600, 70000, which Tiny does not have (its 512 tokens are ids 0 to 511); those biases were removed, as they could change no token.'
		]);
		const one = fitToModel(experiment(params({ logitBias: { 512: 1 } })), small);
		expect(one.logitBias).toEqual({});
		expect(one.messages[0]).toContain('biases token id 512,');
	});

	it('runs native sampling the CPU engine lacks as exact, and says so', () => {
		const fit = fitToModel(experiment({ sampling: 'native' }), { ...small, engine: 'llama' });
		expect(fit.sampling).toBe('exact');
		expect(fit.messages).toEqual([
			'The link asks for native sampling, which Tiny on the llama engine does not have (this engine has no sampler of its own; use exact sampling); it runs with exact sampling instead.'
		]);
		// wllama has llama.cpp's own sampler.
		expect(fitToModel(experiment({ sampling: 'native' }), small).sampling).toBeNull();
	});
});
