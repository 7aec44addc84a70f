import type { ModelInfo } from '#lib/core/model';
import type { SamplingParams } from '#lib/sampling';
import {
	MAX_LANES,
	type GenerateRequest,
	type LaneSpec,
	type LanesRequest,
	type SamplingBackend
} from './types';
import { type PromptInput } from '#lib/core/prompt';

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

/** The prompt input's shape: completion text, or chat messages with valid roles. */
export function validatePromptInput(input: PromptInput): void {
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
}

/** The fields that end a run: the token budget, stop sequences and stop ids. */
export function validateRunLimits(
	request: Pick<GenerateRequest, 'maxNewTokens' | 'stopSequences' | 'stopIds'>,
	model: Pick<ModelInfo, 'vocabSize'>
): void {
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
}

/** One run's sampler settings: the trace size, then the sampling parameters (normalized). */
export function validateRunSampling(
	run: Pick<GenerateRequest, 'params' | 'trace'>,
	model: Pick<ModelInfo, 'vocabSize'>,
	sampling: Pick<SamplingBackend, 'validateSamplingParams'>
): SamplingParams {
	if (run.trace != null && !isIntegerIn(run.trace.topN, 1, model.vocabSize)) {
		throw new GenerationRequestError(
			'trace.topN',
			run.trace.topN,
			`an integer from 1 to ${model.vocabSize}`
		);
	}
	return sampling.validateSamplingParams(run.params, { vocabSize: model.vocabSize });
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
	validatePromptInput(request.input);
	validateRunLimits(request, model);
	return validateRunSampling(request, model, sampling);
}

/**
 * The fields all lanes share, and the list of lanes itself (1 to {@link MAX_LANES}, unique
 * non-empty ids). Each lane's own settings are checked by {@link validateLane}, so one bad lane
 * does not stop the others.
 */
export function validateLanesRequest(
	request: LanesRequest,
	model: Pick<ModelInfo, 'vocabSize'>
): void {
	validatePromptInput(request.input);
	validateRunLimits(request, model);
	const lanes: unknown = request.lanes;
	if (!Array.isArray(lanes) || lanes.length < 1 || lanes.length > MAX_LANES) {
		throw new GenerationRequestError(
			'lanes',
			Array.isArray(lanes) ? `${lanes.length} lanes` : lanes,
			`1 to ${MAX_LANES} lanes`
		);
	}
	const ids = new Set<string>();
	lanes.forEach((lane: Partial<LaneSpec> | null, i) => {
		const id = lane?.id;
		if (typeof id !== 'string' || id === '' || ids.has(id)) {
			throw new GenerationRequestError(`lanes[${i}].id`, id, 'a non-empty id, unique per request');
		}
		ids.add(id);
	});
}

const SAMPLING_MODES = new Set<unknown>([undefined, 'exact', 'native']);

/** One lane's own settings; returns its sampling parameters as the sampler normalized them. */
export function validateLane(
	lane: LaneSpec,
	model: Pick<ModelInfo, 'vocabSize'>,
	sampling: Pick<SamplingBackend, 'validateSamplingParams'>
): SamplingParams {
	if (!SAMPLING_MODES.has(lane.sampling)) {
		throw new GenerationRequestError('sampling', lane.sampling, '"exact" or "native"');
	}
	return validateRunSampling(lane, model, sampling);
}
