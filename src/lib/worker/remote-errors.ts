import { transferHandlers, type TransferHandler } from 'comlink';

/** Error properties, besides message/name/stack, that survive the trip to the page. */
const EXTRA_FIELDS = ['field', 'value', 'allowed', 'status', 'url', 'type', 'code'] as const;

interface ThrownValue {
	value: unknown;
}

function cloneable(value: unknown): boolean {
	try {
		structuredClone(value);
		return true;
	} catch {
		return false;
	}
}

/**
 * Comlink sends only message, name and stack of a thrown Error, so a validation error would lose
 * the field it names. Replace its "throw" handler (in the worker) with one that keeps the
 * fields above; comlink's page side already copies every sent property onto the rethrown Error.
 */
export function installRemoteErrorHandler(): void {
	const original = transferHandlers.get('throw') as TransferHandler<ThrownValue, unknown>;
	const handler: TransferHandler<ThrownValue, unknown> = {
		canHandle: original.canHandle,
		serialize(thrown) {
			const error = thrown.value;
			if (!(error instanceof Error)) return original.serialize(thrown);
			const value: Record<string, unknown> = {
				message: error.message,
				name: error.name,
				stack: error.stack
			};
			for (const key of EXTRA_FIELDS) {
				const extra = (error as unknown as Record<string, unknown>)[key];
				if (extra !== undefined && cloneable(extra)) value[key] = extra;
			}
			return [{ isError: true, value }, []];
		},
		deserialize: original.deserialize
	};
	transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
}
