import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ManualFrames } from './frame-batcher';
import { createTestApp, failedRun, MODELS_URL, startedTestApp } from './testing/test-app';

describe('SingleRun', () => {
	it('streams the output and live stats, then shows the result and seed', async () => {
		const frames = new ManualFrames();
		const { app, client } = await startedTestApp({ frames });
		client.holdGenerations = true;
		const running = app.single.run();
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(app.single.running).toBe(true);
		// The token reaches the page's state at the next frame.
		expect(app.single.output).toBe('');
		frames.tick();
		expect(app.single.output).toBe('<10>');
		expect(app.single.seedUsed).toBe(7);
		expect(app.single.live.tokens).toBe(1);
		client.finishGeneration();
		await running;
		expect(app.single.running).toBe(false);
		expect(app.single.output).toBe('<10><11><12>');
		expect(app.single.result?.finishReason).toBe('max-tokens');
		expect(app.single.completedRuns).toBe(1);
		expect(client.generations[0]).toMatchObject({
			input: { mode: 'completion', prompt: 'Once upon a time' },
			maxNewTokens: app.settings.maxNewTokens,
			sampling: 'exact',
			trace: { topN: expect.any(Number) }
		});
	});

	it('tokens that arrive between two frames reach the output together, at the frame', async () => {
		const frames = new ManualFrames();
		const { app, client } = await startedTestApp({ frames });
		client.holdGenerations = true;
		const running = app.single.run();
		await new Promise((resolve) => setTimeout(resolve, 0));
		frames.tick();
		expect(app.single.output).toBe('<10>');
		// The rest of the run arrives before the next frame: the state waits for that frame…
		client.finishGeneration();
		await running;
		// …or for the run's end, which shows every token before the result.
		expect(app.single.output).toBe('<10><11><12>');
		expect(app.single.live.tokens).toBe(3);
		expect(frames.pending).toBe(0);
		expect(frames.requested).toBe(2);
	});

	it('an invalid field blocks the run and says why', async () => {
		const { app, client } = await startedTestApp();
		app.validity.set('temperature', 'Temperature must be between 0 and 2.');
		await app.single.run();
		expect(client.generations).toHaveLength(0);
		expect(app.notices.error).toBe('Temperature must be between 0 and 2.');
	});

	it('the banner of a refused run goes once its field is valid again', async () => {
		const { app, client } = await startedTestApp();
		app.validity.set('temperature', 'Temperature must be a number in [0, 2]; got 5.');
		app.validity.set('topP', 'Top-p must be above 0.');
		await app.single.run();
		expect(client.generations).toHaveLength(0);
		expect(app.notices.error).toBe(
			'Temperature must be a number in [0, 2]; got 5. Top-p must be above 0.'
		);
		app.validity.set('temperature', null);
		expect(app.notices.error).toBe('Top-p must be above 0.');
		// A field that turns invalid later did not block that run: the banner does not take it up.
		app.validity.set('minP', 'Min-p must be at most 1.');
		app.validity.set('topP', null);
		expect(app.notices.error).toBe('');
	});

	it('a run error stays until a later run succeeds', async () => {
		const test = await startedTestApp();
		const { app } = test;
		await failedRun(test);
		expect(app.notices.error).toBe('The engine ran out of memory');
		await app.single.run();
		expect(app.single.result).not.toBeNull();
		expect(app.notices.error).toBe('');
	});

	it('asks for a model first when none is loaded', async () => {
		const { app, client, sources } = createTestApp();
		sources.local = [];
		await app.start(MODELS_URL, { reopen: false });
		await app.single.run();
		expect(client.generations).toHaveLength(0);
		expect(app.notices.error).toBe('Load a model first.');
	});

	it('bans the end of text through the logit bias and sends the stop sequences', async () => {
		const { app, client } = await startedTestApp();
		app.settings.banEndOfText = true;
		app.settings.stopSequences = 'The end\n\nOnce';
		await app.single.run();
		expect(client.generations[0].params.logitBias).toEqual({ 2: -100 });
		expect(client.generations[0].stopSequences).toEqual(['The end', 'Once']);
	});

	it('a chat turn joins the conversation and clears the message', async () => {
		const { app } = await startedTestApp();
		app.prompt.mode = 'chat';
		app.prompt.prompt = 'Hello';
		await app.single.run();
		expect(app.prompt.conversation).toEqual([
			{ role: 'user', content: 'Hello' },
			{ role: 'assistant', content: '<10><11><12>' }
		]);
		expect(app.prompt.prompt).toBe('');
	});

	it('times the first and the last token on screen from the click, and records them', async () => {
		// A made-up screen: each frame comes 16 ms after it is asked for.
		const screen = {
			t: 1_000,
			now: () => screen.t,
			afterPaint: async () => (screen.t += 16)
		};
		const frames = new ManualFrames();
		const { app, client } = await startedTestApp({ screen, frames });
		client.holdGenerations = true;
		const running = app.single.run({ clickedAt: 990 });
		await new Promise((resolve) => setTimeout(resolve, 0));
		// The first token reaches the page's state at a frame…
		frames.tick();
		await new Promise((resolve) => setTimeout(resolve, 0));
		// …and is on screen in the frame after it reached the page: 1,016 − 990 ms.
		expect(app.single.live.firstTokenOnScreenMs).toBe(26);
		screen.t = 1_500;
		client.finishGeneration();
		await running;
		const stats = app.single.result!.stats;
		expect(stats.firstTokenOnScreenMs).toBe(26);
		expect(stats.lastTokenOnScreenMs).toBe(1_516 - 990);
		// The worker's figures stay as they were measured there.
		expect(stats.decodeMs).toBe(200);
		await app.history.settled();
		const record = await app.history.store.get(app.history.items[0].id);
		expect(record?.runs[0].stats).toMatchObject({
			firstTokenOnScreenMs: 26,
			lastTokenOnScreenMs: 526,
			decodeMs: 200
		});
	});

	it('a run nothing showed (no screen) has no figures on screen', async () => {
		const { app } = await startedTestApp();
		await app.single.run();
		expect(app.single.result?.stats).toMatchObject({
			firstTokenOnScreenMs: null,
			lastTokenOnScreenMs: null
		});
	});

	it('records the run in the history as it streams', async () => {
		const { app } = await startedTestApp();
		await app.single.run();
		await app.history.settled();
		const [item] = app.history.items;
		expect(item.kind).toBe('single');
		expect(app.history.openId).toBe(item.id);
		const record = await app.history.store.get(item.id);
		expect(record?.runs[0]).toMatchObject({ status: 'done', text: '<10><11><12>', seed: 7 });
	});

	it('a failed run shows the error and is recorded as failed', async () => {
		const test = await startedTestApp();
		const { app } = test;
		await failedRun(test);
		expect(app.notices.error).toContain('ran out of memory');
		await app.history.settled();
		const record = await app.history.store.get(app.history.items[0].id);
		expect(record?.runs[0].status).toBe('failed');
	});

	it('a worker crash mid-run fails the run with its reason in one banner, and runs work again', async () => {
		const { app, client } = await startedTestApp();
		client.holdGenerations = true;
		const running = app.single.run();
		await new Promise((resolve) => setTimeout(resolve, 0));
		client.crash('out of memory');
		await running;
		expect(app.single.running).toBe(false);
		expect(app.notices.error).toBe('');
		expect(app.notices.notice).toBe(
			'The model worker crashed during the run (out of memory). It has been restarted and Fake model is loading again; run again when it is ready.'
		);
		await app.history.settled();
		const record = await app.history.store.get(app.history.items[0].id);
		expect(record?.runs[0]).toMatchObject({
			status: 'failed',
			error: 'The model worker crashed during this run (out of memory).'
		});
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(app.loader.model).not.toBeNull();
		client.holdGenerations = false;
		await app.single.run();
		expect(app.single.result?.finishReason).toBe('max-tokens');
		expect(app.notices.error).toBe('');
	});

	it('Stop asks the worker to stop only while running', async () => {
		const { app, client } = await startedTestApp();
		await app.single.stop();
		expect(client.stops).toBe(0);
		client.holdGenerations = true;
		const running = app.single.run();
		await new Promise((resolve) => setTimeout(resolve, 0));
		await app.single.stop();
		await running;
		expect(client.stops).toBe(1);
	});
});
