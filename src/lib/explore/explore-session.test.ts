import { describe, expect, it } from 'vitest';
import { FakeEngine, FakeSequenceEngine } from '#lib/generation/testing/fake-engine';
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
const letters = {
	next: (context: readonly number[]) => 97 + (context.length % 5),
	contextLength: 256,
	shape: (distribution: Float32Array, context: readonly number[]) => {
		for (let i = 0; i < 5; i++) distribution[97 + i] = -0.3 * ((i + context.length) % 5);
	}
};

function engine(options: { rollbackReplays?: boolean } = {}) {
	return new FakeEngine({ ...letters, rollbackReplays: options.rollbackReplays });
}

/** The same "model" on an engine that keeps contexts in sequences 0…maxSequences. */
function sequenceEngine(maxSequences = 3) {
	return new FakeSequenceEngine({ ...letters, maxSequences });
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

	it('with Mirostat, steps from inside a recorded run draw what the run drew (μ carried)', async () => {
		const fake = engine();
		const p = params({
			temperature: 1,
			order: ['temperature', 'mirostat'],
			mirostatMode: 2,
			mirostatTau: 2,
			mirostatEta: 1
		});
		const { session, result } = await recordedRun(fake, p, 12);
		const nodes = session.nodes();
		for (const k of [3, 6, 9]) {
			const step = await session.step(nodes[k].id, p);
			expect(step.node.tokenId).toBe(result.tokenIds[k]);
		}
		// μ moved from its start at 2τ.
		const mu = (id: number) => nodes[id].trace?.stages.find((st) => st.name === 'mirostat');
		expect(mu(1)?.detail?.facts.find((f) => f.key === 'mu')?.value).toBe(4);
		expect(mu(9)?.detail?.facts.find((f) => f.key === 'mu')?.value).not.toBe(4);
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

describe('ExploreSession on an engine with sequences', () => {
	/** Tokens evaluated by the model calls after the `from`-th. */
	const tokensSince = (fake: FakeEngine, from: number) =>
		fake.evaluated.slice(from).reduce((sum, ids) => sum + ids.length, 0);

	async function twoBranches(fake: FakeEngine) {
		const { session, result } = await recordedRun(fake, params(), 6);
		const nodes = session.nodes();
		const other = result.tokenIds[1] === 98 ? 99 : 98;
		// Branch B parts from the run (branch A) after its first token.
		const b = (await session.step(nodes[1].id, params(), other)).node;
		const a = nodes.at(-1) as (typeof nodes)[number];
		return { session, result, a, b, step: (id: number) => session.step(id, params()) };
	}

	it('switching between two branches evaluates only each new token, never a branch again', async () => {
		const fake = sequenceEngine();
		const first = await twoBranches(fake);
		let { a, b } = first;
		const before = fake.evaluated.length;
		for (let i = 0; i < 4; i++) {
			b = (await first.step(b.id)).node;
			a = (await first.step(a.id)).node;
		}
		// Eight steps past the stored distributions, one token each; nothing decoded twice.
		expect(fake.evaluated.slice(before).map((ids) => ids.length)).toEqual(new Array(8).fill(1));
		// The same walk on one context re-decodes each branch after the point where they part.
		const single = engine();
		const second = await twoBranches(single);
		({ a, b } = second);
		const from = single.evaluated.length;
		for (let i = 0; i < 4; i++) {
			b = (await second.step(b.id)).node;
			a = (await second.step(a.id)).node;
		}
		expect(tokensSince(single, from)).toBeGreaterThan(8 * 4);
	});

	it('gives each branch the same tokens as on an engine with one context', async () => {
		const walk = async (fake: FakeEngine) => {
			const { step, ...ends } = await twoBranches(fake);
			let { a, b } = ends;
			const out: number[] = [];
			for (let i = 0; i < 4; i++) {
				b = (await step(b.id)).node;
				a = (await step(a.id)).node;
				out.push(b.tokenId as number, a.tokenId as number);
			}
			return out;
		};
		expect(await walk(sequenceEngine())).toEqual(await walk(engine()));
	});

	it('a what-if leaves the run’s sequence intact, so the run continues with one token', async () => {
		const fake = sequenceEngine();
		const { session, result } = await recordedRun(fake, params({ temperature: 1 }));
		const runContext = [...fake.context];
		const hot = await session.resample(
			params({ temperature: 2, seed: 8 }),
			12,
			() => {},
			() => false
		);
		expect(hot.map((s) => s.node.tokenId)).not.toEqual(result.tokenIds);
		expect(fake.context).toEqual(runContext);
		expect(fake.copies).toEqual([[0, 1]]);
		// The what-if's tokens after it parted from the run went through the model once each.
		const modelSteps = hot.filter((s) => s.source === 'model').length;
		expect(modelSteps).toBeGreaterThan(0);
		expect(fake.evaluated.slice(-modelSteps).every((ids) => ids.length === 1)).toBe(true);
		// Continuing the run itself evaluates just its last token, on sequence 0.
		const before = fake.evaluated.length;
		const last = session.nodes().find((n) => n.tokenId === result.tokenIds.at(-1) && !n.stored);
		await session.step((last as { id: number }).id, params());
		expect(fake.evaluated.slice(before)).toEqual([[result.tokenIds.at(-1)]]);
	});

	it('after lanes used the sequences, a branch is evaluated whole again, not on their tokens', async () => {
		const fake = sequenceEngine();
		const { session, step, ...ends } = await twoBranches(fake);
		let b = (await step(ends.b.id)).node;
		// A sweep forks into sequences 1… and drops them (the worker then calls forgetContext).
		await fake.forkSequences(3);
		await fake.endSequences();
		session.forgetContext();
		const before = fake.evaluated.length;
		b = (await step(b.id)).node;
		const [fed] = fake.evaluated.slice(before);
		expect(fed.length).toBe(b.depth + fake.evaluated[0].length - 1);
		expect(session.nodes().find((n) => n.id === b.id)?.tokenId).toBe(b.tokenId);
	});

	it('with more branches than sequences, gives one up and decodes it again, exactly', async () => {
		/** Three branches (the run, and two parting from it) walked in turn. */
		const walk = async (fake: FakeEngine) => {
			const { session, result } = await recordedRun(fake, params(), 6);
			const nodes = session.nodes();
			const pick = (i: number, avoid: number) => (avoid === 98 + i ? 99 + i : 98 + i);
			const branches = [
				nodes.at(-1) as (typeof nodes)[number],
				(await session.step(nodes[1].id, params(), pick(0, result.tokenIds[1]))).node,
				(await session.step(nodes[2].id, params(), pick(1, result.tokenIds[2]))).node
			];
			const from = fake.evaluated.length;
			const tokens: number[] = [];
			for (let i = 0; i < 3; i++) {
				for (let b = 0; b < branches.length; b++) {
					branches[b] = (await session.step(branches[b].id, params())).node;
					tokens.push(branches[b].tokenId as number);
				}
			}
			return { tokens, evaluated: tokensSince(fake, from) };
		};
		const one = await walk(engine());
		const two = await walk(sequenceEngine(1));
		const enough = await walk(sequenceEngine(2));
		expect(two.tokens).toEqual(one.tokens);
		expect(enough.tokens).toEqual(one.tokens);
		expect(enough.evaluated).toBe(9);
		expect(two.evaluated).toBeGreaterThan(enough.evaluated);
		expect(two.evaluated).toBeLessThan(one.evaluated);
	});
});
