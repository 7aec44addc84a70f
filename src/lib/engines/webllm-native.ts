import { randomSeed, stageDefinition, type SamplingParams, type StageName } from '#lib/sampling';
import { stageValues } from '#lib/sampling/params';
import { VisibleText } from '#lib/generation/visible-text';
import type { FinishReason, GenerationResult, IgnoredParam } from '#lib/core/run';
import type { GenerateRequest, GenerationEvent } from '#lib/generation/types';
import type { ModelInfo } from '#lib/core/model';

/** WebLLM's sampling fields, as its OpenAI-style requests spell them. */
export interface NativeSamplingFields {
	temperature: number;
	top_p: number;
	repetition_penalty: number;
	frequency_penalty: number;
	presence_penalty: number;
	logit_bias?: Record<string, number>;
	seed: number;
}

/** WebLLM reduces seeds modulo 2³¹ − 1 (and turns 0 into 1). */
const WEBLLM_SEED_MODULUS = 2 ** 31 - 1;

function activeStages(params: SamplingParams): StageName[] {
	const values = stageValues(params);
	return params.order.filter(
		(name) => !stageDefinition(name).isNeutral(values, { logitBias: params.logitBias })
	);
}

/** What WebLLM's sampler is asked to do: the user's values for active stages, no-ops for the rest. */
export function nativeSamplingFields(params: SamplingParams, seed: number): NativeSamplingFields {
	const active = new Set(activeStages(params));
	const fields: NativeSamplingFields = {
		temperature: active.has('temperature') ? params.temperature : 1,
		top_p: active.has('top-p') ? params.topP : 1,
		repetition_penalty: active.has('repetition-penalty') ? params.repeatPenalty : 1,
		frequency_penalty: active.has('frequency-presence') ? params.frequencyPenalty : 0,
		presence_penalty: active.has('frequency-presence') ? params.presencePenalty : 0,
		seed
	};
	if (active.has('logit-bias')) {
		fields.logit_bias = Object.fromEntries(
			Object.entries(params.logitBias).map(([id, bias]) => [String(id), bias])
		);
	}
	return fields;
}

/** WebLLM's fixed order: logit bias, then penalties (one kernel), temperature, top-p. */
const WEBLLM_RANK: Partial<Record<StageName, number>> = {
	'logit-bias': 0,
	'repetition-penalty': 1,
	'frequency-presence': 1,
	temperature: 2,
	'top-p': 3
};

/** The user's parameters WebLLM's own sampler does not honour, each with the reason. */
export function nativeIgnoredParams(params: SamplingParams, seed: number): IgnoredParam[] {
	const active = activeStages(params);
	const ignored: IgnoredParam[] = [];
	if (active.includes('top-k')) {
		ignored.push({ field: 'topK', reason: 'WebLLM has no top-k; all tokens stay in play.' });
	}
	if (active.includes('min-p')) {
		ignored.push({ field: 'minP', reason: 'WebLLM has no min-p; all tokens stay in play.' });
	}
	if (active.includes('repetition-penalty') || active.includes('frequency-presence')) {
		ignored.push({
			field: 'repeatLastN',
			reason:
				'WebLLM penalizes only the tokens generated in this run: the prompt does not count and there is no window.'
		});
	}
	const ranks = active.flatMap((name) => WEBLLM_RANK[name] ?? []);
	if (ranks.some((rank, i) => i > 0 && rank < ranks[i - 1])) {
		ignored.push({
			field: 'order',
			reason:
				'WebLLM always applies logit bias, then penalties, temperature and top-p, in that order.'
		});
	}
	const reduced = seed % WEBLLM_SEED_MODULUS || 1;
	ignored.push({
		field: 'seed',
		reason:
			'WebLLM draws on the GPU with its own generator: the same seed repeats a native run on this device, but not the tokens of exact sampling' +
			(reduced !== seed
				? ` (and it takes seeds modulo 2³¹ − 1, so this one acts as ${reduced}).`
				: '.')
	});
	return ignored;
}

/** One chunk of WebLLM's stream, reduced to what the run needs. */
export interface NativeChunk {
	finishReason: string | null;
}

/** What a native run needs from the engine. */
export interface NativeRunDeps {
	model: ModelInfo;
	/** The prompt's tokens as WebLLM will feed them (for the start event and stats). */
	promptTokens: number[];
	/** Starts WebLLM's streaming request with these sampling fields. */
	start(
		fields: NativeSamplingFields & { max_tokens: number; stop?: string[] }
	): Promise<AsyncIterator<NativeChunk>>;
	/** Ids WebLLM sampled since the last call (recorded by the logit processor). */
	takeSampled(): number[];
	tokenBytes(id: number): Uint8Array;
	interrupt(): Promise<void> | void;
	params: SamplingParams;
	signal?: AbortSignal;
	now?: () => number;
}

/**
 * One native-mode generation: WebLLM's own sampler on the GPU, streamed. Token ids come from the
 * logit processor (WebLLM's chunks carry text only), and text, stop sequences, stop ids and
 * finish reasons are worked out exactly as in exact mode, so the events have the same shape.
 *
 * Ending early (Stop, a stop id or a stop sequence of ours) interrupts WebLLM and then finishes
 * the stream: WebLLM holds the model's lock until its generator has run to the end (or been
 * returned), and the next request would wait forever otherwise.
 */
export async function runNative(
	request: GenerateRequest,
	deps: NativeRunDeps,
	onEvent: (event: GenerationEvent) => void = () => {}
): Promise<GenerationResult> {
	const { model, params, signal } = deps;
	const now = deps.now ?? (() => performance.now());
	const startedAt = now();
	const seed = params.seed ?? randomSeed();
	const ignoredParams = nativeIgnoredParams(params, seed);
	const prompt = deps.promptTokens;
	onEvent({ type: 'start', seed, promptTokens: [...prompt], ignoredParams });

	const stopIds = new Set([...model.stopIds, ...(request.stopIds ?? [])]);
	const pieceDecoder = new TextDecoder();
	const visible = new VisibleText(request.stopSequences ?? []);
	const tokenIds: number[] = [];
	let text = '';
	let firstTokenAt: number | null = null;
	// Set inside callbacks too; the cast keeps TypeScript from narrowing it to null here.
	let finishReason = null as FinishReason | null;
	let stopSequence: string | null = null;
	let webllmFinish: string | null = null;

	const handle = (id: number) => {
		firstTokenAt ??= now();
		const index = tokenIds.length;
		tokenIds.push(id);
		if (stopIds.has(id)) {
			onEvent({ type: 'token', index, tokenId: id, piece: '', text: '', isStop: true });
			finishReason = 'eos';
			return;
		}
		const bytes = deps.tokenBytes(id);
		const { release, matched } = visible.push(bytes);
		text += release;
		onEvent({
			type: 'token',
			index,
			tokenId: id,
			piece: pieceDecoder.decode(bytes),
			text: release,
			isStop: false
		});
		if (matched !== null) {
			finishReason = 'stop-sequence';
			stopSequence = matched;
		} else if (tokenIds.length >= request.maxNewTokens) {
			finishReason = 'max-tokens';
		}
	};
	const drainSampled = () => {
		for (const id of deps.takeSampled()) {
			if (finishReason !== null) break;
			handle(id);
		}
	};

	const onAbort = () => void Promise.resolve(deps.interrupt()).catch(() => {});
	signal?.addEventListener('abort', onAbort);
	let prefillEndedAt: number | null = null;
	let iterator: AsyncIterator<NativeChunk> | null = null;
	let done = false;
	try {
		if (signal?.aborted) finishReason = 'stopped';
		else {
			deps.takeSampled();
			iterator = await deps.start({
				...nativeSamplingFields(params, seed),
				max_tokens: request.maxNewTokens,
				...(request.stopSequences?.length ? { stop: [...request.stopSequences] } : {})
			});
		}
		while (iterator && finishReason === null) {
			const step = await iterator.next();
			prefillEndedAt ??= now();
			drainSampled();
			if (step.done) {
				done = true;
				break;
			}
			webllmFinish = step.value.finishReason ?? webllmFinish;
			if (finishReason === null && signal?.aborted) finishReason = 'stopped';
		}
	} finally {
		signal?.removeEventListener('abort', onAbort);
		if (iterator && !done) await finishStream(iterator, deps.interrupt);
		deps.takeSampled();
	}

	if (finishReason === null) {
		if (webllmFinish === 'length') {
			finishReason = tokenIds.length >= request.maxNewTokens ? 'max-tokens' : 'context-full';
		} else if (webllmFinish === 'abort') finishReason = 'stopped';
		else if (webllmFinish === 'stop') finishReason = 'eos';
		else finishReason = signal?.aborted ? 'stopped' : 'eos';
	}
	if (finishReason !== 'stop-sequence') {
		const tail = visible.finish();
		text += tail.release;
		if (tail.matched !== null) {
			finishReason = 'stop-sequence';
			stopSequence = tail.matched;
		}
	}
	const endedAt = now();
	prefillEndedAt ??= endedAt;
	const decodeSeconds = (endedAt - prefillEndedAt) / 1000;
	return {
		text,
		tokenIds,
		finishReason,
		stopSequence,
		seed,
		ignoredParams,
		stats: {
			promptTokens: prompt.length,
			generatedTokens: tokenIds.length,
			timeToFirstTokenMs: firstTokenAt === null ? null : firstTokenAt - startedAt,
			prefillMs: prefillEndedAt - startedAt,
			tokensPerSecond:
				tokenIds.length > 0 && decodeSeconds > 0 ? tokenIds.length / decodeSeconds : null,
			totalMs: endedAt - startedAt,
			// WebLLM's sampler draws on the GPU; its distributions are not kept for native runs.
			meanEntropy: null,
			perplexity: null
		}
	};
}

/** Interrupts WebLLM, then runs its stream to the end so it releases the model's lock. */
async function finishStream(
	iterator: AsyncIterator<NativeChunk>,
	interrupt: () => Promise<void> | void
): Promise<void> {
	try {
		await interrupt();
		// After an interrupt WebLLM's generator stops at its next step and yields at most a final
		// chunk and a usage chunk; the bound only guards against a generator that never ends.
		for (let i = 0; i < 1_000_000; i++) if ((await iterator.next()).done) return;
	} catch {
		// Fall through to return(), which runs the generator's cleanup (and its lock release).
	}
	await iterator.return?.().catch(() => {});
}
