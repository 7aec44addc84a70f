import { describe, expect, it } from 'vitest';
import { FakeEngine } from '#lib/generation/testing/fake-engine';
import { generate } from '#lib/generation/generate';
import {
	createSampler,
	DEFAULT_SAMPLING_PARAMS,
	validateSamplingParams,
	type SamplingParams
} from '#lib/sampling';
import { ExploreSession } from './explore-session';

const sampling = { createSampler, validateSamplingParams };

/** Letters a–e close together after any context, so temperature changes what is drawn. */
function engine(options: { rollbackReplays?: boolean } = {}) {
	return new FakeEngine({
		next: (context) => 97 + (context.length % 5),
		contextLength: 256,
		rollbackReplays: options.rollbackReplays,
		shape: (distribution, context) => {
			for (let i = 0; i < 5; i++) distribution[97 + i] = -0.3 * ((i + context.length) % 5);
		}
	});
}

function params(overrides: Partial<SamplingParams> = {}): SamplingParams {
	return { ...DEFAULT_SAMPLING_PARAMS, topK: 0, topP: 1, minP: 0, seed: 3, ...overrides };
}

async function recordedRun(fake: FakeEngine, p: SamplingParams, maxNewTokens = 12) {
	const session = new ExploreSession(fake, fake.model, sampling);
	const recorder = session.recordRun();
	const result = await generate(
		{ input: { mode: 'completion', prompt: 'Hi' }, params: p, maxNewTokens, trace: { topN: 5 } },
		{ engine: fake, model: fake.model, sampling, onStep: recorder.onStep }
	);
	recorder.finish();
	return { session, result };
}

describe('ExploreSession', () => {
	it('keeps a run as a path of the tree, with a trace per token', async () => {
		const fake = engine();
		const { session, result } = await recordedRun(fake, params());
		const nodes = session.nodes();
		expect(nodes).toHaveLength(result.tokenIds.length + 1);
		expect(nodes.slice(1).map((n) => n.tokenId)).toEqual(result.tokenIds);
		expect(nodes.slice(1).every((n) => n.trace !== null)).toBe(true);
	});

	it('a what-if with the run’s own settings repeats the run without any model call', async () => {
		const fake = engine();
		const { session, result } = await recordedRun(fake, params({ temperature: 1 }));
		const calls = fake.evaluated.length;
		const again = await session.resample(
			params({ temperature: 1 }),
			12,
			() => {},
			() => false
		);
		expect(again.map((s) => s.node.tokenId)).toEqual(result.tokenIds);
		expect(fake.evaluated.length).toBe(calls);
	});

	it('a run after another keeps its own distributions (the first run’s arrays are reused)', async () => {
		const fake = engine();
		const session = new ExploreSession(fake, fake.model, sampling);
		const run = async (prompt: string, p: SamplingParams) => {
			const recorder = session.recordRun();
			const result = await generate(
				{ input: { mode: 'completion', prompt }, params: p, maxNewTokens: 12, trace: null },
				{ engine: fake, model: fake.model, sampling, onStep: recorder.onStep }
			);
			recorder.finish();
			return result;
		};
		await run('Hi', params({ temperature: 1 }));
		await fake.rollback(0);
		const second = await run('Hello there', params({ temperature: 1.5, seed: 4 }));
		const calls = fake.evaluated.length;
		const again = await session.resample(
			params({ temperature: 1.5, seed: 4 }),
			12,
			() => {},
			() => false
		);
		expect(again.map((s) => s.node.tokenId)).toEqual(second.tokenIds);
		expect(again.every((s) => s.source === 'stored')).toBe(true);
		expect(fake.evaluated.length).toBe(calls);
	});

	it('past the stored steps the model continues, evaluating only the tokens it lacks', async () => {
		const fake = engine();
		const { session, result } = await recordedRun(fake, params({ temperature: 1 }));
		const hot = await session.resample(
			params({ temperature: 2, seed: 8 }),
			12,
			() => {},
			() => false
		);
		const tokens = hot.map((s) => s.node.tokenId);
		expect(tokens).not.toEqual(result.tokenIds);
		const firstNew = tokens.findIndex((t, i) => t !== result.tokenIds[i]);
		expect(hot.slice(0, firstNew + 1).every((s) => s.source === 'stored')).toBe(true);
		expect(hot.slice(firstNew + 1).every((s) => s.source === 'model')).toBe(true);
		// The same what-if on a fresh run of those settings gives the same tokens.
		const direct = await recordedRun(engine(), params({ temperature: 2, seed: 8 }));
		expect(tokens).toEqual(direct.result.tokenIds);
		// No model call re-evaluated the prompt: each evaluated just one token.
		expect(fake.evaluated.slice(-3).every((ids) => ids.length === 1)).toBe(true);
	});

	it('branches in step mode and keeps the engine context in step with the branch', async () => {
		const fake = engine();
		const { session, result } = await recordedRun(fake, params(), 4);
		const nodes = session.nodes();
		const other = result.tokenIds[2] === 98 ? 99 : 98;
		const branch = await session.step(nodes[2].id, params(), other);
		const next = await session.step(branch.node.id, params());
		expect(next.source).toBe('model');
		expect(fake.context.slice(-2)).toEqual([result.tokenIds[1], other]);
		expect(session.nodes()[2].children).toHaveLength(2);
	});

	it('shows runs on an engine that cannot rewind its context, but refuses to step there', async () => {
		const fake = engine({ rollbackReplays: true });
		const { session, result } = await recordedRun(fake, params());
		expect(session.nodes()).toHaveLength(result.tokenIds.length + 1);
		expect(() => session.start([256, 1])).toThrow(/rewind/);
		expect(() => session.step(0, params())).toThrow(/rewind/);
	});
});
