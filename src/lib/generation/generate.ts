import type { Engine, ModelInfo } from '#lib/engines/types';
import { promptTokens } from './prompt';
import { StopSequenceMatcher } from './stop-sequences';
import type {
	FinishReason,
	GenerateRequest,
	GenerationEvent,
	GenerationResult,
	SamplingBackend
} from './types';
import { Utf8Stream } from './utf8-stream';
import { GenerationRequestError, validateGenerateRequest } from './validate';

export interface GenerateDeps {
	engine: Engine;
	model: ModelInfo;
	sampling: SamplingBackend;
	/** Aborting ends the run after the step in progress, with finish reason `stopped`. */
	signal?: AbortSignal;
	now?: () => number;
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

	const prompt = await promptTokens(engine, model, request.input);
	if (prompt.length === 0) {
		throw new GenerationRequestError('prompt', '', 'a prompt of at least one token');
	}
	if (prompt.length >= model.contextLength) {
		throw new GenerationRequestError(
			'prompt',
			`${prompt.length} tokens`,
			`fewer than ${model.contextLength} tokens (the context window)`,
			`The prompt is ${prompt.length} tokens long; the context holds ${model.contextLength}, leaving no room to generate`
		);
	}
	const sampler = sampling.createSampler(params, {
		vocabSize: model.vocabSize,
		distribution: model.distribution,
		trace: request.trace ? { topN: request.trace.topN } : false
	});
	onEvent({ type: 'start', seed: sampler.seed, promptTokens: [...prompt] });

	const stopIds = new Set([...model.stopIds, ...(request.stopIds ?? [])]);
	const utf8 = new Utf8Stream();
	const pieceDecoder = new TextDecoder();
	const stops = new StopSequenceMatcher(request.stopSequences ?? []);
	const history = [...prompt];
	const tokenIds: number[] = [];
	let text = '';
	let firstTokenAt: number | null = null;
	let finishReason: FinishReason | null = null;
	let stopSequence: string | null = null;

	// An engine that samples on its own (WebLLM) lets our sampler pick inside its step and forces
	// that pick; for the others `picked` stays null and the sampler runs after evaluate().
	let picked: number | null = null;
	const pick = (distribution: Float32Array) => (picked = sampler.sample(distribution, history));
	const evaluate = (ids: readonly number[]) => {
		picked = null;
		return engine.evaluate(ids, { pick });
	};
	const takePicked = (): number | null => picked;

	// Every run prefills from an empty context: re-using a cached prefix would change the batch
	// shapes llama.cpp computes with, and with them the last bits of the distribution.
	const prefillStartedAt = now();
	let distribution: Float32Array | null = null;
	if (signal?.aborted) finishReason = 'stopped';
	else {
		await engine.rollback(0);
		distribution = await evaluate(prompt);
	}
	const prefillEndedAt = now();

	while (finishReason === null && distribution !== null) {
		if (signal?.aborted) {
			finishReason = 'stopped';
			break;
		}
		const id = takePicked() ?? sampler.sample(distribution, history);
		const trace = request.trace ? (sampler.lastTrace ?? undefined) : undefined;
		firstTokenAt ??= now();
		const index = tokenIds.length;
		tokenIds.push(id);
		history.push(id);
		if (stopIds.has(id)) {
			onEvent({
				type: 'token',
				index,
				tokenId: id,
				piece: '',
				text: '',
				isStop: true,
				...(trace ? { trace } : {})
			});
			finishReason = 'eos';
			break;
		}
		const bytes = await engine.tokenBytes([id]);
		const { release, matched } = stops.push(utf8.push(bytes));
		text += release;
		onEvent({
			type: 'token',
			index,
			tokenId: id,
			piece: pieceDecoder.decode(bytes),
			text: release,
			isStop: false,
			...(trace ? { trace } : {})
		});
		if (matched !== null) {
			finishReason = 'stop-sequence';
			stopSequence = matched;
		} else if (tokenIds.length >= request.maxNewTokens) {
			finishReason = 'max-tokens';
		} else if (engine.contextUsed >= model.contextLength) {
			finishReason = 'context-full';
		} else if (signal?.aborted) {
			finishReason = 'stopped';
		} else {
			distribution = await evaluate([id]);
		}
	}
	if (finishReason !== 'stop-sequence') {
		const tail = stops.push(utf8.flush());
		text += tail.release + (tail.matched === null ? stops.flush() : '');
		if (tail.matched !== null) {
			finishReason = 'stop-sequence';
			stopSequence = tail.matched;
		}
	}

	const endedAt = now();
	const decodeSeconds = (endedAt - prefillEndedAt) / 1000;
	return {
		text,
		tokenIds,
		finishReason: finishReason ?? 'stopped',
		stopSequence,
		seed: sampler.seed,
		stats: {
			promptTokens: prompt.length,
			generatedTokens: tokenIds.length,
			timeToFirstTokenMs: firstTokenAt === null ? null : firstTokenAt - startedAt,
			prefillMs: prefillEndedAt - prefillStartedAt,
			tokensPerSecond:
				tokenIds.length > 0 && decodeSeconds > 0 ? tokenIds.length / decodeSeconds : null,
			totalMs: endedAt - startedAt
		}
	};
}
