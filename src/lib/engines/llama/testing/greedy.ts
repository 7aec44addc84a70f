import type { LlamaWasm } from '../module';

/**
 * Greedy decoding straight on the module, for the tests that run real or synthetic models
 * through it (module, architectures and adapter tests).
 */

/** Index of the highest value, lowest index on ties. */
export function argmax(values: Float32Array): number {
	let best = 0;
	for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
	return best;
}

/** `steps` greedy tokens after `prompt`, fed into sequence `seq` from position 0. */
export function greedyTokens(
	llama: LlamaWasm,
	prompt: ArrayLike<number>,
	steps: number,
	seq = 0
): number[] {
	const out: number[] = [];
	let batch = Array.from(prompt);
	let pos = 0;
	for (let step = 0; step < steps; step++) {
		llama.decode({
			tokens: batch,
			positions: batch.map((_, i) => pos + i),
			seqs: batch.map(() => seq),
			logits: batch.map((_, i) => i === batch.length - 1)
		});
		pos += batch.length;
		const next = argmax(llama.logits(batch.length - 1));
		out.push(next);
		batch = [next];
	}
	return out;
}
