import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS } from '#lib/sampling';
import { readReadableLink, writeReadableLink } from './readable-link';

function read(fragment: string) {
	const result = readReadableLink(fragment);
	if (!result.ok) throw new Error(result.problems.join('; '));
	return result.value;
}

function problemsOf(fragment: string): string[] {
	const result = readReadableLink(fragment);
	return result.ok ? [] : result.problems;
}

describe('readable links', () => {
	it('open a completion run with the defaults for everything left out', () => {
		const { experiment, view } = read('#?model=stories260K&prompt=Once%20upon%20a%20time');
		expect(view).toBe('single');
		expect(experiment.model).toEqual({
			id: 'stories260K',
			name: 'stories260K',
			engine: 'llama',
			sha256: null
		});
		expect(experiment.input).toEqual({ mode: 'completion', prompt: 'Once upon a time' });
		expect(experiment.params).toEqual(DEFAULT_SAMPLING_PARAMS);
		expect(experiment.maxNewTokens).toBe(256);
		expect(experiment.stopSequences).toEqual([]);
	});

	it('take every sampling parameter by its name, the seed and the stage order', () => {
		const { experiment } = read(
			'#?model=m&prompt=x&temperature=0.2&topK=5&dryMultiplier=0.8&seed=42&order=top-k,temperature,dry'
		);
		expect(experiment.params).toMatchObject({ temperature: 0.2, topK: 5, dryMultiplier: 0.8 });
		expect(experiment.params.seed).toBe(42);
		expect(experiment.params.order).toEqual(['top-k', 'temperature', 'dry']);
		expect(read('#?model=m&seed=random').experiment.params.seed).toBeNull();
	});

	it('open a sweep in the compare view, and a chat from user messages', () => {
		const sweep = read('#?model=m&prompt=x&sweep=temperature:0.2,0.8,1.5&stop=.&stop=!');
		expect(sweep.view).toBe('compare');
		expect(sweep.experiment.sweep).toEqual([{ param: 'temperature', text: '0.2,0.8,1.5' }]);
		expect(sweep.experiment.stopSequences).toEqual(['.', '!']);
		const chat = read('#?model=m&system=Be%20brief&user=Hi&user=Tell%20a%20story');
		expect(chat.experiment.input).toEqual({
			mode: 'chat',
			systemPrompt: 'Be brief',
			messages: [
				{ role: 'user', content: 'Hi' },
				{ role: 'user', content: 'Tell a story' }
			]
		});
	});

	it('name every bad field, as the experiment reader does', () => {
		const problems = problemsOf('#?model=m&prompt=x&topK=-1&temperature=hot&colour=red&view=grid');
		expect(problems.some((p) => p.startsWith('params.topK'))).toBe(true);
		expect(problems.some((p) => p.startsWith('params.temperature') && p.includes('hot'))).toBe(
			true
		);
		expect(problems).toContain('colour: is not a known field (remove it)');
		expect(problems.some((p) => p.startsWith('view:'))).toBe(true);
		expect(problemsOf('#?prompt=x').some((p) => p.startsWith('model.id'))).toBe(true);
		expect(problemsOf('#?model=m&topK=1&topK=2')).toEqual([
			'topK: is given 2 times (give it once)'
		]);
		expect(problemsOf('#?model=m&prompt=x&user=y')).toEqual([
			'prompt: give a prompt or `user` messages, not both'
		]);
		expect(problemsOf('#?model=m&sweep=temperature').some((p) => p.startsWith('sweep'))).toBe(true);
	});

	it('are written back by the writer, so a script names its fields instead of encoding them', () => {
		const fragment = writeReadableLink({
			model: 'stories260k',
			prompt: 'Once upon a time & then',
			temperature: 0.2,
			topK: 5,
			seed: 42,
			order: ['top-k', 'temperature'],
			stop: ['.', '!'],
			sweep: ['seed:1, 2, 3'],
			maxNewTokens: 30
		});
		expect(fragment).toBe(
			'#?model=stories260k&prompt=Once%20upon%20a%20time%20%26%20then&temperature=0.2&topK=5' +
				'&seed=42&order=top-k%2Ctemperature&stop=.&stop=%21&sweep=seed%3A1%2C%202%2C%203&maxNewTokens=30'
		);
		const { experiment, view } = read(fragment);
		expect(view).toBe('compare');
		expect(experiment.input).toEqual({ mode: 'completion', prompt: 'Once upon a time & then' });
		expect(experiment.params).toMatchObject({ temperature: 0.2, topK: 5, seed: 42 });
		expect(experiment.params.order).toEqual(['top-k', 'temperature']);
		expect(experiment.stopSequences).toEqual(['.', '!']);
		expect(experiment.sweep).toEqual([{ param: 'seed', text: '1, 2, 3' }]);
		expect(experiment.maxNewTokens).toBe(30);
		expect(
			read(writeReadableLink({ model: 'm', seed: 'random' })).experiment.params.seed
		).toBeNull();
	});

	it('switch on a stage that is off by default when they set its parameter, unless they give the order', () => {
		const dry = read('#?model=m&prompt=x&dryMultiplier=0.8').experiment.params;
		expect(dry.order).toContain('dry');
		expect(dry.order.indexOf('dry')).toBe(dry.order.indexOf('temperature') - 1);
		expect(read('#?model=m&prompt=x&dryMultiplier=0').experiment.params.order).toEqual(
			DEFAULT_SAMPLING_PARAMS.order
		);
		const ordered = read('#?model=m&prompt=x&dryMultiplier=0.8&order=top-k,temperature');
		expect(ordered.experiment.params.order).toEqual(['top-k', 'temperature']);
	});
});
