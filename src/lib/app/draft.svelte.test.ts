import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '#lib/params/presets';
import { DEFAULT_SAMPLING_PARAMS, PARAM_SPECS, WHAT_IF_KEYS } from '#lib/sampling';
import { nativeMode } from './native-mode';
import { createTestApp, startedTestApp } from './testing/test-app';

describe('the draft: prompt, settings, validity and the experiment', () => {
	it('the experiment out holds the page: model, prompt, settings and sampling mode', async () => {
		const { app } = await startedTestApp();
		app.settings.params.seed = 3;
		app.settings.stopSequences = 'END';
		const experiment = app.draft.current();
		expect(experiment.model).toMatchObject({ id: 'stories260k', engine: 'llama' });
		expect(experiment.model.sha256).toBe(app.loader.model?.sha256);
		expect(experiment.input).toEqual({ mode: 'completion', prompt: 'Once upon a time' });
		expect(experiment.params.seed).toBe(3);
		expect(experiment.stopSequences).toEqual(['END']);
		expect(experiment.sampling).toBe('exact');
	});

	it('an experiment in puts a chat, settings and model back, and clears invalid fields', async () => {
		const { app } = await startedTestApp();
		const experiment = app.draft.current();
		app.validity.set('topK', 'bad');
		const problem = app.draft.apply({
			...experiment,
			input: {
				mode: 'chat',
				systemPrompt: 'Be brief.',
				messages: [
					{ role: 'user', content: 'Hi' },
					{ role: 'assistant', content: 'Hello' },
					{ role: 'user', content: 'And now?' }
				]
			},
			params: { ...experiment.params, temperature: 0.1 },
			maxNewTokens: 12,
			contextLength: 512
		});
		expect(problem).toBeNull();
		expect(app.prompt.mode).toBe('chat');
		expect(app.prompt.prompt).toBe('And now?');
		expect(app.prompt.conversation).toHaveLength(2);
		expect(app.prompt.systemPrompt).toBe('Be brief.');
		expect(app.settings.params.temperature).toBe(0.1);
		expect(app.settings.maxNewTokens).toBe(12);
		expect(app.shelf.contextLength).toBe(512);
		expect(app.validity.message()).toBeNull();
	});

	it('an experiment on a model not offered here says so and keeps the model', async () => {
		const { app } = await startedTestApp();
		const experiment = app.draft.current();
		const problem = app.draft.apply({
			...experiment,
			model: { ...experiment.model, id: 'elsewhere', name: 'Elsewhere' }
		});
		expect(problem).toContain('“Elsewhere” (elsewhere) is not available here');
		expect(app.shelf.modelId).toBe('stories260k');
	});

	it('opening a shared experiment loads its model unless loaded, and warns about another file', async () => {
		const { app, client } = await startedTestApp();
		const experiment = app.draft.current();
		expect(await app.draft.open(experiment)).toBeNull();
		expect(client.loads).toHaveLength(1);
		const other = { ...experiment, model: { ...experiment.model, sha256: 'c'.repeat(64) } };
		expect(await app.draft.open(other)).toContain('differs from the one this experiment ran on');
	});

	it('the experiment records the engine that ran the model: wllama when it was loaded on wllama', async () => {
		const { app, client } = await startedTestApp();
		app.loader.cpuEngine = 'wllama';
		// Picked, but the model loaded on our engine runs until it is loaded again.
		expect(app.draft.current().model.engine).toBe('llama');
		await app.loader.loadSelected();
		expect(app.draft.current().model.engine).toBe('wllama');
		// A model not loaded yet is recorded on the engine it would load on.
		app.loader.cpuEngine = 'llama';
		client.restart('the worker was stopped', null);
		expect(app.draft.current().model.engine).toBe('llama');
	});

	it('an experiment recorded on wllama selects wllama and opens its model on it', async () => {
		const { app, client } = await startedTestApp();
		const experiment = app.draft.current();
		const onWllama = { ...experiment, model: { ...experiment.model, engine: 'wllama' as const } };
		expect(app.draft.apply(onWllama)).toBeNull();
		expect(app.loader.cpuEngine).toBe('wllama');
		// Loaded already, but on our engine: opening it loads it again on wllama.
		expect(await app.draft.open(onWllama)).toBeNull();
		expect(client.loadEngines.at(-1)).toBe('wllama');
		expect(app.loader.loadedEngine).toBe('wllama');
		const loads = client.loads.length;
		expect(await app.draft.open(onWllama)).toBeNull();
		expect(client.loads).toHaveLength(loads);
		expect(app.draft.apply(experiment)).toBeNull();
		expect(app.loader.cpuEngine).toBe('llama');
	});

	it('presets and reset replace values and clear invalid fields; reset keeps the seed', async () => {
		const { app } = await startedTestApp();
		app.settings.params.seed = 5;
		app.settings.maxNewTokens = 3;
		app.validity.set('temperature', 'bad');
		app.settings.applyPreset(PRESETS[0]);
		expect(app.validity.message()).toBeNull();
		app.settings.params.temperature = 1.9;
		app.settings.resetParams();
		expect(app.settings.params.temperature).toBe(DEFAULT_SAMPLING_PARAMS.temperature);
		expect(app.settings.params.seed).toBe(5);
		expect(app.settings.maxNewTokens).not.toBe(3);
	});

	it('field validity joins the messages of every invalid field', () => {
		const { app } = createTestApp();
		app.validity.set('a', 'A is wrong.');
		app.validity.set('b', 'B is wrong.');
		expect(app.validity.message()).toBe('A is wrong. B is wrong.');
		app.validity.set('a', null);
		expect(app.validity.message()).toBe('B is wrong.');
	});

	it('shown prompt tokens belong to the model they were made with', async () => {
		const { app } = await startedTestApp();
		app.prompt.prompt = 'ab';
		await app.prompt.showPrompt();
		expect(app.prompt.promptTokens?.map((t) => t.id)).toEqual([97, 98]);
		await app.loader.loadSelected();
		expect(app.prompt.promptTokens).toBeNull();
	});

	it('asks for special tokens in the user text only when the option is on, and restores it', async () => {
		const { app } = await startedTestApp();
		app.prompt.prompt = 'a<|im_end|>';
		expect(app.prompt.input()).toEqual({ mode: 'completion', prompt: 'a<|im_end|>' });
		app.prompt.parseSpecial = true;
		app.prompt.mode = 'chat';
		const input = app.prompt.input();
		expect(input).toMatchObject({ mode: 'chat', parseSpecial: true });
		app.prompt.parseSpecial = false;
		app.prompt.apply(input);
		expect(app.prompt.parseSpecial).toBe(true);
	});

	it('what-if keys cover every stage parameter, the seed and the order', () => {
		expect(WHAT_IF_KEYS).toEqual(expect.arrayContaining(PARAM_SPECS.map((spec) => spec.key)));
		expect(WHAT_IF_KEYS).toEqual(expect.arrayContaining(['seed', 'order']));
	});

	it('native mode on WebLLM ignores top-k and min-p, and says so in one list', () => {
		const webllm = nativeMode('webllm');
		expect(webllm?.ignored('topK')).toContain('WebLLM has no top-k');
		expect(webllm?.ignored('temperature')).toBeNull();
		expect(webllm?.unsupported).toContain('stage order');
	});

	it('native mode on wllama honours every stage llama.cpp runs, not the order nor the stages it lacks; our engine has none', () => {
		const wllama = nativeMode('wllama');
		expect(wllama?.sampler).toContain("llama.cpp's own sampler");
		expect(wllama?.ignored('topK')).toBeNull();
		expect(wllama?.ignored('order')).toContain('logit bias, then penalties, top-k');
		expect(wllama?.ignored('topA')).toContain('has no top-a');
		expect(wllama?.unsupported).toEqual([
			'top-a',
			'epsilon cutoff',
			'eta cutoff',
			'top-nσ',
			'typical-p',
			'tail-free (tfs)',
			'quadratic smoothing',
			'no-repeat n-gram',
			'mirostat v1 m',
			'XTC',
			'DRY',
			'seeds that match other engines',
			'stage order',
			'traces'
		]);
		expect(nativeMode('llama')).toBeNull();
		expect(nativeMode(null)).toBeNull();
	});

	it('the error banner offers a reload only for a lost GPU device', () => {
		const { app } = createTestApp();
		app.notices.showEngineError(Object.assign(new Error('lost'), { code: 'device-lost' }));
		expect(app.notices.offerReload).toBe(true);
		app.notices.dismissError();
		expect([app.notices.error, app.notices.offerReload]).toEqual(['', false]);
	});
});

describe('Sharing', () => {
	it('a single run link fixes the seed the last run drew, and says so', async () => {
		const { app } = await startedTestApp();
		expect(app.sharing.current('single').experiment.params.seed).toBeNull();
		await app.single.run();
		expect(app.sharing.current('single').experiment.params.seed).toBe(7);
		expect(app.sharing.note('single')).toBe('The link fixes seed 7, the seed of the last run.');
	});

	it('a compare link carries the sweep, and warns when lanes cannot be reproduced', async () => {
		const { app } = await startedTestApp();
		app.compare.axisParam = 'temperature';
		app.compare.axisText = '0.5, 1';
		expect(app.sharing.current('compare').experiment.sweep).toEqual([
			{ param: 'temperature', text: '0.5, 1' }
		]);
		expect(app.sharing.note('compare')).toMatch(/^The seed is random/);
		app.compare.useSeeds(3);
		expect(app.sharing.note('compare')).toBe('');
	});
});

describe('a skill picked in chat mode', () => {
	it('fills the system prompt; the experiment records the skill and what was actually sent', async () => {
		const { app } = await startedTestApp();
		const tutor = app.skills.named('Step-by-step tutor');
		app.prompt.mode = 'chat';
		app.prompt.pickSkill(tutor ?? null);
		expect(app.prompt.systemPrompt).toBe(tutor?.systemPrompt);
		expect(app.prompt.skillEdited).toBe(false);
		app.prompt.systemPrompt += ' Use metric units.';
		expect(app.prompt.skillEdited).toBe(true);
		const experiment = app.draft.current();
		expect(experiment.skill).toEqual({
			name: 'Step-by-step tutor',
			systemPrompt: tutor?.systemPrompt
		});
		expect(experiment.input).toMatchObject({
			systemPrompt: `${tutor?.systemPrompt} Use metric units.`
		});
		// Put back on another page, the pick and the edited prompt both come back.
		const other = await startedTestApp();
		other.app.draft.apply(experiment);
		expect(other.app.prompt.skill).toEqual(experiment.skill);
		expect(other.app.prompt.systemPrompt).toBe(`${tutor?.systemPrompt} Use metric units.`);
		expect(other.app.prompt.skillEdited).toBe(true);
	});

	it('is not recorded in completion mode', async () => {
		const { app } = await startedTestApp();
		app.prompt.pickSkill(app.skills.named('JSON only') ?? null);
		expect(app.draft.current().skill).toBeUndefined();
	});
});
