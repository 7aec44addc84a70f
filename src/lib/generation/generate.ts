import type { Engine } from '#lib/engines/types';
import type { ModelInfo } from '#lib/core/model';
import { decode, SamplingRun, type DecodedStep } from './decode';
import { preparePrompt, prefill } from './prefill';
import { tokenTextsFor } from './token-texts';
import type { GenerateRequest, GenerationEvent, SamplingBackend } from './types';
import type { GenerationResult } from '#lib/core/run';
import { validateGenerateRequest } from './validate';

export interface GenerateDeps {
	engine: Engine;
	model: ModelInfo;
	sampling: SamplingBackend;
	/** Aborting ends the run after the step in progress, with finish reason `stopped`. */
	signal?: AbortSignal;
	now?: () => number;
	/** Called for every sampled step, before its token joins the history. */
	onStep?: (step: DecodedStep) => void;
	/**
	 * Resolves when the next model step may run; the worker holds a run while the page has many
	 * of its events still to read, so a fast engine cannot flood the page.
	 */
	paced?: () => Promise<void>;
}

/**
 * One generation: validate, tokenize, prefill, then per step take the engine's full next-token
 * distribution, let our sampler pick, stream the token and feed it back.
 */
export async function generate(
	request: GenerateRequest,
	deps: GenerateDeps,
	onEvent: (event: GenerationEvent) => void = () => {}
): Promise<GenerationResult> {
	const { engine, model, sampling, signal } = deps;
	const now = deps.now ?? (() => performance.now());
	const startedAt = now();
	const params = validateGenerateRequest(request, model, sampling);
	const prompt = await preparePrompt(engine, model, request.input);
	const texts = await tokenTextsFor(engine, model, [params]);
	const run = new SamplingRun(request, params, prompt, model, sampling, texts);
	onEvent({ type: 'start', seed: run.seed, promptTokens: [...prompt] });

	const prefillStartedAt = now();
	const first = signal?.aborted
		? null
		: await prefill(engine, prompt, (ids) => run.evaluate(engine, ids));
	const prefillEndedAt = now();
	return decode(
		run,
		first,
		{ engine, model, signal, now, onStep: deps.onStep, paced: deps.paced },
		{ startedAt, prefillStartedAt, prefillEndedAt },
		onEvent
	);
}
