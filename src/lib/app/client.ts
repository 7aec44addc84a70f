import type { ClientStatusEvent, InferenceClientApi } from '#lib/worker/client';

/** The worker was replaced (it crashed); the model it held must be loaded again. */
export type WorkerRestart = Pick<ClientStatusEvent, 'reason' | 'lostModel'>;

/**
 * The inference worker as the page's state classes use it: the worker protocol's methods they
 * call, plus restarts. The worker's client implements it; unit tests pass
 * `testing/fake-client.ts`. State classes depend on this type, never on the client class.
 */
export type PlaygroundClient = Pick<
	InferenceClientApi,
	| 'loadModel'
	| 'cancelLoad'
	| 'tokenize'
	| 'tokenPieces'
	| 'renderPrompt'
	| 'generate'
	| 'generateLanes'
	| 'exploreStart'
	| 'exploreNodes'
	| 'exploreStep'
	| 'exploreResample'
	| 'stop'
	| 'storedWebLlmModels'
	| 'deleteStoredWebLlmModel'
> & {
	/** Subscribes to worker restarts; returns the unsubscribe function. */
	onStatus(listener: (event: WorkerRestart) => void): () => void;
	dispose(): void;
};
