import type { StageDefinition } from '../stage';
import { memberValues } from './explain';

/**
 * Quadratic smoothing ("quadratic sampling", kalomaze): each finite logit is replaced by a curve
 * of its distance d = logit − max_logit (d ≤ 0) to the best one:
 *
 *     logit' = max_logit − k·f·d² + s·f·d³,  k = (3 − c)/2,  s = (c − 1)/2
 *
 * f the smoothing factor, c the smoothing curve. At c = 1 it is the parabola `max − f·d²`: the
 * best token stays where it is, close contenders (|d| < 1/f) move closer to it, and the far
 * tail falls away much faster than before. A small f flattens the top, a large one sharpens the
 * whole distribution. Raising c adds the cubic term, which pulls the far tail down harder still
 * (above c = 3 the squared term changes sign, so near contenders can pass the best token). −∞
 * logits stay −∞. f = 0 turns it off.
 *
 * llama.cpp has no such sampler. This is the rule of text-generation-webui's
 * `QuadraticSamplingLogitsWarper` (`modules/sampler_hijack.py`; koboldcpp's is the same), with
 * its fields `smoothing_factor` and `smoothing_curve` (range [1, 10] there and here); we compute
 * in float64 where they use float32.
 */
export const quadraticSmoothing = {
	name: 'quadratic-smoothing',
	label: 'Quadratic smoothing',
	summary:
		'Bends every logit along a parabola around the best one: close contenders move closer to it, the far tail drops away.',
	panelRank: 1.6,
	offByDefault: true,
	externalOrder: { textgen: ['quadratic_sampling'] },
	params: [
		{
			key: 'smoothingFactor',
			label: 'Smoothing factor',
			min: 0,
			max: 10,
			default: 0,
			external: { textgen: 'smoothing_factor', sillyTavern: 'smoothing_factor' },
			help: {
				what: 'Replaces each logit by max − f·d², d its distance below the best logit: a parabola that keeps the best token and reshapes the rest.',
				low: '0 turns it off; 0.1–0.3 flattens the top (contenders within 1/f nats of the best gain), a gentle alternative to a higher temperature.',
				high: '1 and more sharpens everything: the far tail all but vanishes.',
				typical: '0.2–0.3 with temperature 1 and no other truncation.',
				fixes:
					'Nonsense at high temperature: use smoothing instead of the temperature. Too predictable: lower the factor so the top flattens.'
			},
			slider: { min: 0, max: 3, step: 0.01 },
			sweep: { short: 'smooth' },
			resamplesWhatIf: true
		},
		{
			key: 'smoothingCurve',
			label: 'Smoothing curve',
			min: 1,
			max: 10,
			default: 1,
			external: { textgen: 'smoothing_curve', sillyTavern: 'smoothing_curve' },
			help: {
				what: 'Adds a cubic term to the smoothing: logit′ = max − ((3 − c)/2)·f·d² + ((c − 1)/2)·f·d³.',
				low: '1 is the plain parabola.',
				high: 'Higher values cut the far tail harder; above 3 near contenders can overtake the best token.',
				typical: '1; 2–4 to drop the tail harder.',
				fixes: 'Smoothing keeps too many odd tokens: raise the curve.'
			},
			slider: { min: 1, max: 10, step: 0.1 },
			sweep: null,
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ smoothingFactor }) => smoothingFactor === 0,
	create({ smoothingFactor: factor, smoothingCurve: curve }) {
		return {
			apply(candidates) {
				// Factor 0 would set every logit to the best one's: the rule is off there instead.
				if (factor === 0) return;
				const maxLogit = candidates.maxLogit();
				const { logits } = candidates;
				for (let i = 0; i < candidates.count; i++) {
					const id = candidates.idAt(i);
					logits[id] = smoothLogit(logits[id], maxLogit, factor, curve);
				}
				candidates.logitsChanged();
			},
			explain(candidates, _context, tracked) {
				const maxLogit = candidates.maxLogit();
				const { logits } = candidates;
				const breakEven = breakEvenDistance(factor, curve);
				return {
					facts: [
						{ key: 'factor', label: 'Smoothing factor f', value: factor },
						{ key: 'curve', label: 'Curve c', value: curve },
						{ key: 'max', label: 'Best logit', value: maxLogit },
						{ key: 'breakEven', label: 'Tokens closer than this gain', value: breakEven }
					],
					measure: {
						label: 'Logit − best',
						values: memberValues(
							candidates,
							tracked,
							(id) => smoothLogit(logits[id], maxLogit, factor, curve) - maxLogit
						),
						before: memberValues(candidates, tracked, (id) => logits[id] - maxLogit),
						lines: [
							{ label: 'best', value: 0 },
							{ label: 'break-even', value: -breakEven }
						],
						kept: 'all'
					}
				};
			}
		};
	}
} as const satisfies StageDefinition<'quadratic-smoothing', 'smoothingFactor' | 'smoothingCurve'>;

/**
 * The distance x below the best logit that smoothing leaves unchanged (−x ↦ −x): closer tokens
 * move up towards the best, farther ones down. It solves s·f·x² + k·f·x = 1, so 1/f at c = 1.
 */
export function breakEvenDistance(f: number, c: number): number {
	const k = (3 - c) / 2;
	const s = (c - 1) / 2;
	if (s === 0) return 1 / (k * f);
	return (-k * f + Math.sqrt(k * k * f * f + 4 * s * f)) / (2 * s * f);
}

/**
 * A logit after quadratic smoothing with factor `f` and curve `c`, given the best logit. The best
 * tokens keep their logit bit for bit (the sum below would turn a best logit of −0 into +0).
 */
export function smoothLogit(logit: number, maxLogit: number, f: number, c: number): number {
	if (logit === -Infinity || logit === maxLogit) return logit;
	const d = logit - maxLogit;
	const d2 = d * d;
	return maxLogit - ((3 - c) / 2) * f * d2 + ((c - 1) / 2) * f * d2 * d;
}
