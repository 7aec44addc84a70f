/**
 * Tells the other tabs of this origin which stored sessions changed, so their history follows.
 * The history (app/sessions.svelte.ts) posts and listens through {@link SessionChannel}; the page
 * gives it {@link broadcastSessionChannel}, tests a memory one.
 */

/** The BroadcastChannel the tabs share. */
export const SESSION_CHANNEL_NAME = 'sampling-playground-sessions';

/** Sessions saved, renamed, imported or deleted in one tab. */
export interface SessionChange {
	ids: string[];
	/** Of those, the ones the sending tab is recording now: their `running` runs really run. */
	recording: string[];
}

export interface SessionChannel {
	/** Tells every other tab; never this one. */
	post(change: SessionChange): void;
	/** Hears the other tabs' changes; returns what stops listening. */
	listen(listener: (change: SessionChange) => void): () => void;
}

const isIdList = (value: unknown): value is string[] =>
	Array.isArray(value) && value.every((id) => typeof id === 'string');

/** A message as another tab sent it (perhaps of another release), or null if it is not one. */
export function readSessionChange(data: unknown): SessionChange | null {
	if (typeof data !== 'object' || data === null) return null;
	const { ids, recording } = data as Record<string, unknown>;
	if (!isIdList(ids) || !isIdList(recording)) return null;
	return { ids: [...ids], recording: [...recording] };
}

/** The browser's channel between tabs; null where there is none (the history then stays local). */
export function broadcastSessionChannel(
	name = SESSION_CHANNEL_NAME
): (SessionChannel & { close(): void }) | null {
	if (typeof BroadcastChannel === 'undefined') return null;
	const channel = new BroadcastChannel(name);
	return {
		post(change) {
			channel.postMessage(change);
		},
		listen(listener) {
			const onMessage = (event: MessageEvent) => {
				const change = readSessionChange(event.data);
				if (change) listener(change);
			};
			channel.addEventListener('message', onMessage);
			return () => channel.removeEventListener('message', onMessage);
		},
		close() {
			channel.close();
		}
	};
}
