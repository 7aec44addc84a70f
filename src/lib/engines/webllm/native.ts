import type { SamplingParams, StageName } from '#lib/sampling';
import type { IgnoredParam } from '#lib/core/run';
import { ENGINE_MODES } from '../capabilities';
import { activeStages, ignoredStageParams, orderDiffers } from '../native-stages';
import type { NativeStep, NativeStream } from '../types';

/**
 * WebLLM's native mode: its sampling fields, what its sampler does not honour (reasons from the
 * capability table) and its stream as the engine contract's {@link NativeStream}. Called by
 * {@link WebLlmEngine}.
 */

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

const NATIVE = ENGINE_MODES.webllm.native.capabilities;

/** The user's parameters WebLLM's own sampler does not honour in this run, each with the reason. */
export function nativeIgnoredParams(params: SamplingParams, seed: number): IgnoredParam[] {
	const active = activeStages(params);
	const ignored: IgnoredParam[] = [];
	ignored.push(...ignoredStageParams(active, NATIVE));
	if (active.includes('repetition-penalty') || active.includes('frequency-presence')) {
		ignored.push({ field: 'repeatLastN', reason: NATIVE.repeatLastN.reason });
	}
	if (orderDiffers(active, WEBLLM_RANK)) {
		ignored.push({ field: 'order', reason: NATIVE.order.reason });
	}
	const reduced = seed % WEBLLM_SEED_MODULUS || 1;
	ignored.push({
		field: 'seed',
		reason:
			reduced === seed
				? NATIVE.seed.reason
				: NATIVE.seed.reason.replace(
						/\.$/,
						` (and it takes seeds modulo 2³¹ − 1, so this one acts as ${reduced}).`
					)
	});
	return ignored;
}

/** One chunk of WebLLM's stream, reduced to what the run needs. */
export interface NativeChunk {
	finishReason: string | null;
}

/** WebLLM's chunk stream (completion or chat) reduced to finish reasons. */
export function streamChunks(
	stream: AsyncIterable<{ choices: { finish_reason?: string | null }[] }>
): AsyncIterator<NativeChunk> {
	const inner = stream[Symbol.asyncIterator]();
	return {
		async next() {
			const step = await inner.next();
			return step.done
				? { done: true, value: undefined }
				: { done: false, value: { finishReason: step.value.choices[0]?.finish_reason ?? null } };
		},
		async return() {
			await inner.return?.();
			return { done: true, value: undefined };
		}
	};
}

export interface WebLlmNativeStreamDeps {
	/** Ids WebLLM sampled since the last call (recorded by the logit processor). */
	takeSampled(): number[];
	interrupt(): Promise<void> | void;
	/** Runs once the stream is closed (gives the engine back to exact mode). */
	onClose(): void;
}

/**
 * A running native request. Token ids come from the logit processor (WebLLM's chunks carry text
 * only). Closing it early interrupts WebLLM and then finishes the stream: WebLLM holds the
 * model's lock until its generator has run to the end (or been returned), and the next request
 * would wait forever otherwise.
 */
export class WebLlmNativeStream implements NativeStream {
	#chunks: AsyncIterator<NativeChunk>;
	#deps: WebLlmNativeStreamDeps;
	#done = false;

	constructor(chunks: AsyncIterator<NativeChunk>, deps: WebLlmNativeStreamDeps) {
		this.#chunks = chunks;
		this.#deps = deps;
	}

	async next(): Promise<NativeStep> {
		const step = await this.#chunks.next();
		const sampled = this.#deps.takeSampled();
		if (step.done) {
			this.#done = true;
			return { sampled, done: true, finishReason: null };
		}
		return { sampled, done: false, finishReason: step.value.finishReason };
	}

	interrupt(): void {
		void Promise.resolve(this.#deps.interrupt()).catch(() => {});
	}

	async close(): Promise<void> {
		try {
			if (!this.#done) await this.#finish();
		} finally {
			this.#done = true;
			this.#deps.takeSampled();
			this.#deps.onClose();
		}
	}

	/** Interrupts WebLLM, then runs its stream to the end so it releases the model's lock. */
	async #finish(): Promise<void> {
		try {
			await this.#deps.interrupt();
			// After an interrupt WebLLM's generator stops at its next step and yields at most a final
			// chunk and a usage chunk; the bound only guards against a generator that never ends.
			for (let i = 0; i < 1_000_000; i++) if ((await this.#chunks.next()).done) return;
		} catch {
			// Fall through to return(), which runs the generator's cleanup (and its lock release).
		}
		await this.#chunks.return?.().catch(() => {});
	}
}
