import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { Experiment } from '#lib/core/experiment';
import { encodeShareFragment, type ShareView } from '#lib/formats/share-link';
import { startedTestApp } from './testing/test-app';

describe('the app as the page drives it', () => {
	it('a share link read once the models are listed opens in its view', async () => {
		const { app } = await startedTestApp();
		const shared = {
			...app.draft.current(),
			maxNewTokens: 77,
			sweep: [{ param: 'seed' as const, text: '1, 2' }]
		};
		const encoded = await encodeShareFragment({ experiment: shared, view: 'compare' });
		if (!encoded.ok) throw new Error(encoded.message);
		const link = await app.readShareLink(encoded.value, Promise.reject(new Error('no list')));
		const shown: ShareView[] = [];
		await app.openShareLink(link, (view) => shown.push(view));
		expect(shown).toEqual(['compare']);
		expect(app.settings.maxNewTokens).toBe(77);
		expect(app.notices.error).toBe('');
	});

	it('a damaged link changes nothing and says what is wrong', async () => {
		const { app } = await startedTestApp();
		const before = app.draft.current();
		const link = await app.readShareLink('#x=%%%', Promise.resolve());
		const shown: ShareView[] = [];
		await app.openShareLink(link, (view) => shown.push(view));
		expect(shown).toEqual([]);
		expect(app.notices.error).toMatch(/share link/i);
		expect(app.draft.current()).toEqual(before);
	});

	it('a link that opens takes away the message of a damaged link opened before', async () => {
		const { app } = await startedTestApp();
		await app.openShareLink(await app.readShareLink('#x=%%%', Promise.resolve()), () => {});
		expect(app.notices.error).toMatch(/This share link cannot be opened/);
		const shared = { ...app.draft.current(), maxNewTokens: 9 };
		const encoded = await encodeShareFragment({ experiment: shared, view: 'single' });
		if (!encoded.ok) throw new Error(encoded.message);
		await app.openShareLink(await app.readShareLink(encoded.value, Promise.resolve()), () => {});
		expect(app.settings.maxNewTokens).toBe(9);
		expect(app.notices.error).toBe('');
	});

	it('a link the loaded model cannot run says so when it opens, with the remedy', async () => {
		const { app, client } = await startedTestApp();
		const open = async (changes: Partial<Experiment>) => {
			const shared = { ...app.draft.current(), ...changes };
			const encoded = await encodeShareFragment({ experiment: shared, view: 'single' });
			if (!encoded.ok) throw new Error(encoded.message);
			app.notices.notice = '';
			await app.openShareLink(await app.readShareLink(encoded.value, Promise.resolve()), () => {});
		};
		const params = app.draft.current().params;

		await open({ params: { ...params, topK: 1e20 } });
		expect(app.notices.notice).toContain(
			"Top-k 100000000000000000000 is more than Fake model's vocabulary of 100 tokens. Set it in the parameter panel to at most 100"
		);
		const message = 'Top-k must be an integer in [0, 100]; got 100000000000000000000.';
		expect(app.validity.of('topK')).toBe(message);
		expect(app.settings.params.topK).toBe(1e20);
		await app.run('single');
		expect(client.generations).toHaveLength(0);
		expect(app.notices.error).toBe(message);

		await open({ params: { ...params, logitBias: { 5: 1, 150: 2, 1000: -1 } } });
		expect(app.notices.notice).toContain('The link biases token ids 150, 1000, which Fake model');
		expect(app.validity.message()).toBeNull();
		await app.run('single');
		expect(client.generations.at(-1)?.params.logitBias).toEqual({ 5: 1 });

		await open({ sampling: 'native' });
		expect(app.notices.notice).toContain('The link asks for native sampling');
		expect(app.loader.samplingMode).toBe('exact');
		await app.run('single');
		expect(client.generations).toHaveLength(2);
		expect(client.generations.at(-1)?.sampling ?? 'exact').toBe('exact');
	});

	it('Ctrl+Enter runs what the view shows, and Esc stops what runs', async () => {
		const { app, client } = await startedTestApp();
		await app.run('single');
		expect(client.generations).toHaveLength(1);
		app.compare.useSeeds(2);
		await app.run('compare');
		expect(client.laneRequests).toHaveLength(1);
		await app.stop();
		expect(client.stops).toBe(0);
		client.holdGenerations = true;
		const running = app.run('single');
		await new Promise((resolve) => setTimeout(resolve, 0));
		await app.stop();
		await running;
		expect(client.stops).toBe(1);
	});
});
