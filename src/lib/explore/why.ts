import { plural } from '#lib/core/plural';
import {
	labelInSentence,
	STAGE_DEFINITIONS,
	type StageDetail,
	type StageName,
	type StageRegistry,
	type StepTrace
} from '#lib/sampling';

/** Each stage's name as the panel shows it, for `registry`'s stages. */
export function stageTitles(
	registry: StageRegistry = STAGE_DEFINITIONS
): Readonly<Record<string, string>> {
	return Object.fromEntries(registry.map((stage) => [stage.name, labelInSentence(stage.label)]));
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

/** A candidate's bar in one small chart. */
export interface BarRow {
	id: number;
	/** Probability after the stage (renormalized over the survivors); `null` once removed. */
	probability: number | null;
	/** Probability before the stage; `null` if it was already removed. */
	before: number | null;
	/** This stage removed it (its `before` bar is drawn shaded and struck). */
	removedHere: boolean;
}

/** One small chart: the model's raw distribution, or a stage that changed something. */
export interface SmallChart {
	key: string;
	name: StageName | 'raw';
	/** Candidates left after the stage; `null` for the raw distribution (the whole vocabulary). */
	survivors: number | null;
	/** Mass (before the stage) it removed, over the whole vocabulary. */
	massRemoved: number;
	/** Tokens of the vocabulary it removed; `null` when the count before it is unknown. */
	removedCount: number | null;
	keptBestOnly: boolean;
	rows: BarRow[];
	/** The stage's own account of its decision, when it gives one. */
	detail: StageDetail | null;
}

/** A stage that changed nothing, and why. */
export interface UnchangedStage {
	key: string;
	name: StageName;
	/** `off`: its setting turns it off (it was skipped); `kept`: it ran and left everything. */
	reason: 'off' | 'kept';
	/** The stage's own sentence on this step (e.g. a random stage that did not fire). */
	note: string | null;
}

export interface WhyCharts {
	/** The raw distribution first, then each stage that changed something, in the chain's order. */
	charts: SmallChart[];
	/** The stages that changed nothing, in the chain's order. */
	unchanged: UnchangedStage[];
}

/** Probabilities closer than this are the same (float64 display arithmetic of the same values). */
const SAME = 1e-9;

/**
 * The small multiples of the why panel: one chart per stage that changed the distribution, the
 * others folded into a list. A stage changed nothing when it was skipped, or when it removed no
 * candidate and left every traced probability as it was.
 */
export function whyCharts(trace: StepTrace): WhyCharts {
	const [raw, ...stages] = stageRows(trace);
	const charts: SmallChart[] = [
		{
			key: raw.key,
			name: raw.name,
			survivors: null,
			massRemoved: 0,
			removedCount: null,
			keptBestOnly: false,
			rows: raw.rows.map((r) => ({ ...r, before: null })),
			detail: null
		}
	];
	const unchanged: UnchangedStage[] = [];
	let previous = raw;
	stages.forEach((chart, i) => {
		const name = chart.name as StageName;
		const before = previous.rows;
		const rows = chart.rows.map((r, j) => ({ ...r, before: before[j].probability }));
		const countBefore = i === 0 ? null : trace.stages[i - 1].survivors;
		const removedCount = countBefore === null ? null : countBefore - (chart.survivors ?? 0);
		const moved = rows.some(
			(r) =>
				(r.probability === null) !== (r.before === null) ||
				(r.probability !== null && Math.abs(r.probability - r.before!) > SAME)
		);
		previous = chart;
		const detail = trace.stages[i].detail ?? null;
		if (chart.skipped) {
			unchanged.push({ key: chart.key, name, reason: 'off', note: deferral(trace, name) });
		} else if (!moved && chart.massRemoved === 0 && !removedCount && !chart.keptBestOnly) {
			unchanged.push({ key: chart.key, name, reason: 'kept', note: detail?.note ?? null });
		} else {
			charts.push({
				key: chart.key,
				name,
				survivors: chart.survivors,
				massRemoved: chart.massRemoved,
				removedCount,
				keptBestOnly: chart.keptBestOnly,
				rows,
				detail
			});
		}
	});
	return { charts, unchanged };
}

/** Why a skipped stage's work happened elsewhere: temperature defers to dynamic temperature. */
function deferral(trace: StepTrace, name: StageName): string | null {
	const dynamic = trace.stages.some((s) => s.name === 'dynamic-temperature' && !s.skipped);
	return name === 'temperature' && dynamic
		? 'defers to dynamic temperature, which applies the temperature at this step.'
		: null;
}

const fixed2 = (x: number) => x.toFixed(2);

/** What a stage did, in a few words: "removed 0.31 of the mass, 14 tokens". */
export function removalSummary(chart: SmallChart): string {
	if (chart.name === 'raw') return 'the model’s own probabilities';
	if (chart.keptBestOnly) return 'would have removed every token; kept the best one';
	const tokens = chart.removedCount === null ? '' : `, ${plural(chart.removedCount, 'token')}`;
	if (chart.massRemoved > 0 || (chart.removedCount ?? 0) > 0) {
		// Mass that rounds to 0.00 still names what it removed.
		const mass = chart.massRemoved >= 0.005 ? fixed2(chart.massRemoved) : '< 0.01';
		return `removed ${mass} of the mass${tokens}`;
	}
	return 'removed nothing; reshaped the probabilities';
}

/** The folded line for stages that changed nothing; `null` when every stage changed something. */
export function unchangedLine(
	unchanged: readonly UnchangedStage[],
	titles: Readonly<Record<string, string>> = STAGE_TITLES
): string | null {
	if (unchanged.length === 0) return null;
	const off = unchanged.filter((s) => s.reason === 'off').map((s) => titles[s.name]);
	const kept = unchanged.filter((s) => s.reason === 'kept').map((s) => titles[s.name]);
	const parts = [
		...(off.length > 0
			? [
					`${off.join(', ')} (${off.length === 1 ? 'its' : 'their'} setting turns ${off.length === 1 ? 'it' : 'them'} off)`
				]
			: []),
		...(kept.length > 0 ? [`${kept.join(', ')} (kept every candidate as it was)`] : [])
	];
	return `No change: ${parts.join('; ')}.`;
}

/** A segment of the cumulative bar: a candidate's interval of [0, 1]. */
export interface CumulativeSegment {
	/** The token id, or `null` for the mass of the tokens outside the trace. */
	id: number | null;
	from: number;
	to: number;
	/** u falls in it: the draw took it (or would have, for the raw distribution). */
	hit: boolean;
}

/**
 * The cumulative bar the draw walks: the final survivors in draw order (most probable first), or
 * with `raw` the model's own probabilities of the traced candidates; then what the traced
 * candidates leave of the mass (other tokens), when it shows. `hit` marks the segment holding u.
 */
export function cumulativeSegments(trace: StepTrace, raw = false): CumulativeSegment[] {
	const parts = raw
		? [...trace.candidates]
				.sort((a, b) => b.logit - a.logit)
				.map((c) => ({ id: c.id, p: c.rawProbability }))
		: drawRows(trace)
				.filter((r) => r.final !== null)
				.map((r) => ({ id: r.id, p: r.final! }));
	const u = trace.u;
	let cumulative = 0;
	const segments: CumulativeSegment[] = parts.map(({ id, p }) => {
		const from = cumulative;
		cumulative += p;
		return { id, from, to: cumulative, hit: false };
	});
	if (1 - cumulative > 1e-6) segments.push({ id: null, from: cumulative, to: 1, hit: false });
	const at =
		u === null
			? raw
				? -1
				: segments.findIndex((s) => s.id === trace.chosenId)
			: segments.findIndex((s) => u >= s.from && u < s.to);
	if (at >= 0) segments[at].hit = true;
	return segments;
}
