import path from 'node:path';
import { makeModel } from '../tools/gguf/make-model';
import { forEachEngine, loadLocalModel } from './app-page';
import { formatNumber, printTable } from './timing';

/**
 * Sweeps in Chromium through the app, per CPU engine (bench/engines.ts): 8 lanes as one sweep
 * against the same 8 lanes run independently and against one lane of the same length, on the
 * test model and on a generated 151,936-token model. Called by bench/run.ts.
 */

const LANES = 8;
const NEW_TOKENS = 16;
const ROUNDS = 3;
/** Issue 13's target with lanes decoded together: 8 lanes in at most this many one-lane times. */
const TARGET_LANES_RATIO = 3;
// A long prompt, so evaluating it is a real share of the work.
const PROMPT = Array.from(
	{ length: 12 },
	() =>
		'Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends.'
).join(' ');

interface SweepFigures {
	promptTokens: number;
	lanesMs: number;
	oneLaneMs: number;
	independentMs: number;
	lanesEvaluations: number;
	independentEvaluations: number;
	identical: boolean;
}

/**
 * Runs in the page: the same 8 lanes as one sweep and as 8 independent runs, and the first lane
 * alone as a one-lane sweep.
 */
async function measureInPage(args: {
	prompt: string;
	lanes: number;
	tokens: number;
}): Promise<SweepFigures> {
	type Client = {
		model: { stopIds: number[] } | null;
		generateLanes: (request: unknown) => Promise<{
			promptTokens: number[];
			promptEvaluations: number;
			lanes: { outcome: { ok: boolean; result?: { text: string } } }[];
		}>;
		generate: (request: unknown) => Promise<{ text: string }>;
	};
	const hooks = (window as unknown as { __playground: { client: Client; defaults: object } })
		.__playground;
	const input = { mode: 'completion', prompt: args.prompt };
	// Every lane runs its whole length: the model's end-of-generation ids are banned.
	const logitBias = Object.fromEntries((hooks.client.model?.stopIds ?? []).map((id) => [id, -100]));
	const params = (seed: number) => ({ ...hooks.defaults, temperature: 1, seed, logitBias });
	const seeds = Array.from({ length: args.lanes }, (_, i) => i + 1);
	const lanesOf = (chosen: number[]) => ({
		input,
		maxNewTokens: args.tokens,
		lanes: chosen.map((seed) => ({ id: `s${seed}`, params: params(seed) }))
	});

	let start = performance.now();
	const sweep = await hooks.client.generateLanes(lanesOf(seeds));
	const lanesMs = performance.now() - start;

	start = performance.now();
	await hooks.client.generateLanes(lanesOf(seeds.slice(0, 1)));
	const oneLaneMs = performance.now() - start;

	start = performance.now();
	const independent: string[] = [];
	for (const seed of seeds) {
		independent.push(
			(await hooks.client.generate({ input, params: params(seed), maxNewTokens: args.tokens })).text
		);
	}
	const independentMs = performance.now() - start;
	const sweepTexts = sweep.lanes.map((l) => (l.outcome.ok ? l.outcome.result?.text : undefined));
	return {
		promptTokens: sweep.promptTokens.length,
		lanesMs,
		oneLaneMs,
		independentMs,
		lanesEvaluations: sweep.promptEvaluations,
		independentEvaluations: seeds.length,
		identical: sweepTexts.every((text, i) => text === independent[i])
	};
}

const median = (values: number[]) =>
	[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Prints the sweep table; returns whether every sweep gave the independent runs' texts. */
export async function runSweepBench(): Promise<boolean> {
	const big = await makeModel({ vocab: 151_936, type: 'F32' });
	const models = [
		// The page opens with the test model loaded.
		{ file: null, label: 'TinyStories 260K' },
		{ file: path.basename(big.path), label: '151,936 synthetic' }
	];
	console.log(
		`\nSweep: ${LANES} lanes (seeds 1–${LANES}, T 1, ${NEW_TOKENS} new tokens each, end of text banned) as\n` +
			`one sweep that evaluates the prompt once, against the same ${LANES} lanes as independent runs\n` +
			`and against the first lane alone (a one-lane sweep), in Chromium with each CPU engine\n` +
			`(1 thread), on TinyStories 260K and a generated 151,936-token model (F32, embedding 64);\n` +
			`median of ${ROUNDS} rounds. Lanes decode together on our engine (llama) and one after\n` +
			`another on wllama (≈ ${LANES}× one lane); issue 13's target is ${LANES} lanes in\n` +
			`≤ ${TARGET_LANES_RATIO}× one lane at 151,936.\n`
	);
	const rows: string[][] = [];
	const verdicts: string[] = [];
	let correct = true;
	await forEachEngine(async (page, engine) => {
		for (const model of models) {
			if (model.file) await loadLocalModel(page, model.file);
			const rounds: SweepFigures[] = [];
			for (let i = 0; i < ROUNDS; i++) {
				rounds.push(
					await page.evaluate(measureInPage, {
						prompt: PROMPT,
						lanes: LANES,
						tokens: NEW_TOKENS
					})
				);
			}
			const lanesMs = median(rounds.map((f) => f.lanesMs));
			const oneLaneMs = median(rounds.map((f) => f.oneLaneMs));
			const independentMs = median(rounds.map((f) => f.independentMs));
			const identical = rounds.every((f) => f.identical);
			const evaluations = rounds[0].lanesEvaluations;
			correct &&= identical && evaluations === 1;
			rows.push([
				engine.name,
				model.label,
				String(rounds[0].promptTokens),
				String(evaluations),
				formatNumber(oneLaneMs),
				formatNumber(lanesMs),
				formatNumber(independentMs),
				`${formatNumber(lanesMs / oneLaneMs, 2)}×`,
				`${formatNumber(independentMs / lanesMs, 2)}×`,
				identical ? 'yes' : 'NO'
			]);
			if (model === models[1]) {
				const met = lanesMs / oneLaneMs <= TARGET_LANES_RATIO;
				verdicts.push(
					`${engine.name}: ${LANES} lanes in ${formatNumber(lanesMs / oneLaneMs, 2)}× one lane at 151,936 ` +
						`(target ≤ ${TARGET_LANES_RATIO}×: ${met ? 'met' : 'not met'})`
				);
			}
		}
	});
	printTable(
		[
			'engine',
			'model',
			'prompt tokens',
			'sweep prompt evaluations',
			'one lane ms',
			'sweep ms',
			'independent ms',
			'sweep ÷ one lane',
			'independent ÷ sweep',
			'same texts'
		],
		rows
	);
	console.log(
		`\n"same texts": every lane of the sweep gave the text of its independent run.\n` +
			verdicts.join('\n')
	);
	return correct;
}
