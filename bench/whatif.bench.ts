import { withAppPage } from './app-page';
import { formatNumber, printTable } from './timing';

const NEW_TOKENS = 128;
const ROUNDS = 5;
/** Steps taken in turn at the ends of the run and of the T 1.5 what-if. */
const SWITCHES = 16;

interface WhatIfFigures {
	runMs: number;
	storedMs: number;
	storedSteps: number;
	changedMs: number;
	changedStored: number;
	changedModel: number;
	switchMs: number;
	identical: boolean;
}

/**
 * Runs in the page: a traced run, then a what-if with the same settings (every step from stored
 * distributions) and one at another temperature (stored steps up to the first new token, then
 * the model), then steps taken in turn at the ends of the run and of that what-if.
 */
async function measureInPage(args: {
	tokens: number;
	round: number;
	switches: number;
}): Promise<WhatIfFigures> {
	type Step = { source: 'stored' | 'model'; node: { tokenId: number } };
	type Client = {
		generate: (request: unknown) => Promise<{ tokenIds: number[] }>;
		exploreResample: (params: unknown, maxSteps: number) => Promise<Step[]>;
		exploreStep: (nodeId: number, params: unknown) => Promise<Step & { node: { id: number } }>;
	};
	const hooks = (window as unknown as { __playground: { client: Client; defaults: object } })
		.__playground;
	const params = { ...hooks.defaults, temperature: 1, seed: 100 + args.round };
	const banEos = { 2: -100 };
	let start = performance.now();
	const run = await hooks.client.generate({
		input: { mode: 'completion', prompt: 'Once upon a time' },
		params: { ...params, logitBias: banEos },
		maxNewTokens: args.tokens,
		trace: { topN: 20 }
	});
	const runMs = performance.now() - start;

	start = performance.now();
	const same = await hooks.client.exploreResample({ ...params, logitBias: banEos }, args.tokens);
	const storedMs = performance.now() - start;

	start = performance.now();
	const changed = await hooks.client.exploreResample(
		{ ...params, temperature: 1.5, logitBias: banEos },
		args.tokens
	);
	const changedMs = performance.now() - start;

	type Leaf = { node: { id: number } } | undefined;
	const ends = [same.at(-1) as Leaf, changed.at(-1) as Leaf].map((s) => s?.node.id ?? 0);
	const stepParams = [params, { ...params, temperature: 1.5 }].map((p) => ({
		...p,
		logitBias: banEos
	}));
	start = performance.now();
	for (let i = 0; i < args.switches; i++) {
		const branch = i % 2;
		ends[branch] = (await hooks.client.exploreStep(ends[branch], stepParams[branch])).node.id;
	}
	const switchMs = (performance.now() - start) / args.switches;
	return {
		runMs,
		storedMs,
		storedSteps: same.filter((s) => s.source === 'stored').length,
		changedMs,
		changedStored: changed.filter((s) => s.source === 'stored').length,
		changedModel: changed.filter((s) => s.source === 'model').length,
		switchMs,
		identical: same.map((s) => s.node.tokenId).join() === run.tokenIds.join()
	};
}

/** Prints the what-if table; returns whether re-sampling stored steps beat the run it repeats. */
export async function runWhatIfBench(): Promise<boolean> {
	console.log(
		`\nWhat-if: a traced run of ${NEW_TOKENS} tokens (T 1, a new seed per round, EOS banned), then a\n` +
			`what-if with the same settings (every step from stored distributions, no model call) and one\n` +
			`at T 1.5 (stored steps until the first new token, then the model), in Chromium with the CPU\n` +
			`engine and TinyStories 260K; median of ${ROUNDS} rounds. Then ${SWITCHES} steps taken in turn at\n` +
			`the ends of the run and of the T 1.5 what-if (each branch kept in a sequence of its own, or\n` +
			`re-decoded from where they part on an engine with one context).\n`
	);
	return withAppPage(async (page) => {
		const rounds: WhatIfFigures[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			rounds.push(
				await page.evaluate(measureInPage, { tokens: NEW_TOKENS, round, switches: SWITCHES })
			);
		}
		const median = (pick: (f: WhatIfFigures) => number) =>
			rounds.map(pick).sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
		const runMs = median((f) => f.runMs);
		const storedMs = median((f) => f.storedMs);
		const changedMs = median((f) => f.changedMs);
		printTable(
			['what', 'steps from storage / model', 'total ms', 'run ÷ this'],
			[
				['traced run', `0 / ${NEW_TOKENS}`, formatNumber(runMs), '1.00×'],
				[
					'what-if, same settings',
					`${median((f) => f.storedSteps)} / 0`,
					formatNumber(storedMs),
					`${formatNumber(runMs / storedMs, 2)}×`
				],
				[
					'what-if, T 1.5',
					`${median((f) => f.changedStored)} / ${median((f) => f.changedModel)} (medians)`,
					formatNumber(changedMs),
					`${formatNumber(runMs / changedMs, 2)}×`
				]
			]
		);
		console.log(
			`\nSwitching between the two branches: ${formatNumber(
				median((f) => f.switchMs),
				2
			)} ms per step (median)`
		);
		const identical = rounds.every((f) => f.identical && f.storedSteps === NEW_TOKENS);
		console.log(
			`\nThe same-settings what-if repeated the run token for token from storage: ${identical ? 'yes' : 'NO'}`
		);
		return identical && storedMs < runMs;
	});
}
