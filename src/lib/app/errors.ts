/** Turns anything thrown by the client, the worker or an engine into one plain sentence. */
export function describeError(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	switch (error.name) {
		case 'AbortError':
			return 'Loading was cancelled.';
		case 'WorkerCrashedError':
			return `${error.message}. Load the model again to continue.`;
		case 'SamplingValidationError':
		case 'GenerationRequestError':
		case 'DistributionError':
			return `${error.message}.`.replace(/\.\.$/, '.');
		case 'GgufError':
			return `The model file cannot be loaded: ${error.message}.`;
		case 'ModelDownloadError':
			return `The model could not be downloaded. ${error.message}. Check the connection, or open the file from disk.`;
		case 'TypeError':
			if (/fetch|network/i.test(error.message)) {
				return `The model could not be downloaded (${error.message}). Check the connection, or open the file from disk.`;
			}
			return error.message;
		default:
			return error.message || error.name;
	}
}

/**
 * Why the worker crashed, when `error` says it did (the client's WorkerCrashedError, or the
 * engine's own crash, after which the client restarts the worker too); null otherwise. It is
 * the reason the client's restart event carries.
 */
export function crashReason(error: unknown): string | null {
	if (!(error instanceof Error)) return null;
	if (error.name === 'WorkerCrashedError') {
		const { reason } = error as { reason?: unknown };
		return typeof reason === 'string' ? reason : error.message;
	}
	return error.name === 'EngineCrashedError' ? error.message : null;
}
