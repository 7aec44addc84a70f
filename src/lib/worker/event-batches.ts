import type { InferenceService } from './inference-service';

/**
 * Streamed events cross from the worker to the page in batches: one message (one comlink call)
 * for every token of a frame, not one per token. Each message costs the page's main thread a
 * task of its own whatever it holds, so a fast engine sending each token alone keeps the page
 * busy with messages. The worker entry sends batches ({@link batchingEvents}); the client takes
 * them apart ({@link unbatching}), so the service and the page's state see one event at a time.
 */

/** Longest an event waits in the worker for others to go with it: about one frame. */
export const EVENT_BATCH_MS = 16;

/**
 * A callback for the service that sends what it is given to `send` in batches: the first event
 * of a batch starts a timer of `ms`, and every event until it fires goes in the same batch. Each
 * call's promise settles once its batch was handled, so the service's pacing (it holds a run
 * while too many events are unread) counts as before.
 */
export function batchingEvents<E>(
	send: (events: E[]) => unknown,
	ms = EVENT_BATCH_MS
): (event: E) => Promise<void> {
	let batch: E[] | null = null;
	let sent: Promise<void> = Promise.resolve();
	return (event) => {
		if (batch === null) {
			const open: E[] = [];
			batch = open;
			sent = new Promise<void>((resolve) => setTimeout(resolve, ms)).then(async () => {
				batch = null;
				await send(open);
			});
		}
		batch.push(event);
		return sent;
	};
}

/** The page's side: a callback for the wire that hands each event of a batch to `onEvent`. */
export function unbatching<E>(onEvent: (event: E) => void): (events: E | E[]) => void {
	return (events) => {
		if (!Array.isArray(events)) onEvent(events);
		else for (const event of events) onEvent(event);
	};
}

/** A page callback as the worker receives it: one that takes a batch. */
type Batched<E> = ((event: E) => void) | undefined;

function batched<E>(onEvent: Batched<E>): ((event: E) => Promise<void>) | undefined {
	if (!onEvent) return undefined;
	const send = onEvent as unknown as (events: E[]) => unknown;
	return batchingEvents((events: E[]) => send(events));
}

/**
 * The service as the worker entry exposes it: the callbacks of runs, lanes and what-ifs come from
 * the client's {@link unbatching} and are sent batches.
 */
export function withBatchedEvents<S extends InferenceService>(service: S): S {
	const generate = service.generate.bind(service);
	const generateLanes = service.generateLanes.bind(service);
	const exploreResample = service.exploreResample.bind(service);
	service.generate = (request, onEvent) => generate(request, batched(onEvent));
	service.generateLanes = (request, onEvent) => generateLanes(request, batched(onEvent));
	service.exploreResample = (params, maxSteps, onStep) =>
		exploreResample(params, maxSteps, batched(onStep));
	return service;
}
