import type { ModelInfo } from '#lib/engines/types';
import type { SamplingParams } from '#lib/sampling';
import type { GenerateRequest, SamplingBackend } from './types';

/** A request field outside its allowed values; shaped like the sampler's validation error. */
export class GenerationRequestError extends Error {
	override name = 'GenerationRequestError';
	constructor(
		readonly field: string,
		readonly value: unknown,
		readonly allowed: string,
		message = `${field}: ${describe(value)} is not allowed (expected ${allowed})`
	) {
		super(message);
	}
}

function describe(value: unknown): string {
	if (typeof value === 'string') return JSON.stringify(value);
	if (typeof value === 'number') return String(value);
	try {
		return JSON.stringify(value) ?? String(value);
	} catch {
		return String(value);
	}
}

const ROLES = new Set(['system', 'user', 'assistant']);
export const MAX_STOP_SEQUENCES = 16;
/** Generation also ends when the context is full, so this only catches nonsense. */
export const MAX_NEW_TOKENS_LIMIT = 1_000_000;

function isIntegerIn(value: unknown, min: number, max: number): value is number {
	return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Throws a {@link GenerationRequestError} (or the sampler's validation error) for bad input;
 * returns the sampling parameters as the sampler normalized them.
 */
export function validateGenerateRequest(
	request: GenerateRequest,
	model: Pick<ModelInfo, 'vocabSize'>,
	sampling: Pick<SamplingBackend, 'validateSamplingParams'>
): SamplingParams {
	const { input } = request;
	if (input?.mode === 'completion') {
		if (typeof input.prompt !== 'string') {
			throw new GenerationRequestError('prompt', input.prompt, 'a string');
		}
	} else if (input?.mode === 'chat') {
		if (input.systemPrompt !== undefined && typeof input.systemPrompt !== 'string') {
			throw new GenerationRequestError('systemPrompt', input.systemPrompt, 'a string');
		}
		if (!Array.isArray(input.messages) || input.messages.length === 0) {
			throw new GenerationRequestError('messages', input.messages, 'at least one message');
		}
		input.messages.forEach((m, i) => {
			if (!ROLES.has(m?.role) || typeof m?.content !== 'string') {
				throw new GenerationRequestError(
					`messages[${i}]`,
					m,
					'{ role: "system" | "user" | "assistant", content: string }'
				);
			}
		});
	} else {
		throw new GenerationRequestError(
			'mode',
			(input as { mode?: unknown })?.mode,
			'"completion" or "chat"'
		);
	}
	if (!isIntegerIn(request.maxNewTokens, 1, MAX_NEW_TOKENS_LIMIT)) {
		throw new GenerationRequestError(
			'maxNewTokens',
			request.maxNewTokens,
			`an integer from 1 to ${MAX_NEW_TOKENS_LIMIT}`
		);
	}
	const stops = request.stopSequences ?? [];
	if (
		!Array.isArray(stops) ||
		stops.length > MAX_STOP_SEQUENCES ||
		stops.some((s) => typeof s !== 'string' || s.length === 0)
	) {
		throw new GenerationRequestError(
			'stopSequences',
			stops,
			`up to ${MAX_STOP_SEQUENCES} non-empty strings`
		);
	}
	const stopIds = request.stopIds ?? [];
	if (!Array.isArray(stopIds) || stopIds.some((id) => !isIntegerIn(id, 0, model.vocabSize - 1))) {
		throw new GenerationRequestError(
			'stopIds',
			stopIds,
			`token ids from 0 to ${model.vocabSize - 1}`
		);
	}
	if (request.trace != null && !isIntegerIn(request.trace.topN, 1, model.vocabSize)) {
		throw new GenerationRequestError(
			'trace.topN',
			request.trace.topN,
			`an integer from 1 to ${model.vocabSize}`
		);
	}
	return sampling.validateSamplingParams(request.params, { vocabSize: model.vocabSize });
}
