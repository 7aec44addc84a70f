import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ManualFrames } from './frame-batcher';
import { startedTestApp } from './testing/test-app';

describe('CompareState', () => {
	it('runs one lane per seed with the prompt evaluated once, and records the compare', async () => {
		const { app, client } = await startedTestApp();
		app.compare.useSeeds(3);
		await app.compare.run();
		expect(app.compare.running).toBe(false);
		expect(app.compare.lanes.map((l) => l.status)).toEqual(['done', 'done', 'done']);
		expect(app.compare.lanes.map((l) => l.spec.params.seed)).toEqual([1, 2, 3]);
		expect(app.compare.lanes[1].text).toBe('<12><13><14>');
		expect(app.compare.lanes[0].ranOn).toBe('Fake model · fake, 1 thread');
		expect(app.compare.promptEvaluations).toBe(1);
		expect(client.laneRequests).toHaveLength(1);
		await app.history.settled();
		const record = await app.history.store.get(app.history.items[0].id);
		expect(record?.kind).toBe('compare');
		expect(record?.experiment.sweep).toEqual([{ param: 'seed', text: '1, 2, 3' }]);
	});

	it('lanes’ streamed tokens reach their state once per frame, and all of them before the result', async () => {
		const frames = new ManualFrames();
		const { app, client } = await startedTestApp({ frames });
		client.holdLanes = true;
		app.compare.useSeeds(2);
		const running = app.compare.run();
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(app.compare.lanes[0].status).toBe('running');
		expect(app.compare.lanes[0].text).toBe('');
		frames.tick();
		expect(app.compare.lanes[0].text).toBe('<11>');
		expect(app.compare.lanes[0].tokens).toEqual([11]);
		client.finishGeneration();
		await running;
		expect(app.compare.lanes.map((l) => l.text)).toEqual(['<11><12><13>', '<12><13><14>']);
		expect(app.compare.lanes[1].pieces).toEqual(['<12>', '<13>', '<14>']);
		expect(frames.pending).toBe(0);
		await app.history.settled();
		const record = await app.history.store.get(app.history.items[0].id);
		expect(record?.runs.map((r) => r.tokens.map((t) => t.id))).toEqual([
			[11, 12, 13],
			[12, 13, 14]
		]);
	});

	it('a sweep that cannot be read is refused with its message', async () => {
		const { app, client } = await startedTestApp();
		app.compare.axisParam = 'temperature';
		app.compare.axisText = '0.5, hot';
		await app.compare.run();
		expect(client.laneRequests).toHaveLength(0);
		expect(app.compare.error).not.toBe('');
	});

	it('an invalid parameter field blocks the compare', async () => {
		const { app, client } = await startedTestApp();
		app.validity.set('topP', 'Top-p must be above 0.');
		await app.compare.run();
		expect(client.laneRequests).toHaveLength(0);
		expect(app.compare.error).toBe('Top-p must be above 0.');
		app.validity.set('topP', null);
		expect(app.compare.error).toBe('');
	});

	it('lanes on a model that cannot load fail with the reason, and the banner stays clear', async () => {
		const { app, client } = await startedTestApp();
		app.compare.axisParam = 'model';
		app.compare.axisText = 'stories260k, smollm2-135m-instruct-q8';
		client.loadError = null;
		const original = client.loadModel.bind(client);
		client.loadModel = async (source, options) => {
			if (source.kind === 'url' && source.url.includes('smollm2')) throw new Error('HTTP 404');
			return original(source, options);
		};
		await app.compare.run();
		const [first, second] = app.compare.lanes;
		expect(first.status).toBe('done');
		expect(second.status).toBe('failed');
		expect(second.error).toContain('HTTP 404');
		expect(app.notices.error).toBe('');
		// The user's model is loaded again afterwards.
		expect(app.shelf.modelId).toBe('stories260k');
		expect(app.loader.model).not.toBeNull();
	});

	it('a worker crash mid-compare fails the unfinished lanes with its reason in one banner, and lanes run again', async () => {
		const { app, client } = await startedTestApp();
		app.compare.useSeeds(3);
		client.holdLanes = true;
		const running = app.compare.run();
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(app.compare.lanes[0].status).toBe('running');
		// The model is still loading again when the compare ends.
		client.holdLoads = true;
		client.crash('out of memory');
		await new Promise((resolve) => setTimeout(resolve, 0));
		client.finishLoad();
		await running;
		const reason = 'The model worker crashed during this compare (out of memory).';
		expect(app.compare.lanes.map((l) => [l.status, l.error])).toEqual([
			['failed', reason],
			['failed', reason],
			['failed', reason]
		]);
		expect(app.compare.error).toBe('');
		expect(app.notices.error).toBe('');
		expect(app.notices.notice).toBe(
			'The model worker crashed during the compare (out of memory). It has been restarted and Fake model is loading again; run the compare again when it is ready.'
		);
		await app.history.settled();
		const record = await app.history.store.get(app.history.items[0].id);
		expect(record?.runs.map((r) => [r.status, r.error])).toEqual([
			['failed', reason],
			['failed', reason],
			['failed', reason]
		]);
		expect(app.loader.model).not.toBeNull();
		client.holdLanes = false;
		client.holdLoads = false;
		await app.compare.run();
		expect(app.compare.lanes.map((l) => l.status)).toEqual(['done', 'done', 'done']);
		expect(app.notices.error).toBe('');
	});
});

describe('CompareState: a skill sweep', () => {
	it('runs the same question under two skills, one request each, and records each lane’s skill', async () => {
		const { app, client } = await startedTestApp();
		await app.skills.create({
			name: 'Pirate',
			description: '',
			systemPrompt: 'Talk like a pirate.'
		});
		app.prompt.mode = 'chat';
		app.prompt.systemPrompt = 'Base prompt.';
		app.prompt.prompt = 'What is a ship?';
		app.compare.axisParam = 'skill';
		app.compare.axisText = 'concise assistant, pirate';
		await app.compare.run();
		expect(app.compare.lanes.map((l) => [l.status, l.spec.label])).toEqual([
			['done', 'Concise assistant'],
			['done', 'Pirate']
		]);
		expect(client.laneRequests.map((r) => r.input)).toEqual([
			{
				mode: 'chat',
				systemPrompt: app.skills.named('Concise assistant')?.systemPrompt,
				messages: [{ role: 'user', content: 'What is a ship?' }]
			},
			{
				mode: 'chat',
				systemPrompt: 'Talk like a pirate.',
				messages: [{ role: 'user', content: 'What is a ship?' }]
			}
		]);
		await app.history.settled();
		const record = await app.history.store.get(app.history.items[0].id);
		expect(record?.runs.map((r) => r.skill?.name)).toEqual(['Concise assistant', 'Pirate']);
		expect(record?.experiment.skills?.map((s) => s.name)).toEqual(['Concise assistant', 'Pirate']);
		expect(record?.experiment.sweep).toEqual([
			{ param: 'skill', text: 'concise assistant, pirate' }
		]);
	});

	it('refuses a skill axis in completion mode and an unknown skill, saying which', async () => {
		const { app, client } = await startedTestApp();
		app.compare.axisParam = 'skill';
		app.compare.axisText = 'Storyteller, JSON only';
		await app.compare.run();
		expect(app.compare.error).toMatch(
			/^Skill: a skill is a system prompt; switch the prompt to Chat/
		);
		app.prompt.mode = 'chat';
		app.compare.axisText = 'Storyteller, Pirate';
		await app.compare.run();
		expect(app.compare.error).toBe('Skill: “Pirate” is not a skill in the list.');
		expect(client.laneRequests).toHaveLength(0);
	});

	it('an opened compare runs its skills with the texts it carried, even when the library has none', async () => {
		const { app, client } = await startedTestApp();
		app.prompt.mode = 'chat';
		app.compare.applySweep(
			[{ param: 'skill', text: 'Pirate, Storyteller' }],
			[
				{ name: 'Pirate', systemPrompt: 'Arr.' },
				{ name: 'Storyteller', systemPrompt: 'Old storyteller text.' }
			]
		);
		await app.compare.run();
		expect(client.laneRequests.map((r) => r.input.mode === 'chat' && r.input.systemPrompt)).toEqual(
			['Arr.', 'Old storyteller text.']
		);
		expect(app.sharing.current('compare').experiment.skills).toEqual([
			{ name: 'Pirate', systemPrompt: 'Arr.' },
			{ name: 'Storyteller', systemPrompt: 'Old storyteller text.' }
		]);
	});
});
