import { withAppPage } from './app-page';
import { formatNumber, printTable } from './timing';

const LANES = 8;
const NEW_TOKENS = 16;
const ROUNDS = 3;
// A long prompt, so evaluating it is a real share of the work.
const PROMPT = Array.from(
	{ length: 12 },
	() =>
		'Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends.'
).join(' ');

interface SweepFigures {
	promptTokens: number;
	lanesMs: number;
	independentMs: number;
	lanesEvaluations: number;
	independentEvaluations: number;
	identical: boolean;
}

/** Runs in the page: the same 8 lanes as one sweep and as 8 independent runs. */
async function measureInPage(args: { prompt: string; lanes: number; tokens: number }) {
	type Client = {
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
	const params = (seed: number) => ({ ...hooks.defaults, temperature: 1, seed });
	const seeds = Array.from({ length: args.lanes }, (_, i) => i + 1);

	let start = performance.now();
	const sweep = await hooks.client.generateLanes({
		input,
		maxNewTokens: args.tokens,
		lanes: seeds.map((seed) => ({ id: `s${seed}`, params: params(seed) }))
	});
	const lanesMs = performance.now() - start;

	start = performance.now();
	const independent: string[] = [];
	for (const seed of seeds) {
		independent.push(
			(await hooks.client.generate({ input, params: params(seed), maxNewTokens: args.tokens })).text
		);
	}
	const independentMs = performance.now() - start;
	const sweepTexts = sweep.lanes.map((l) => l.outcome.result?.text ?? '');
	return {
		promptTokens: sweep.promptTokens.length,
		lanesMs,
		independentMs,
		lanesEvaluations: sweep.promptEvaluations,
		independentEvaluations: seeds.length,
		identical: sweepTexts.every((text, i) => text === independent[i])
	};
}

/** Prints the sweep table; returns whether lanes beat independent runs with identical texts. */
export async function runSweepBench(): Promise<boolean> {
	console.log(
		`\nSweep: ${LANES} lanes (seeds 1–${LANES}, T 1, ${NEW_TOKENS} new tokens each) as one sweep that\n` +
			`evaluates the prompt once, against the same ${LANES} lanes as independent runs, in Chromium\n` +
			`with the CPU engine and TinyStories 260K; median of ${ROUNDS} rounds.\n`
	);
	return withAppPage(async (page) => {
		const rounds: SweepFigures[] = [];
		for (let i = 0; i < ROUNDS; i++) {
			rounds.push(
				await page.evaluate(measureInPage, { prompt: PROMPT, lanes: LANES, tokens: NEW_TOKENS })
			);
		}
		const median = (pick: (f: SweepFigures) => number) =>
			rounds.map(pick).sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
		const lanesMs = median((f) => f.lanesMs);
		const independentMs = median((f) => f.independentMs);
		const { promptTokens, lanesEvaluations, independentEvaluations } = rounds[0];
		printTable(
			['prompt tokens', 'way', 'prompt evaluations', 'total ms', 'independent ÷ sweep'],
			[
				[
					String(promptTokens),
					'sweep',
					String(lanesEvaluations),
					formatNumber(lanesMs),
					`${formatNumber(independentMs / lanesMs, 2)}×`
				],
				[
					String(promptTokens),
					'independent',
					String(independentEvaluations),
					formatNumber(independentMs),
					'1.00×'
				]
			]
		);
		const identical = rounds.every((f) => f.identical);
		console.log(
			`\nSame texts from the sweep and the independent runs: ${identical ? 'yes' : 'NO'}`
		);
		return identical && lanesEvaluations === 1 && lanesMs < independentMs;
	});
}
