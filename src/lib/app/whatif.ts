import { PARAM_SPECS, type SamplingParams } from '#lib/sampling';

// TODO(issue 11): use the sampling layer's own list once it exports one (WHATIF_KEYS).
/** The parameters whose change re-samples a what-if: every stage parameter, the seed and the order. */
export const WHATIF_KEYS: readonly (keyof SamplingParams)[] = [
	...PARAM_SPECS.map((spec) => spec.key),
	'seed',
	'order'
];

/** The what-if parameters of `params` as one comparable text. */
export function whatIfKey(params: SamplingParams): string {
	return JSON.stringify(WHATIF_KEYS.map((key) => params[key]));
}
