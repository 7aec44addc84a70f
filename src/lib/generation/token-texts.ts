import type { ModelInfo } from '#lib/core/model';
import type { Engine } from '#lib/engines/types';
import { needsTokenTexts, type SamplingParams } from '#lib/sampling';

/** Each loaded model's token texts, read once (a model loaded again is a new ModelInfo). */
const read = new WeakMap<ModelInfo, Promise<readonly string[]>>();

/**
 * The text of every token of the loaded model (index = id), each decoded alone as the why panel
 * shows it (a partial UTF-8 character reads as U+FFFD). Read through the engine once per loaded
 * model and kept: about 150,000 calls for a large vocabulary, so only when a run asks for them.
 */
export function tokenTexts(engine: Engine, model: ModelInfo): Promise<readonly string[]> {
	let texts = read.get(model);
	if (!texts) {
		texts = readAll(engine, model.vocabSize);
		read.set(model, texts);
		// A failed read (the model unloaded meanwhile) is tried again next time.
		texts.catch(() => read.delete(model));
	}
	return texts;
}

async function readAll(engine: Engine, vocabSize: number): Promise<readonly string[]> {
	const decoder = new TextDecoder();
	const texts: string[] = new Array(vocabSize);
	for (let id = 0; id < vocabSize; id++) texts[id] = decoder.decode(await engine.tokenBytes([id]));
	return texts;
}

/**
 * The token texts the samplers for `params` need (DRY's sequence breakers are matched against
 * them), or undefined when none does.
 */
export function tokenTextsFor(
	engine: Engine,
	model: ModelInfo,
	params: readonly SamplingParams[]
): Promise<readonly string[] | undefined> {
	// Only parameters that name stages can switch DRY on (a fake backend's may name none).
	const needed = params.some((p) => Array.isArray(p.order) && needsTokenTexts(p));
	return needed ? tokenTexts(engine, model) : Promise.resolve(undefined);
}
