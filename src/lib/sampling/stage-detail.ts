/**
 * What a stage shows of its own mechanism in "Why this token?": the numbers it decided on (the
 * entropy, σ, the temperature it used, Mirostat's μ), a measure of its own per token (distance to
 * the entropy, surprise, penalty) with the lines it cut at, and token sequences (DRY's matched
 * text). A stage's `explain` fills one when tracing is on; the trace keeps it (StageTrace.detail),
 * the token codec stores it and the why panel draws it with one generic chart. Pure data.
 */
export interface StageDetail {
	/** Named numbers of this step, in the order to show them. */
	facts: StageFact[];
	/** The stage's own measure of each tracked candidate, with its decision lines. */
	measure?: StageMeasure;
	/** Token sequences the stage matched or acted on, shown as text. */
	sequences?: TokenSequence[];
	/** One sentence on what happened at this step (e.g. whether a random stage fired). */
	note?: string;
}

export interface StageFact {
	/** Stable name for code that reads a fact across steps (the timeline's μ). */
	key: string;
	label: string;
	value: number;
	unit?: string;
}

export interface StageMeasure {
	/** What the axis measures, e.g. "distance to the entropy". */
	label: string;
	unit?: string;
	/**
	 * One value per tracked candidate, in the order of {@link StepTrace.candidates} (the `tracked`
	 * ids `explain` was given); `null` where the measure does not apply (e.g. already removed).
	 */
	values: (number | null)[];
	/**
	 * For a stage that reshapes: each tracked candidate's value on the same axis before the stage
	 * acted, so the chart shows the transform (quadratic smoothing's curve, a temperature's
	 * stretch) as a move from `before` to `values`.
	 */
	before?: (number | null)[];
	/** Values on the same axis the stage decided by (a cut, the entropy, μ). */
	lines: StageLine[];
	/** Which side of the first line the stage keeps; `all` when it only reshapes. */
	kept: 'above' | 'below' | 'all';
	/** `log` for values spanning orders of magnitude (probabilities near a small floor). */
	scale?: 'linear' | 'log';
}

export interface StageLine {
	label: string;
	value: number;
}

export interface TokenSequence {
	label: string;
	ids: number[];
}

/** Sets the fact `key` of `detail`, replacing one of the same key (for values known later). */
export function setFact(detail: StageDetail, fact: StageFact): void {
	const at = detail.facts.findIndex((f) => f.key === fact.key);
	if (at === -1) detail.facts.push(fact);
	else detail.facts[at] = fact;
}

/** The value of fact `key`, or null when the detail has none. */
export function factValue(detail: StageDetail | undefined, key: string): number | null {
	return detail?.facts.find((f) => f.key === key)?.value ?? null;
}
