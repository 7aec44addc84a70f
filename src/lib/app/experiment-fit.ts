import type { Experiment } from '#lib/core/experiment';
import type { EngineId } from '#lib/core/model';
import type { SamplingMode } from '#lib/core/run';
import { ENGINE_MODES } from '#lib/engines/capabilities';
import { parseNumberInput } from '#lib/params/fields';
import { paramSpecsOf, STAGE_DEFINITIONS, type StageRegistry } from '#lib/sampling';

/**
 * Whether an experiment (a share link's) fits the model it was opened on: values bounded by the
 * vocabulary, token ids in it, a sampling mode the engine has. Pure; the experiment draft calls it
 * once the link's model is loaded, so that problems are reported when the link opens rather than
 * at every Run.
 */

/** What the check needs of the loaded model. */
export interface ModelFacts {
	name: string;
	engine: EngineId;
	vocabSize: number;
}

export interface ModelFit {
	/** Messages of values the model cannot take, by parameter key (the panel's field). */
	fields: Record<string, string>;
	/** The logit bias without ids outside the vocabulary, when it had any. */
	logitBias: Record<number, number> | null;
	/** A sampling mode the engine has, when the experiment's is not one. */
	sampling: SamplingMode | null;
	/** One sentence per problem: what is wrong and what was done or what to do. */
	messages: string[];
}

const ids = (list: readonly number[]): string =>
	`${list.length === 1 ? 'token id' : 'token ids'} ${list.join(', ')}`;

/** Checks `experiment` against `model`; a fit with no messages means nothing to report. */
export function fitToModel(
	experiment: Experiment,
	model: ModelFacts,
	registry: StageRegistry = STAGE_DEFINITIONS
): ModelFit {
	const fit: ModelFit = { fields: {}, logitBias: null, sampling: null, messages: [] };
	const { vocabSize } = model;
	const params = experiment.params as unknown as Record<string, number>;
	for (const spec of paramSpecsOf(registry)) {
		if (spec.max !== 'vocab') continue;
		const text = String(params[spec.key]);
		const reading = parseNumberInput(text, spec, vocabSize);
		if (reading.ok) continue;
		fit.fields[spec.key] = reading.message;
		// Beyond the vocabulary means every token, which the vocabulary size itself also means.
		fit.messages.push(
			`${spec.label} ${text} is more than ${model.name}'s vocabulary of ${vocabSize} tokens. Set it in the parameter panel to at most ${vocabSize}; ${vocabSize} keeps every token, as the link's value would.`
		);
	}

	const bias = experiment.params.logitBias;
	const outside = Object.keys(bias)
		.map(Number)
		.filter((id) => id >= vocabSize);
	if (outside.length > 0) {
		fit.logitBias = Object.fromEntries(
			Object.entries(bias).filter(([id]) => Number(id) < vocabSize)
		);
		fit.messages.push(
			`The link biases ${ids(outside)}, which ${model.name} does not have (its ${vocabSize} tokens are ids 0 to ${vocabSize - 1}); those biases were removed, as they could change no token.`
		);
	}

	const mode = ENGINE_MODES[model.engine][experiment.sampling];
	if (!mode.available) {
		fit.sampling = 'exact';
		fit.messages.push(
			`The link asks for ${experiment.sampling} sampling, which ${model.name} on the ${model.engine} engine does not have (${mode.reason.replace(/^\w/, (c) => c.toLowerCase())}); it runs with exact sampling instead.`
		);
	}
	return fit;
}
