import { ENGINE_MODES } from '#lib/engines/capabilities';

/** What WebLLM's own GPU sampler (native mode) does not honour as our sampler does. */
const NATIVE = Object.entries(ENGINE_MODES.webllm.native.capabilities).flatMap(
	([key, capability]) => (capability.support === 'honoured' ? [] : [{ key, ...capability }])
);

/** What native mode cannot honour, in words. */
export const NATIVE_UNSUPPORTED: readonly string[] = NATIVE.map((item) => item.label);

/** Whether native mode ignores the parameter `key` (its input can be disabled). */
export function nativeIgnores(key: string): boolean {
	return NATIVE.some((item) => item.key === key && item.support === 'ignored');
}
