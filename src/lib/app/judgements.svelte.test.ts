import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { startedTestApp } from './testing/test-app';

async function judgedApp() {
	const started = await startedTestApp();
	const { app } = started;
	app.compare.useSeeds(3);
	await app.compare.run();
	await app.history.settled();
	return started;
}

describe('Judgements', () => {
	it('marks the best lane, stores it with the compare, and reads it back when the compare is reopened', async () => {
		const { app } = await judgedApp();
		const [a, b, c] = app.compare.lanes.map((l) => l.spec.id);
		const id = app.compare.sessionId!;
		expect(app.judgements.enabled).toBe(true);
		await app.judgements.markBest(b);
		expect(app.judgements.rankOf(b)).toBe(1);
		expect((await app.history.store.get(id))?.judgement).toEqual({ ranking: [b] });

		await app.judgements.setRank(c, 2);
		await app.judgements.setRank(a, 3);
		expect(app.compare.ranking).toEqual([b, c, a]);
		app.compare.ranking = [];
		expect(await app.opener.open(id)).toBe('compare');
		expect(app.compare.ranking).toEqual([b, c, a]);
		expect(app.judgements.rankOf(a)).toBe(3);
	});

	it('changes and clears a judgement; a second "Best" on the best lane takes its mark away', async () => {
		const { app } = await judgedApp();
		const [a, b] = app.compare.lanes.map((l) => l.spec.id);
		const id = app.compare.sessionId!;
		await app.judgements.markBest(a);
		await app.judgements.markBest(b);
		expect(app.compare.ranking).toEqual([b, a]);
		await app.judgements.markBest(b);
		expect(app.compare.ranking).toEqual([a]);
		await app.judgements.setRank(a, null);
		expect((await app.history.store.get(id))?.judgement).toBeUndefined();
		await app.judgements.markBest(a);
		await app.judgements.clear();
		expect(app.compare.ranking).toEqual([]);
		expect((await app.history.store.get(id))?.judgement).toBeUndefined();
	});

	it('judges nothing while lanes run, nor a lane that failed', async () => {
		const { app, client } = await startedTestApp();
		app.compare.useSeeds(2);
		client.holdLanes = true;
		const running = app.compare.run();
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(app.judgements.enabled).toBe(false);
		await app.judgements.markBest(app.compare.lanes[0].spec.id);
		expect(app.compare.ranking).toEqual([]);
		client.crash('out of memory');
		await running;
		expect(app.compare.lanes[0].status).toBe('failed');
		await app.judgements.markBest(app.compare.lanes[0].spec.id);
		expect(app.compare.ranking).toEqual([]);
	});

	it('a new compare starts unjudged', async () => {
		const { app } = await judgedApp();
		await app.judgements.markBest(app.compare.lanes[0].spec.id);
		await app.compare.run();
		expect(app.compare.ranking).toEqual([]);
	});

	it('exports the compare on the page and every judged compare as SFT and DPO JSONL', async () => {
		const { app } = await judgedApp();
		const [a, b, c] = app.compare.lanes;
		const first = app.compare.sessionId!;
		expect(await app.judgements.exportCurrent('sft')).toBeNull();
		expect(app.judgements.message).toBe(
			'Nothing to export: mark the best lane of a compare first.'
		);

		app.judgements.metadata = false;
		await app.judgements.markBest(b.spec.id);
		expect(app.prompt.input().mode).toBe('completion');
		const promptText = (app.prompt.input() as { prompt: string }).prompt;
		const sft = await app.judgements.exportCurrent('sft');
		expect(sft?.text).toBe(`${JSON.stringify({ prompt: promptText, completion: b.text })}\n`);
		expect(sft?.fileName).toMatch(/^judgements-sft-.+\.jsonl$/);
		const dpo = await app.judgements.exportCurrent('dpo');
		expect(dpo?.text.split('\n')).toEqual([
			JSON.stringify({ prompt: promptText, chosen: b.text, rejected: a.text }),
			JSON.stringify({ prompt: promptText, chosen: b.text, rejected: c.text }),
			''
		]);
		expect(app.judgements.message).toBe('Exported 2 DPO lines from 1 judged compare.');

		// A second compare, judged, and an unjudged third: "all" holds the two judged ones.
		await app.compare.run();
		await app.history.settled();
		await app.judgements.markBest(app.compare.lanes[2].spec.id);
		await app.compare.run();
		await app.history.settled();
		const all = await app.judgements.exportAll('sft');
		const lines = all!.text
			.trimEnd()
			.split('\n')
			.map((l) => JSON.parse(l));
		expect(lines.map((l) => l.completion)).toEqual([c.text, b.text]);
		expect(all?.fileName).toMatch(/^judgements-sft-\d{4}-\d\d-\d\d\.jsonl$/);
		app.judgements.metadata = true;
		const withSettings = await app.judgements.exportAll('dpo');
		const meta = withSettings!.text.split('\n').map((l) => (l ? JSON.parse(l).metadata : null));
		expect(meta[0].chosen.lane).toBe(c.spec.id);
		expect(meta.at(-2).session).toBe(first);
		expect(meta.at(-2).chosen.seed).toBe(2);
	});
});
