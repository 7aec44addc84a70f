import type { StageDetail, StepTrace } from '#lib/sampling';

/**
 * A stage's own detail (what it measured and decided, see sampling/stage-detail.ts) laid out for
 * the why panel: facts as text, the measure as bars on one axis with its decision lines, rows in
 * the order the stage's chart lists its tokens. Pure; WhyPanel draws it.
 */
export interface DetailView {
	facts: { key: string; label: string; text: string }[];
	measure: MeasureView | null;
	sequences: { label: string; ids: number[] }[];
	note: string | null;
}

export interface MeasureView {
	/** The axis, with its unit. */
	label: string;
	scale: 'linear' | 'log';
	rows: MeasureRow[];
	lines: { label: string; text: string; position: number }[];
}

export interface MeasureRow {
	id: number;
	value: number | null;
	text: string;
	/** Where the value sits on the axis, 0–1; null when the measure does not apply. */
	position: number | null;
	/** Whether the stage keeps it by the first line; null when it only reshapes. */
	kept: boolean | null;
	/** Where its value before the stage sits (a reshaping stage's `before`), or null. */
	beforePosition: number | null;
	beforeText: string | null;
}

/** A measured value in about three significant digits; tiny ones in exponent form. */
export function formatMeasured(value: number): string {
	if (Number.isNaN(value)) return '—';
	if (value === Infinity) return '∞';
	if (value === -Infinity) return '−∞';
	if (value !== 0 && Math.abs(value) < 0.001) return value.toExponential(2).replace('-', '−');
	return String(Number(value.toPrecision(3))).replace('-', '−');
}

const withUnit = (text: string, unit: string | undefined) => (unit ? `${text} ${unit}` : text);

/** Lays out `detail` for the chart whose rows list the tokens `rowIds`, in that order. */
export function detailView(
	detail: StageDetail,
	trace: StepTrace,
	rowIds: readonly number[]
): DetailView {
	return {
		facts: detail.facts.map((f) => ({
			key: f.key,
			label: f.label,
			text: withUnit(formatMeasured(f.value), f.unit)
		})),
		measure: detail.measure ? measureView(detail, trace, rowIds) : null,
		sequences: detail.sequences ?? [],
		note: detail.note ?? null
	};
}

function measureView(detail: StageDetail, trace: StepTrace, rowIds: readonly number[]) {
	const measure = detail.measure!;
	const scale = measure.scale ?? 'linear';
	const byId = new Map(trace.candidates.map((c, i) => [c.id, measure.values[i] ?? null]));
	const beforeById = new Map(trace.candidates.map((c, i) => [c.id, measure.before?.[i] ?? null]));
	const onAxis = (v: number) => (scale === 'log' ? (v > 0 ? Math.log10(v) : -Infinity) : v);
	const finite = [...byId.values(), ...beforeById.values(), ...measure.lines.map((l) => l.value)]
		.filter((v): v is number => v !== null)
		.map(onAxis)
		.filter(Number.isFinite);
	const lo = finite.length > 0 ? Math.min(...finite) : 0;
	const hi = finite.length > 0 ? Math.max(...finite) : 1;
	const position = (v: number) => {
		const x = onAxis(v);
		if (x === -Infinity) return 0;
		if (x === Infinity) return 1;
		return hi === lo ? 1 : (x - lo) / (hi - lo);
	};
	const cut = measure.lines[0]?.value;
	const keeps = (v: number): boolean | null =>
		measure.kept === 'all' || cut === undefined
			? null
			: measure.kept === 'above'
				? v >= cut
				: v <= cut;
	return {
		label: measure.unit ? `${measure.label} (${measure.unit})` : measure.label,
		scale,
		rows: rowIds.map((id) => {
			const value = byId.get(id) ?? null;
			const before = value === null ? null : (beforeById.get(id) ?? null);
			return {
				id,
				value,
				text: value === null ? '' : formatMeasured(value),
				position: value === null ? null : position(value),
				kept: value === null ? null : keeps(value),
				beforePosition: before === null ? null : position(before),
				beforeText: before === null ? null : formatMeasured(before)
			};
		}),
		lines: measure.lines.map((l) => ({
			label: l.label,
			text: formatMeasured(l.value),
			position: position(l.value)
		}))
	};
}
