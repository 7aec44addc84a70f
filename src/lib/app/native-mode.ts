import type { StageParamKey } from '#lib/sampling';

// TODO(issue 11): read this from the engines' capability table once it exists.
/** What WebLLM's own GPU sampler (native mode) cannot honour; `param` when a setting is ignored. */
const NATIVE_IGNORES: readonly { label: string; param?: StageParamKey }[] = [
	{ label: 'top-k', param: 'topK' },
	{ label: 'min-p', param: 'minP' },
	{ label: 'stage order' },
	{ label: 'traces' },
	{ label: 'seeds that match other engines' }
];

/** What native mode cannot honour, in words. */
export const NATIVE_UNSUPPORTED: readonly string[] = NATIVE_IGNORES.map((item) => item.label);

/** Whether native mode ignores the parameter `key`. */
export function nativeIgnores(key: string): boolean {
	return NATIVE_IGNORES.some((item) => item.param === key);
}
