import type { Engine } from '#lib/engines/types';
import type { ModelInfo } from '#lib/core/model';
import { promptTokens } from './prompt';
import type { PromptInput } from '#lib/core/prompt';
import { GenerationRequestError } from './validate';

/** Refuses a prompt of `length` tokens that leaves no room to generate in the context. */
export function checkPromptRoom(length: number, model: ModelInfo): void {
	if (length >= model.contextLength) {
		throw new GenerationRequestError(
			'prompt',
			`${length} tokens`,
			`fewer than ${model.contextLength} tokens (the context window)`,
			`The prompt is ${length} tokens long; the context holds ${model.contextLength}, leaving no room to generate`
		);
	}
}

/** The prompt's token ids, refused when empty or when it leaves no room in the context. */
export async function preparePrompt(
	engine: Engine,
	model: ModelInfo,
	input: PromptInput
): Promise<number[]> {
	const prompt = await promptTokens(engine, model, input);
	if (prompt.length === 0) {
		throw new GenerationRequestError('prompt', '', 'a prompt of at least one token');
	}
	checkPromptRoom(prompt.length, model);
	return prompt;
}

/**
 * Runs the prompt through the model from an empty context and returns the distribution of the
 * first new token. `evaluate` lets a single run hand its sampler's pick to the engine.
 *
 * Always from an empty context: re-using a cached prefix would change the batch shapes
 * llama.cpp computes with, and with them the last bits of the distribution. Lanes get the same
 * batch, then roll back to its end (see lanes.ts).
 */
export async function prefill(
	engine: Engine,
	prompt: readonly number[],
	evaluate: (ids: readonly number[]) => Promise<Float32Array> = (ids) => engine.evaluate(ids)
): Promise<Float32Array> {
	await engine.rollback(0);
	return evaluate(prompt);
}

/**
 * Runs a throwaway prompt and one decode step through a freshly loaded model, then empties the
 * context. The first evaluations of a model compile the engine's code and size its buffers
 * (a 5-token prompt took 363 ms on the first run of the test model, 2 ms after): done here,
 * that cost is part of loading, so the first run's figures are those of every later run.
 */
export async function warmUp(engine: Engine, model: ModelInfo): Promise<void> {
	const id = model.bosId ?? 0;
	await engine.evaluate([id, id]);
	await engine.evaluate([id]);
	await engine.rollback(0);
}
