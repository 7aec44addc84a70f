import type { StageDetail, StageFact, StageLine, StageMeasure, TokenSequence } from '#lib/sampling';
import { array, nullable, number, object, oneOf, string, type Reader } from './check';

/**
 * A stage's detail (sampling/stage-detail.ts) as stored text: JSON in which ±Infinity is written
 * as "Infinity"/"-Infinity" and NaN, which no stage should produce, as null. The token codec
 * keeps each traced stage's detail this way; its reader checks the shape like any other field.
 */
export function stageDetailText(detail: StageDetail): string {
	return JSON.stringify(detail, (_key, value: unknown) =>
		typeof value === 'number' && !Number.isFinite(value)
			? Number.isNaN(value)
				? null
				: String(value)
			: value
	);
}

const anyNumber = number({ infinite: true });
const label = string({ maxLength: 200 });

const fact = object<StageFact>(
	{ key: string({ nonEmpty: true, maxLength: 100 }), label, value: anyNumber, unit: label },
	{ optional: ['unit'] }
);
const line = object<StageLine>({ label, value: anyNumber });
const measure = object<StageMeasure>(
	{
		label,
		unit: label,
		values: array(nullable(anyNumber)),
		before: array(nullable(anyNumber)),
		lines: array(line),
		kept: oneOf(['above', 'below', 'all']),
		scale: oneOf(['linear', 'log'])
	},
	{ optional: ['unit', 'before', 'scale'] }
);
const sequence = object<TokenSequence>({
	label,
	ids: array(number({ integer: true, min: 0 }))
});

/** Checks a stage's detail read from JSON, reporting every problem at its path. */
export const stageDetail: Reader<StageDetail> = object<StageDetail>(
	{
		facts: array(fact),
		measure,
		sequences: array(sequence),
		note: string({ maxLength: 1000 })
	},
	{ optional: ['measure', 'sequences', 'note'] }
);
