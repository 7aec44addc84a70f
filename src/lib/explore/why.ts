import {
	STAGE_DEFINITIONS,
	type StageName,
	type StageRegistry,
	type StepTrace
} from '#lib/sampling';

/** Each stage's name as the panel shows it, for `registry`'s stages. */
export function stageTitles(
	registry: StageRegistry = STAGE_DEFINITIONS
): Readonly<Record<string, string>> {
	return Object.fromEntries(registry.map((stage) => [stage.name, stage.label.toLowerCase()]));
}

/** Each stage's name as the panel shows it. */
export const STAGE_TITLES = stageTitles() as Readonly<Record<StageName, string>>;

const RAW_EXPLANATION = 'The model’s own probabilities (temperature 1), before any stage.';

/** What a stage does, in one or two sentences (its summary), for the chart that shows it. */
export function stageExplanation(
	name: StageName | 'raw',
	registry: StageRegistry = STAGE_DEFINITIONS
): string {
	if (name === 'raw') return RAW_EXPLANATION;
	const stage = registry.find((s) => s.name === name);
	if (!stage) throw new RangeError(`Unknown sampler stage "${name}"`);
	return stage.summary;
}

export interface StageRow {
	id: number;
	/** Probability after the stage (renormalized over the survivors); `null` once removed. */
	probability: number | null;
	/** This stage removed it. */
	removedHere: boolean;
}

export interface StageChart {
	key: string;
	/** `raw` for the model's own distribution, before any stage. */
	name: StageName | 'raw';
	skipped: boolean;
	/** Candidates left after the stage; `null` for the raw distribution (the whole vocabulary). */
	survivors: number | null;
	massRemoved: number;
	keptBestOnly: boolean;
	rows: StageRow[];
}

/**
 * One chart per stage, in the order the chain ran, after the model's raw distribution: the traced
 * candidates (best first by the model's value) with their renormalized probability after it.
 */
export function stageRows(trace: StepTrace): StageChart[] {
	const candidates = [...trace.candidates].sort((a, b) => b.logit - a.logit);
	const raw: StageChart = {
		key: 'raw',
		name: 'raw',
		skipped: false,
		survivors: null,
		massRemoved: 0,
		keptBestOnly: false,
		rows: candidates.map((c) => ({ id: c.id, probability: c.rawProbability, removedHere: false }))
	};
	const charts = trace.stages.map((stage, i): StageChart => ({
		key: `${i}-${stage.name}`,
		name: stage.name,
		skipped: stage.skipped,
		survivors: stage.survivors,
		massRemoved: stage.massRemoved,
		keptBestOnly: stage.keptBestOnly,
		rows: candidates.map((c) => ({
			id: c.id,
			probability: c.probabilities[i],
			removedHere: c.probabilities[i] === null && (i === 0 || c.probabilities[i - 1] !== null)
		}))
	}));
	return [raw, ...charts];
}

export interface DrawRow {
	id: number;
	raw: number;
	/** Probability in the final distribution; `null` when a stage removed the candidate. */
	final: number | null;
	/** The candidate's interval of the cumulative distribution; `null` for removed candidates. */
	interval: { from: number; to: number } | null;
}

/**
 * The draw: the surviving candidates in the order it walks them (most probable first), each with
 * its interval of the cumulative distribution (the draw takes the one whose interval holds u),
 * then the removed candidates, which could only be reached by picking them by hand.
 */
export function drawRows(trace: StepTrace): DrawRow[] {
	const last = trace.stages.length - 1;
	const rows = trace.candidates.map((c) => ({
		id: c.id,
		raw: c.rawProbability,
		final: last < 0 ? c.rawProbability : c.probabilities[last],
		logit: c.logit
	}));
	const survivors = rows
		.filter((r) => r.final !== null)
		.sort((a, b) => b.final! - a.final! || b.logit - a.logit);
	const removed = rows.filter((r) => r.final === null).sort((a, b) => b.logit - a.logit);
	let cumulative = 0;
	return [
		...survivors.map(({ id, raw, final }) => {
			const from = cumulative;
			cumulative += final!;
			return { id, raw, final, interval: { from, to: cumulative } };
		}),
		...removed.map(({ id, raw }) => ({ id, raw, final: null, interval: null }))
	];
}
