import { describe, expect, it } from 'vitest';
import {
	createSampler,
	DEFAULT_SAMPLING_PARAMS,
	validateSamplingParams,
	type SamplingParams
} from '#lib/sampling';
import { Explorer, ExploreError } from './explorer';
import { ExplorationTree } from './tree';

const VOCAB = 12;
const STOP = 11;
const PROMPT = [1, 2, 3];

/** A deterministic stand-in for a model: logits depend on the whole context. */
function fakeLogits(history: readonly number[]): Float32Array {
	const sum = history.reduce((a, b, i) => a + b * (i + 1), 0);
	return Float32Array.from({ length: VOCAB }, (_, i) =>
		i === STOP ? -4 : Math.sin(i * 1.3 + sum * 0.7) * 2
	);
}

function params(overrides: Partial<SamplingParams> = {}): SamplingParams {
	return { ...DEFAULT_SAMPLING_PARAMS, topK: 0, minP: 0, topP: 1, seed: 5, ...overrides };
}

function explorer() {
	const calls: number[][] = [];
	const tree = new ExplorationTree(PROMPT);
	const e = new Explorer(tree, {
		createSampler,
		vocabSize: VOCAB,
		distribution: 'logits',
		stopIds: [STOP],
		traceTopN: 5,
		evaluate: async (history) => {
			calls.push([...history]);
			return fakeLogits(history);
		}
	});
	return { e, tree, calls };
}

/** What an ordinary run gives: one sampler, one distribution per step, no tree. */
function straightRun(p: SamplingParams, steps: number): number[] {
	const sampler = createSampler(p, { vocabSize: VOCAB });
	const history = [...PROMPT];
	const out: number[] = [];
	for (let i = 0; i < steps; i++) {
		const id = sampler.sample(fakeLogits(history), history);
		out.push(id);
		history.push(id);
		if (id === STOP) break;
	}
	return out;
}

const tokens = (steps: { node: { tokenId: number | null } }[]) => steps.map((s) => s.node.tokenId);

describe('Explorer', () => {
	it('re-samples exactly what an ordinary run with the same parameters and seed gives', async () => {
		const { e } = explorer();
		const p = params({ temperature: 1.1 });
		expect(tokens(await e.resample(p, 10))).toEqual(straightRun(p, 10));
	});

	it('step mode, one token at a time, draws the same tokens as an uninterrupted run', async () => {
		const { e, tree } = explorer();
		const p = params({ temperature: 0.9 });
		let node = tree.root.id;
		const stepped: number[] = [];
		for (let i = 0; i < 8; i++) {
			const step = await e.step(node, p);
			stepped.push(step.node.tokenId!);
			node = step.node.id;
			if (step.node.isStop) break;
		}
		expect(stepped).toEqual(straightRun(p, 8));
	});

	it('a what-if inside explored steps uses the stored distributions, then the model continues', async () => {
		const { e, calls } = explorer();
		const original = await e.resample(params({ temperature: 0.7 }), 10);
		expect(calls).toHaveLength(original.length);
		calls.length = 0;

		const same = await e.resample(params({ temperature: 0.7 }), 10);
		expect(tokens(same)).toEqual(tokens(original));
		expect(same.every((s) => s.source === 'stored')).toBe(true);
		expect(calls).toHaveLength(0);

		const hot = await e.resample(params({ temperature: 2, seed: 9 }), 10);
		const firstNew = tokens(hot).findIndex((t, i) => t !== tokens(original)[i]);
		expect(firstNew).toBeGreaterThanOrEqual(0);
		// Up to the first changed token the path is the explored one: no model call.
		expect(hot.slice(0, firstNew + 1).every((s) => s.source === 'stored')).toBe(true);
		if (hot.length > firstNew + 1) expect(hot[firstNew + 1].source).toBe('model');
		expect(tokens(hot)).toEqual(straightRun(params({ temperature: 2, seed: 9 }), 10));
	});

	it('picking another candidate branches, and the branch continues from the picked token', async () => {
		const { e, tree } = explorer();
		const p = params({ temperature: 0.5 });
		const run = await e.resample(p, 4);
		const parent = run[0].node.id;
		const sampledNext = run[1].node.tokenId!;
		const other = (sampledNext + 1) % STOP;

		const branch = await e.step(parent, p, other);
		expect(branch.node.pickedBy).toBe('user');
		expect(branch.node.trace?.chosenId).toBe(sampledNext);
		expect(tree.view(parent).children).toEqual([run[1].node.id, branch.node.id]);

		const after = await e.step(branch.node.id, p);
		expect(tree.path(after.node.id)).toEqual([run[0].node.tokenId, other, after.node.tokenId]);
		expect(after.source).toBe('model');
	});

	it('says why a step cannot be taken', async () => {
		const { e, tree } = explorer();
		await expect(e.step(tree.root.id, params(), VOCAB)).rejects.toThrow(ExploreError);
		await expect(e.step(tree.root.id, params({ seed: null }))).rejects.toThrow(/fixed seed/);
		const stop = await e.step(tree.root.id, params(), STOP);
		expect(stop.node.isStop).toBe(true);
		await expect(e.step(stop.node.id, params())).rejects.toThrow(/ended/);
	});

	it('records a trace for every step it takes', async () => {
		const { e } = explorer();
		const steps = await e.resample(validateSamplingParams(params({ topK: 1 })), 3);
		for (const step of steps) {
			expect(step.node.trace?.chosenId).toBe(step.node.tokenId);
			expect(step.node.trace?.stages.find((s) => s.name === 'top-k')?.survivors).toBe(1);
		}
	});
});

describe('Explorer with Mirostat, whose μ each step carries in its checkpoint', () => {
	const mirostat = (mode: number, overrides: Partial<SamplingParams> = {}) =>
		params({
			order: ['temperature', 'mirostat'],
			mirostatMode: mode,
			mirostatTau: 1.5,
			mirostatEta: 0.6,
			...overrides
		});
	const muAt = (tree: ExplorationTree, id: number) => tree.node(id).checkpoint?.states?.mirostat;

	for (const mode of [1, 2]) {
		it(`v${mode}: step mode, a re-sample and a branch draw what an uninterrupted run draws`, async () => {
			const p = mirostat(mode);
			const expected = straightRun(p, 12);
			const { e, tree } = explorer();

			let node = tree.root.id;
			const stepped: number[] = [];
			for (let i = 0; i < 12; i++) {
				const step = await e.step(node, p);
				stepped.push(step.node.tokenId!);
				node = step.node.id;
				if (step.node.isStop) break;
			}
			expect(stepped).toEqual(expected);
			expect(tokens(await e.resample(p, 12))).toEqual(expected);

			// A branch from the fifth token on, step by step: the same tokens again.
			// (Stepping to an explored token replaces its node's checkpoint: compare with copies.)
			const run = await e.resample(p, 12);
			const runMu = run.map((s) => muAt(tree, s.node.id));
			let from = run[4].node.id;
			for (const [i, step] of run.entries()) {
				if (i < 5) continue;
				const next = await e.step(from, p);
				expect(next.node.tokenId).toBe(step.node.tokenId);
				expect(muAt(tree, next.node.id)).toEqual(runMu[i]);
				from = next.node.id;
			}
			// μ moved along the way, so carrying it mattered.
			expect(new Set(runMu.map((mu) => mu![0])).size).toBeGreaterThan(3);
		});
	}

	it('a what-if with another τ re-samples from the seed, and the original parameters repeat the run', async () => {
		const { e } = explorer();
		const p = mirostat(2);
		const original = tokens(await e.resample(p, 12));
		const whatIf = tokens(await e.resample(mirostat(2, { mirostatTau: 3 }), 12));
		expect(whatIf).toEqual(straightRun(mirostat(2, { mirostatTau: 3 }), 12));
		expect(tokens(await e.resample(p, 12))).toEqual(original);
	});

	it("a picked token keeps the sampler's μ after its own draw, and the branch continues from it", async () => {
		const { e, tree } = explorer();
		const p = mirostat(2);
		const run = await e.resample(p, 6);
		const sampled = run[3].node.tokenId!;
		const other = (sampled + 1) % STOP;
		const branch = await e.step(run[2].node.id, p, other);
		expect(branch.node.pickedBy).toBe('user');
		expect(muAt(tree, branch.node.id)).toEqual(muAt(tree, run[3].node.id));
		// Continuing the branch: a sampler resumed from that checkpoint on the branch's context.
		const after = await e.step(branch.node.id, p);
		const sampler = createSampler(p, { vocabSize: VOCAB });
		sampler.resume(tree.node(branch.node.id).checkpoint!);
		const history = tree.history(branch.node.id);
		expect(after.node.tokenId).toBe(sampler.sample(fakeLogits(history), history));
	});
});

describe('Explorer with XTC, a stage that draws from the seeded stream', () => {
	const xtc = (overrides: Partial<SamplingParams> = {}) =>
		params({
			temperature: 1,
			xtcProbability: 0.5,
			xtcThreshold: 0.1,
			order: [...DEFAULT_SAMPLING_PARAMS.order, 'xtc'],
			...overrides
		});

	/** An ordinary run in which the user replaces the token of step `at` by `pick`. */
	function runWithPick(p: SamplingParams, steps: number, at: number, pick: number): number[] {
		const sampler = createSampler(p, { vocabSize: VOCAB });
		const history = [...PROMPT];
		const out: number[] = [];
		for (let i = 0; i < steps; i++) {
			const sampled = sampler.sample(fakeLogits(history), history);
			const id = i === at ? pick : sampled;
			out.push(id);
			history.push(id);
			if (id === STOP) break;
		}
		return out;
	}

	it('fires on some steps and not others, and changes the run', async () => {
		const { e } = explorer();
		const steps = await e.resample(xtc(), 12);
		const fired = steps.map((s) => {
			const stage = s.node.trace!.stages.find((t) => t.name === 'xtc')!;
			return stage.massRemoved > 0;
		});
		expect(fired).toContain(true);
		expect(fired).toContain(false);
		expect(tokens(steps)).not.toEqual(straightRun(xtc({ xtcProbability: 0 }), 12));
	});

	it('step mode, one token at a time, draws what an uninterrupted run draws', async () => {
		const { e, tree } = explorer();
		const p = xtc();
		let node = tree.root.id;
		const stepped: number[] = [];
		for (let i = 0; i < 12; i++) {
			const step = await e.step(node, p);
			stepped.push(step.node.tokenId!);
			node = step.node.id;
			if (step.node.isStop) break;
		}
		expect(stepped).toEqual(straightRun(p, 12));
		expect(tokens(await e.resample(p, 12))).toEqual(stepped);
	});

	it('a branch continues with the draws an uninterrupted run with that pick would take', async () => {
		const { e, tree } = explorer();
		const p = xtc();
		const run = await e.resample(p, 6);
		const other = (run[2].node.tokenId! + 1) % STOP;
		let node = (await e.step(run[1].node.id, p, other)).node.id;
		for (let i = 0; i < 6; i++) {
			const step = await e.step(node, p);
			node = step.node.id;
			if (step.node.isStop) break;
		}
		expect(tree.path(node)).toEqual(runWithPick(p, 9, 2, other).slice(0, tree.path(node).length));
		expect(tree.path(node).length).toBeGreaterThan(3);
	});

	it('a what-if switching XTC on, or changing its settings, gives the uninterrupted run', async () => {
		const { e } = explorer();
		await e.resample(params({ temperature: 1 }), 10);
		for (const p of [xtc(), xtc({ xtcProbability: 0.9 }), xtc({ xtcThreshold: 0.15, seed: 8 })]) {
			expect(tokens(await e.resample(p, 10))).toEqual(straightRun(p, 10));
		}
	});
});
