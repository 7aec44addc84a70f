import { describe, expect, it } from 'vitest';
import type { StageDetail, StepTrace } from '#lib/sampling';
import { detailView, formatMeasured } from './stage-detail-view';

const noBefore = { beforePosition: null, beforeText: null };

const trace = {
	candidates: [{ id: 7 }, { id: 3 }, { id: 9 }]
} as unknown as StepTrace;

describe('a stage’s detail as the why panel shows it', () => {
	it('formats facts with units, in about three digits, infinities and tiny values readable', () => {
		expect(formatMeasured(1.23456)).toBe('1.23');
		expect(formatMeasured(-0.5)).toBe('−0.5');
		expect(formatMeasured(0.00031)).toBe('3.10e−4');
		expect(formatMeasured(-Infinity)).toBe('−∞');
		const view = detailView(
			{ facts: [{ key: 'h', label: 'Entropy', value: 1.14212, unit: 'nats' }] },
			trace,
			[7]
		);
		expect(view.facts).toEqual([{ key: 'h', label: 'Entropy', text: '1.14 nats' }]);
		expect(view.measure).toBeNull();
		expect(view.note).toBeNull();
	});

	it('puts the measure on one axis with its lines, rows in the chart’s order, kept by the first line', () => {
		const detail: StageDetail = {
			facts: [],
			measure: {
				label: 'Logit',
				values: [4, 2, null],
				lines: [
					{ label: 'cut', value: 3 },
					{ label: 'best', value: 4 }
				],
				kept: 'above'
			}
		};
		const view = detailView(detail, trace, [9, 3, 7]);
		expect(view.measure?.rows).toEqual([
			{ id: 9, value: null, text: '', position: null, kept: null, ...noBefore },
			{ id: 3, value: 2, text: '2', position: 0, kept: false, ...noBefore },
			{ id: 7, value: 4, text: '4', position: 1, kept: true, ...noBefore }
		]);
		expect(view.measure?.lines).toEqual([
			{ label: 'cut', text: '3', position: 0.5 },
			{ label: 'best', text: '4', position: 1 }
		]);
	});

	it('spreads probabilities near a tiny floor on a log axis; a reshaping stage keeps every row', () => {
		const detail: StageDetail = {
			facts: [],
			measure: {
				label: 'Probability',
				values: [0.1, 0.001, 0],
				lines: [{ label: 'Floor', value: 0.01 }],
				kept: 'above',
				scale: 'log'
			}
		};
		const rows = detailView(detail, trace, [7, 3, 9]).measure!.rows;
		expect(rows.map((r) => r.position)).toEqual([1, 0, 0]);
		expect(rows.map((r) => r.kept)).toEqual([true, false, false]);
		const reshaping = { ...detail, measure: { ...detail.measure!, kept: 'all' as const } };
		expect(detailView(reshaping, trace, [7]).measure!.rows[0].kept).toBeNull();
		expect(detailView(detail, trace, [7]).measure!.lines[0].position).toBeCloseTo(0.5, 12);
	});

	it('shows a reshaping stage’s transform: each value before it acted on the same axis', () => {
		const detail: StageDetail = {
			facts: [],
			measure: {
				label: 'Logit − best',
				values: [0, -0.5, -8],
				before: [0, -1, -4],
				lines: [{ label: 'best', value: 0 }],
				kept: 'all'
			}
		};
		const rows = detailView(detail, trace, [7, 3, 9]).measure!.rows;
		// The axis spans both: −8 … 0.
		expect(rows.map((r) => r.position)).toEqual([1, 0.9375, 0]);
		expect(rows.map((r) => r.beforePosition)).toEqual([1, 0.875, 0.5]);
		expect(rows.map((r) => r.beforeText)).toEqual(['0', '−1', '−4']);
	});
});
