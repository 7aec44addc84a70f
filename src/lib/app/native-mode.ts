import type { EngineId } from '#lib/core/model';
import { ENGINE_MODES, NATIVE_SAMPLER_NAMES } from '#lib/engines/capabilities';

/**
 * Native mode as the page shows it for one engine: whose sampler runs and what it does not
 * honour as our sampler does, read off the capability table. The parameter panel and the model
 * picker call it.
 */
export interface NativeMode {
	/** Whose sampler picks the tokens, e.g. "WebLLM's GPU sampler". */
	sampler: string;
	/** What native mode cannot honour, in words. */
	unsupported: readonly string[];
	/** Why native mode ignores the parameter `key` (its input is then disabled), or null. */
	ignored(key: string): string | null;
}

/** Native mode on `engine`, or null when the engine has none (or no model is loaded). */
export function nativeMode(engine: EngineId | null): NativeMode | null {
	if (engine === null || engine === 'llama') return null;
	const native = ENGINE_MODES[engine].native;
	if (!native.available) return null;
	const notHonoured = Object.entries(native.capabilities).flatMap(([key, capability]) =>
		capability.support === 'honoured' ? [] : [{ key, ...capability }]
	);
	return {
		sampler: NATIVE_SAMPLER_NAMES[engine],
		// A stage with several parameters is named once.
		unsupported: [...new Set(notHonoured.map((item) => item.label))],
		ignored: (key) =>
			notHonoured.find((item) => item.key === key && item.support === 'ignored')?.reason ?? null
	};
}
