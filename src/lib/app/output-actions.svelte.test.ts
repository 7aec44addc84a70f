import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '#lib/generation/types';
import { ManualFrames } from './frame-batcher';
import { fakePiece } from './testing/fake-client';
import { failedRun, startedTestApp } from './testing/test-app';

/** A seeded token stream, as the real sampler's: the same seed gives the same prefix. */
const seededTokens = (seed: number, count: number): number[] =>
	Array.from({ length: count }, (_, i) => 10 + ((seed * 7 + i * 13) % 80));

const text = (ids: number[]): string => ids.map(fakePiece).join('');

/** A test app whose generations follow the seed, with a clipboard that keeps what it is given. */
async function actionsApp() {
	const copied: string[] = [];
	// Streamed tokens reach the page's state when a test draws a frame (or as a run ends).
	const frames = new ManualFrames();
	const test = await startedTestApp({
		clipboard: { writeText: async (value) => void copied.push(value) },
		frames
	});
	test.client.tokensOf = seededTokens;
	return { ...test, actions: test.app.actions, copied, frames };
}

describe('OutputActions', () => {
	it('Copy puts the output on the clipboard and says so', async () => {
		const { app, actions, copied } = await actionsApp();
		expect(actions.canCopy).toBe(false);
		await app.single.run();
		await actions.copy();
		expect(copied).toEqual([app.single.output]);
		expect(actions.status).toBe('Copied');
	});

	it('Copy without a clipboard says it is unavailable', async () => {
		const { app } = await startedTestApp();
		await app.single.run();
		await app.actions.copy();
		expect(app.actions.status).toMatch(/not available/);
	});

	it('Continue gives exactly the longer run: same request and seed, more tokens', async () => {
		const { app, client, actions } = await actionsApp();
		app.settings.maxNewTokens = 4;
		await app.single.run();
		const first = app.single.result!;
		expect(first.tokenIds).toEqual(seededTokens(first.seed, 4));
		// What the panel says now does not change what is continued.
		app.settings.params.temperature = 0.3;
		app.prompt.prompt = 'Something else';
		expect(actions.continueBlocked).toBeNull();
		await actions.continueRun();
		const request = client.generations[1];
		expect(request).toMatchObject({
			input: client.generations[0].input,
			maxNewTokens: 8,
			params: { ...client.generations[0].params, seed: first.seed }
		} satisfies Partial<GenerateRequest>);
		expect(app.single.result?.tokenIds).toEqual(seededTokens(first.seed, 8));
		expect(app.single.output).toBe(text(seededTokens(first.seed, 8)));
		expect(app.single.output.startsWith(first.text)).toBe(true);
		expect(app.single.seedUsed).toBe(first.seed);
		expect(app.single.diverged).toBeNull();
		expect(app.notices.notice).toBe('');
	});

	it('Continue shows the kept output at once and streams only the new tokens', async () => {
		const { app, client, actions, frames } = await actionsApp();
		app.settings.maxNewTokens = 3;
		await app.single.run();
		const first = app.single.output;
		client.holdGenerations = true;
		const continuing = actions.continueRun();
		await new Promise((resolve) => setTimeout(resolve, 0));
		frames.tick();
		// The first regenerated token is one of the kept ones: nothing is shown twice.
		expect(app.single.output).toBe(first);
		expect(app.single.replaying).toBe(3);
		expect(app.single.live.tokens).toBe(1);
		client.finishGeneration();
		await continuing;
		expect(app.single.output).toBe(text(seededTokens(app.single.seedUsed!, 6)));
		expect(app.single.replaying).toBeNull();
	});

	it('Continue says so when the engine did not draw the same tokens again', async () => {
		const { app, client, actions } = await actionsApp();
		app.settings.maxNewTokens = 3;
		await app.single.run();
		client.tokensOf = (seed, count) => seededTokens(seed + 1, count);
		await actions.continueRun();
		expect(app.single.diverged).toBe(0);
		expect(app.notices.notice).toMatch(/not the old one continued/);
	});

	it('Continue is not offered where it cannot be exact, and says why', async () => {
		const { app, client, actions } = await actionsApp();
		expect(actions.continueBlocked).toMatch(/Run first/);
		app.loader.samplingMode = 'native';
		await app.single.run();
		expect(actions.continueBlocked).toMatch(/native mode/);
		app.loader.samplingMode = 'exact';
		client.finishReason = 'eos';
		await app.single.run();
		expect(actions.continueBlocked).toMatch(/ended on its own/);
		const before = client.generations.length;
		await actions.continueRun();
		expect(client.generations).toHaveLength(before);
		client.finishReason = 'stopped';
		await app.single.run();
		expect(actions.continueBlocked).toBeNull();
		// Picking another model changes nothing until it is loaded.
		client.model = { ...client.model, name: 'Other model', sha256: 'b'.repeat(64) };
		expect(actions.continueBlocked).toBeNull();
		await app.loader.loadSelected();
		expect(actions.continueBlocked).toMatch(/Another model/);
	});

	it('Regenerate runs the last prompt with a new seed, shown in the seed box and the output', async () => {
		const { app, client, actions } = await actionsApp();
		await app.single.run();
		const firstSeed = app.single.seedUsed;
		app.prompt.prompt = 'Edited after the run';
		await actions.regenerate();
		const seed = app.settings.params.seed;
		expect(seed).not.toBeNull();
		expect(seed).not.toBe(firstSeed);
		expect(app.single.seedUsed).toBe(seed);
		expect(client.generations[1].params.seed).toBe(seed);
		expect(client.generations[1].input).toEqual(client.generations[0].input);
		expect(app.single.output).toBe(text(seededTokens(seed!, app.settings.maxNewTokens)));
	});
});

describe('chat actions', () => {
	async function chatApp() {
		const test = await actionsApp();
		test.app.prompt.mode = 'chat';
		test.app.prompt.prompt = 'Hello';
		await test.app.single.run();
		test.app.prompt.prompt = 'How are you?';
		await test.app.single.run();
		return test;
	}

	it('regenerates the last reply with a new seed, keeping the message being typed', async () => {
		const { app, client, actions } = await chatApp();
		const before = app.prompt.conversation.slice(0, 3);
		const oldReply = app.prompt.conversation[3].content;
		app.prompt.prompt = 'Draft';
		expect(actions.canRegenerateReply).toBe(true);
		await actions.regenerateReply();
		const sent = client.generations.at(-1)!;
		expect(sent.input).toMatchObject({ mode: 'chat', messages: before });
		expect(sent.params.seed).toBe(app.settings.params.seed);
		expect(app.prompt.conversation.slice(0, 3)).toEqual(before);
		expect(app.prompt.conversation).toHaveLength(4);
		expect(app.prompt.conversation[3].content).toBe(app.single.output);
		expect(app.prompt.conversation[3].content).not.toBe(oldReply);
		expect(app.prompt.prompt).toBe('Draft');
	});

	it("the output's Regenerate in chat mode regenerates the last reply", async () => {
		const { app, client, actions } = await chatApp();
		await actions.regenerate();
		expect(client.generations.at(-1)!.input).toMatchObject({
			messages: app.prompt.conversation.slice(0, 3)
		});
		expect(app.prompt.conversation).toHaveLength(4);
	});

	it('edits a user message and resends it: what came after is dropped and replied anew', async () => {
		const { app, client, actions } = await chatApp();
		actions.startEdit(1);
		expect(actions.editing).toBeNull();
		actions.startEdit(0);
		expect(actions.editText).toBe('Hello');
		actions.editText = 'Hi there';
		await actions.resend();
		expect(actions.editing).toBeNull();
		expect(client.generations.at(-1)!.input).toMatchObject({
			mode: 'chat',
			messages: [{ role: 'user', content: 'Hi there' }]
		});
		expect(app.prompt.conversation).toEqual([
			{ role: 'user', content: 'Hi there' },
			{ role: 'assistant', content: app.single.output }
		]);
	});

	it('clears the conversation with an undo, until the next turn', async () => {
		const { app, actions } = await chatApp();
		const conversation = app.prompt.conversation;
		actions.clearConversation();
		expect(app.prompt.conversation).toEqual([]);
		expect(actions.status).toMatch(/Conversation cleared/);
		actions.undoClear();
		expect(app.prompt.conversation).toEqual(conversation);
		expect(app.prompt.cleared).toBeNull();
		actions.clearConversation();
		app.prompt.prompt = 'A new start';
		await app.single.run();
		expect(app.prompt.cleared).toBeNull();
		expect(app.prompt.conversation).toHaveLength(2);
		// Sessions already run stay in the history.
		await app.history.settled();
		expect(app.history.items).toHaveLength(3);
	});
});

describe('run banners', () => {
	it('a successful compare of the same model and prompt clears a failed run banner', async () => {
		const test = await startedTestApp();
		const { app } = test;
		await failedRun(test);
		expect(app.notices.error).toBe('The engine ran out of memory');
		app.compare.useSeeds(2);
		await app.compare.run();
		expect(app.notices.error).toBe('');
	});

	it('a compare of another prompt leaves the banner, and other banners stay', async () => {
		const test = await startedTestApp();
		const { app } = test;
		await failedRun(test);
		app.prompt.prompt = 'Another prompt';
		app.compare.useSeeds(2);
		await app.compare.run();
		expect(app.notices.error).toBe('The engine ran out of memory');
		app.prompt.prompt = 'Once upon a time';
		app.notices.error = 'Something else went wrong.';
		await app.compare.run();
		expect(app.notices.error).toBe('Something else went wrong.');
	});
});
