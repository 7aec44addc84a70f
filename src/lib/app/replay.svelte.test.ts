import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createTestApp, MODELS_URL } from './testing/test-app';

async function recordedRun() {
	const test = createTestApp();
	await test.app.start(MODELS_URL, { reopen: false });
	test.app.settings.params.seed = 42;
	await test.app.single.run();
	await test.app.history.settled();
	const record = await test.app.history.store.get(test.app.history.items[0].id);
	if (!record) throw new Error('the run was not recorded');
	return { ...test, record };
}

describe('Replay', () => {
	it('replays a stored run with its seed and settings and finds it identical', async () => {
		const { app, client, record } = await recordedRun();
		await app.replay.replay(record);
		expect(app.replay.running).toBe(false);
		expect(app.replay.sessionId).toBe(record.id);
		expect(app.replay.outcomes).toEqual([
			expect.objectContaining({ runId: 'run', verdict: { kind: 'identical', tokens: 3 } })
		]);
		expect(client.generations.at(-1)?.params.seed).toBe(42);
	});

	it('replays each lane of a skill sweep with the system prompt that lane sent', async () => {
		const { app, client } = createTestApp();
		await app.start(MODELS_URL, { reopen: false });
		app.prompt.mode = 'chat';
		app.compare.axisParam = 'skill';
		app.compare.axisText = 'Storyteller, JSON only';
		await app.compare.run();
		await app.history.settled();
		const record = await app.history.store.get(app.history.items[0].id);
		if (!record) throw new Error('the compare was not recorded');
		await app.replay.replay(record);
		expect(app.replay.outcomes).toHaveLength(2);
		expect(
			client.generations.slice(-2).map((g) => g.input.mode === 'chat' && g.input.systemPrompt)
		).toEqual([
			app.skills.named('Storyteller')?.systemPrompt,
			app.skills.named('JSON only')?.systemPrompt
		]);
	});

	it('says where a replay parts from the stored output, with both tokens', async () => {
		const { app, client, record } = await recordedRun();
		client.tokens = [10, 99, 12];
		await app.replay.replay(record);
		const [outcome] = app.replay.outcomes ?? [];
		expect(outcome.verdict).toEqual({ kind: 'differs', step: 1, saved: 11, now: 99 });
		expect(outcome.pieces).toEqual({ saved: '<11>', now: '<99>' });
	});

	it('notes a model file that changed since the session was saved', async () => {
		const { app, client, record } = await recordedRun();
		client.model = { ...client.model, sha256: 'b'.repeat(64) };
		// The stored session named the file it ran on; a fresh load now reads another.
		await app.loader.loadSelected();
		await app.replay.replay(record);
		expect(app.replay.note).toContain('The model file changed');
	});

	it('replays a run recorded on wllama on wllama, whatever CPU engine is picked now', async () => {
		const { app, client, record } = await recordedRun();
		const onWllama = {
			...record,
			experiment: {
				...record.experiment,
				model: { ...record.experiment.model, engine: 'wllama' as const }
			}
		};
		await app.replay.replay(onWllama);
		expect(client.loadEngines.at(-1)).toBe('wllama');
		expect(app.loader.loadedEngine).toBe('wllama');
		expect(app.replay.outcomes?.[0].verdict).toEqual({ kind: 'identical', tokens: 3 });
	});

	it('a failed run is not replayed, and says why', async () => {
		const { app, record } = await recordedRun();
		const failed = { ...record, runs: [{ ...record.runs[0], status: 'failed' as const }] };
		await app.replay.replay(failed);
		expect(app.replay.outcomes?.[0].problem).toContain('nothing to check');
	});

	it('replays the session open on the page, once it is saved and nothing streams', async () => {
		const { app, client, record } = await recordedRun();
		expect(app.replay.openId).toBe(record.id);
		expect(app.replay.available).toBe(true);
		expect(app.replay.openOutcomes).toBeNull();
		client.holdGenerations = true;
		const running = app.single.run();
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(app.replay.available).toBe(false);
		client.finishGeneration();
		await running;
		client.holdGenerations = false;
		await app.history.settled();
		await app.replay.replayOpen();
		expect(app.replay.openOutcomes).toHaveLength(1);
	});
});
