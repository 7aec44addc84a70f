import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
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
