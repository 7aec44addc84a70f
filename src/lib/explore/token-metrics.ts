import { factValue, type CandidateTrace, type StepTrace } from '#lib/sampling';

/** What the token view colours tokens by. */
export type TokenMetric = 'probability' | 'entropy' | 'rank';

export const TOKEN_METRICS: readonly { metric: TokenMetric; label: string }[] = [
	{ metric: 'probability', label: 'Probability' },
	{ metric: 'entropy', label: 'Entropy' },
	{ metric: 'rank', label: 'Rank' }
];

/*
 * Every metric is of the token actually placed at the step, `placed`: the sampler's draw
 * (`trace.chosenId`, the default) or, where the user picked another candidate, that candidate.
 */

/** The placed token's line of a trace (traces always include the draw; picks come from them). */
export function chosenCandidate(
	trace: StepTrace,
	placed: number = trace.chosenId
): CandidateTrace | undefined {
	return trace.candidates.find((c) => c.id === placed);
}

/** The placed token's probability under the model itself (temperature 1, no cut-offs). */
export function rawProbability(trace: StepTrace, placed: number = trace.chosenId): number {
	return chosenCandidate(trace, placed)?.rawProbability ?? 0;
}

/** −ln p of the placed token under the model, in nats: how surprising the model found it. */
export function surprisal(trace: StepTrace, placed: number = trace.chosenId): number {
	const p = rawProbability(trace, placed);
	return p > 0 ? -Math.log(p) : Infinity;
}

/**
 * 1-based rank of the placed token by the model's own values, best first. Traces keep the top N
 * candidates plus the chosen one, so a token from beyond the top N reads as rank N + 1.
 */
export function rank(trace: StepTrace, placed: number = trace.chosenId): number {
	const chosen = chosenCandidate(trace, placed);
	if (!chosen) return trace.candidates.length + 1;
	return trace.candidates.filter((c) => c.logit > chosen.logit).length + 1;
}

/** Candidates left for the draw after the whole chain. */
export function survivors(trace: StepTrace): number {
	const last = trace.stages.at(-1);
	return last ? last.survivors : trace.candidates.length;
}

/** Mirostat's μ at this step (the threshold it cut at, in bits), or null when it did not run. */
export function mirostatMu(trace: StepTrace): number | null {
	return factValue(trace.stages.find((stage) => stage.name === 'mirostat')?.detail, 'mu');
}

/**
 * A token's metric as a score in [0, 1], 1 meaning confident (likely, low entropy, top rank),
 * for colouring. Entropy is scaled by `maxEntropy`, the largest in view.
 */
export function confidence(
	trace: StepTrace,
	metric: TokenMetric,
	maxEntropy: number,
	placed: number = trace.chosenId
): number {
	switch (metric) {
		case 'probability':
			return rawProbability(trace, placed);
		case 'entropy':
			return maxEntropy > 0 ? 1 - Math.min(1, trace.entropyBefore / maxEntropy) : 1;
		case 'rank':
			return 1 / rank(trace, placed);
	}
}

/**
 * The one palette of confidence colours: a sequential single-hue ramp, one step per fifth of the
 * score, the most ink for the least confident token, fading to nearly the page's surface for the
 * most confident one. Each step has a colour for the light theme and one for the dark theme;
 * lightness alone orders the steps, so readers who do not tell hues apart see the same order,
 * and the theme's text stays readable on every step (contrast.test.ts checks both). The score is
 * also drawn as a bar's length and read in words, never by colour alone.
 */
export const CONFIDENCE_PALETTE: readonly { light: string; dark: string }[] = [
	{ light: '#e97013', dark: '#994f16' },
	{ light: '#f19b58', dark: '#7b3f12' },
	{ light: '#f6bd90', dark: '#60320e' },
	{ light: '#fadac1', dark: '#4b260b' },
	{ light: '#f7f3ef', dark: '#2b2520' }
];

/** The palette step of a score in [0, 1] (clamped): 0 the least confident. */
export function confidenceStep(score: number): number {
	const clamped = Math.max(0, Math.min(1, Number.isFinite(score) ? score : 0));
	return Math.min(CONFIDENCE_PALETTE.length - 1, Math.floor(clamped * CONFIDENCE_PALETTE.length));
}

/** A token's background for a score in [0, 1], as CSS that follows the page's theme. */
export function confidenceColour(score: number): string {
	const { light, dark } = CONFIDENCE_PALETTE[confidenceStep(score)];
	return `light-dark(${light}, ${dark})`;
}

/** How a token's metric reads in words, e.g. "p 0.969" or "rank 3". */
export function describeMetric(
	trace: StepTrace,
	metric: TokenMetric,
	placed: number = trace.chosenId
): string {
	switch (metric) {
		case 'probability':
			return `p ${rawProbability(trace, placed).toFixed(3)}`;
		case 'entropy':
			return `entropy ${trace.entropyBefore.toFixed(2)} nats`;
		case 'rank':
			return `rank ${rank(trace, placed)}`;
	}
}
