import 'fake-indexeddb/auto';
import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StepTrace } from '#lib/sampling';
import { newRun } from '#lib/storage/sessions-recording';
import { WHATIF_DELAY_MS } from './explore.svelte';
import { fakeModel } from './testing/fake-client';
import { createTestApp, MODELS_URL, startedTestApp } from './testing/test-app';

async function ranApp() {
	const test = createTestApp();
	await test.app.start(MODELS_URL, { reopen: false });
	await test.app.single.run();
	await vi.waitFor(() => expect(test.app.explore.nodes.length).toBeGreaterThan(0));
	return test;
}

function trace(chosenId: number, candidates: number[]): StepTrace {
	return {
		step: 0,
		distribution: 'logits',
		candidates: candidates.map((id) => ({
			id,
			logit: 0,
			rawProbability: 1 / candidates.length,
			probabilities: [],
			removedBy: null
		})),
		stages: [],
		u: 0.5,
		chosenId,
		chosenProbability: 0.5,
		entropyBefore: 1,
		entropyAfter: 1
	};
}

describe('ExploreState', () => {
	beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
	afterEach(() => vi.useRealTimers());

	it('a finished run brings its tree and token texts into view', async () => {
		const { app } = await ranApp();
		expect(app.explore.path.map((t) => t.tokenId)).toEqual([10, 11, 12]);
		expect(app.explore.live).toBe(true);
		await vi.waitFor(() => expect(app.explore.shownPiece(11)).toBe('<11>'));
	});

	it("marks the tokens the model's vocabulary calls special", async () => {
		const { app, client } = await startedTestApp();
		expect(app.explore.isSpecial(7)).toBe(false);
		client.model = fakeModel({ specialIds: [1, 2, 7] });
		await app.loader.loadSelected();
		expect(app.explore.isSpecial(7)).toBe(true);
		expect(app.explore.isSpecial(8)).toBe(false);
	});

	it('with what-if on, a penalty change re-samples once the edits pause', async () => {
		const { app, client } = await ranApp();
		app.explore.whatIf = true;
		flushSync();
		await vi.advanceTimersByTimeAsync(WHATIF_DELAY_MS);
		expect(client.resamples).toHaveLength(1);

		app.settings.params.presencePenalty = 0.5;
		flushSync();
		app.settings.params.presencePenalty = 0.6;
		flushSync();
		await vi.advanceTimersByTimeAsync(WHATIF_DELAY_MS - 1);
		expect(client.resamples).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(client.resamples).toHaveLength(2);
		expect(client.resamples[1].presencePenalty).toBe(0.6);
		expect(app.explore.lastWhatIf).toEqual({ stored: 1, model: 1 });
	});

	it("holds the previous run's tokens back while a new run streams, and shows the new ones", async () => {
		const { app, client } = await ranApp();
		expect(app.explore.awaitingRun).toBe(false);
		client.holdGenerations = true;
		const running = app.single.run();
		flushSync();
		expect(app.explore.awaitingRun).toBe(true);
		client.finishGeneration();
		await running;
		expect(app.explore.awaitingRun).toBe(false);
		expect(app.explore.path.map((t) => t.tokenId)).toEqual([10, 11, 12]);
	});

	it('a run in progress is not re-sampled (Regenerate sets a new seed as it starts one)', async () => {
		const { app, client } = await ranApp();
		app.explore.whatIf = true;
		flushSync();
		await vi.advanceTimersByTimeAsync(WHATIF_DELAY_MS);
		expect(client.resamples).toHaveLength(1);
		client.holdGenerations = true;
		const running = app.actions.regenerate();
		flushSync();
		await vi.advanceTimersByTimeAsync(WHATIF_DELAY_MS);
		expect(app.single.running).toBe(true);
		expect(client.resamples).toHaveLength(1);
		client.finishGeneration();
		await running;
		expect(app.explore.error).toBe('');
	});

	it('re-samples on every stage parameter, the seed and the order, but not on the length', async () => {
		const { app, client } = await ranApp();
		app.explore.whatIf = true;
		flushSync();
		await vi.advanceTimersByTimeAsync(WHATIF_DELAY_MS);
		const changes: (() => void)[] = [
			() => (app.settings.params.repeatPenalty = 1.3),
			() => (app.settings.params.frequencyPenalty = 0.4),
			() => (app.settings.params.repeatLastN = 32),
			() => (app.settings.params.topK = 5),
			() => (app.settings.params.xtcProbability = 0.5),
			() => (app.settings.params.xtcThreshold = 0.2),
			() => (app.settings.params.seed = 99),
			() => app.settings.params.order.reverse()
		];
		for (const change of changes) {
			change();
			flushSync();
			await vi.advanceTimersByTimeAsync(WHATIF_DELAY_MS);
		}
		expect(client.resamples).toHaveLength(1 + changes.length);
		app.settings.maxNewTokens = 10;
		flushSync();
		await vi.advanceTimersByTimeAsync(WHATIF_DELAY_MS);
		expect(client.resamples).toHaveLength(1 + changes.length);
	});

	it('with what-if off, parameter changes re-sample nothing', async () => {
		const { app, client } = await ranApp();
		app.settings.params.temperature = 1.5;
		flushSync();
		await vi.advanceTimersByTimeAsync(WHATIF_DELAY_MS * 2);
		expect(client.resamples).toHaveLength(0);
	});

	it('no what-if re-samples while compare lanes use the worker', async () => {
		const { app, client } = await ranApp();
		app.explore.whatIf = true;
		flushSync();
		await vi.advanceTimersByTimeAsync(WHATIF_DELAY_MS);
		app.compare.running = true;
		app.settings.params.temperature = 1.5;
		flushSync();
		await vi.advanceTimersByTimeAsync(WHATIF_DELAY_MS);
		expect(client.resamples).toHaveLength(1);
	});

	it('a stored run is explained from its traces, and the token picked shows its candidates', async () => {
		const { app } = createTestApp();
		const run = {
			...newRun({ id: 'run', label: '', modelId: 'stories260k', params: app.settings.params }),
			status: 'done' as const,
			text: 'ab',
			tokens: [
				{ id: 5, piece: 'a', trace: trace(5, [5, 40, 41]) },
				{ id: 6, piece: 'b' }
			]
		};
		await app.start(MODELS_URL, { reopen: false });
		app.single.showStoredRun(run);
		expect(app.explore.live).toBe(false);
		expect(app.explore.path.map((t) => [t.tokenId, t.trace !== null])).toEqual([
			[5, true],
			[6, false]
		]);
		expect(app.explore.pieceOf(5)).toBe('a');
		app.explore.selected = 0;
		flushSync();
		await vi.waitFor(() => expect(app.explore.pieceOf(41)).toBe('<41>'));
	});

	it('step mode adds one token after the branch on view', async () => {
		const { app } = await ranApp();
		await app.explore.startStepMode();
		expect(app.explore.leaf).toBe(0);
		await app.explore.step();
		expect(app.explore.path).toHaveLength(1);
		expect(app.explore.selected).toBe(0);
	});

	it('a picked token reads and is coloured by its own model p, not the draw it replaced', async () => {
		const { app, client } = await ranApp();
		// The sampler draws token 50 (p 0.984); the user picks 77 (p 0.006).
		client.stepTrace = {
			...trace(50, [50, 77]),
			candidates: [
				{ id: 50, logit: 4, rawProbability: 0.984, probabilities: [0.99], removedBy: null },
				{ id: 77, logit: -1, rawProbability: 0.006, probabilities: [0.01], removedBy: null }
			]
		};
		await app.explore.startStepMode();
		await app.explore.step();
		const drawn = app.explore.path[0];
		expect(app.explore.describeToken(drawn)).toBe('p 0.984');
		await app.explore.pick(0, 77);
		const picked = app.explore.path[0];
		expect(picked).toMatchObject({ tokenId: 77, pickedBy: 'user' });
		expect(app.explore.describeToken(picked)).toBe('p 0.006');
		expect(app.explore.scoreOf(picked, 1)).toBeCloseTo(0.006, 6);
		app.explore.metric = 'rank';
		expect(app.explore.describeToken(picked)).toBe('rank 2');
		expect(app.explore.scoreOf(picked, 1)).toBe(0.5);
		// The why panel still explains the draw.
		expect(picked.trace?.chosenId).toBe(50);
	});

	it('step mode streams its branch into the Output box, token count too', async () => {
		const { app } = await ranApp();
		expect(app.single.output).toBe('<10><11><12>');
		await app.explore.startStepMode();
		expect(app.single.output).toBe('');
		expect(app.single.live.tokens).toBe(0);
		await app.explore.step();
		await app.explore.step();
		expect(app.single.output).toBe('<50><50>');
		expect(app.single.live.tokens).toBe(2);
		await app.explore.pick(1, 77);
		expect(app.single.output).toBe('<50><77>');
		app.explore.back();
		expect(app.single.output).toBe('<50>');
		expect(app.single.live.tokens).toBe(1);
		expect(app.single.result).toBeNull();
		// The seed the steps draw with is shown (the last run's, as the panel says random).
		expect(app.single.seedUsed).toBe(7);
		app.settings.params.seed = 123;
		await app.explore.step();
		expect(app.single.seedUsed).toBe(123);
		app.explore.back();
		// A run takes the Output box back, and its tree stops driving it.
		await app.single.run();
		await vi.waitFor(() => expect(app.explore.path.map((t) => t.tokenId)).toEqual([10, 11, 12]));
		app.explore.back();
		expect(app.single.output).toBe('<10><11><12>');
	});
});
