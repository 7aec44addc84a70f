import type { LogitProcessor } from '@mlc-ai/web-llm';

/** Index of the highest value, lowest index on ties (NaN never wins). */
function argmax(values: Float32Array): number {
	let best = 0;
	for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
	return best;
}

/**
 * The bridge between WebLLM's sampling step and our sampler, registered as the model's
 * LogitProcessor.
 *
 * WebLLM 0.2.86 (`LLMChatPipeline.sampleFromRawLogits`) copies the model's logits to the CPU,
 * hands them to `processLogits` FIRST, copies the result back to the GPU, and only then applies
 * logit bias, penalties, temperature and top-p and draws. So in exact mode:
 * - what `processLogits` receives is the raw model output; we keep a copy (the distribution our
 *   sampler sees) before anything of WebLLM's has touched it;
 * - our sampler picks from that copy right here (the `pick` given for this step), and we return
 *   0 for the picked id and −Infinity for every other id. Whatever WebLLM's own stages do to a
 *   one-hot input (they are also set to no-ops, see `exactModeChatOptions`), the softmax puts
 *   probability 1 on the picked id, so its draw can only return it. The engine checks that it
 *   did, every step;
 * - WebLLM never feeds its sampled token to the model: the KV cache only receives what we pass
 *   to the next `forwardTokensAndSample`, which is that same id. Nothing is applied twice.
 * With no `pick` (re-forwarding a prefix after a rollback) the argmax is forced and WebLLM's
 * sample is discarded.
 *
 * In native mode the logits pass through untouched (WebLLM samples as it likes) and we only
 * record the ids it samples; the cost is WebLLM's copy of the logits to the CPU and back.
 */
export class SamplerBridge implements LogitProcessor {
	mode: 'exact' | 'native' = 'exact';
	/** Exact mode: the raw logits of the last step. */
	captured: Float32Array | null = null;
	/** Exact mode: the id forced in the last step. */
	forced: number | null = null;
	/** Exact mode: what `pick` threw in the last step (the argmax was forced instead). */
	pickError: unknown = null;
	/** Every id WebLLM's sampler returned, in order (read and cleared by the engine). */
	readonly sampled: number[] = [];
	#pick: ((distribution: Float32Array) => number) | null = null;

	/** Arms the bridge for the next step. */
	prepare(pick: ((distribution: Float32Array) => number) | null): void {
		this.#pick = pick;
		this.captured = null;
		this.forced = null;
		this.pickError = null;
	}

	processLogits = (logits: Float32Array): Float32Array => {
		if (this.mode === 'native') return logits;
		const copy = logits.slice();
		this.captured = copy;
		const pick = this.#pick;
		this.#pick = null;
		let id: number;
		try {
			id = pick ? pick(copy) : argmax(copy);
			if (!Number.isInteger(id) || id < 0 || id >= logits.length) {
				throw new RangeError(`The sampler picked ${id}, outside the vocabulary`);
			}
		} catch (error) {
			// Never throw into WebLLM mid-step: its GPU scope would stay open. Report afterwards.
			this.pickError = error;
			id = argmax(copy);
		}
		this.forced = id;
		logits.fill(-Infinity);
		logits[id] = 0;
		return logits;
	};

	processSampledToken = (token: number): void => {
		this.sampled.push(token);
	};

	resetState = (): void => {};
}
