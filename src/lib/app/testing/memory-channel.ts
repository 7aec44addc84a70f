import type { SessionChange, SessionChannel } from '#lib/storage/session-changes';

/**
 * Tabs' session channels kept in memory, as BroadcastChannels of one name: a change posted on one
 * reaches every other, a task later, never the sender. For the history's tests.
 */
export class MemorySessionChannels {
	private readonly listeners = new Map<SessionChannel, Set<(change: SessionChange) => void>>();
	/** Every change posted, by any tab. */
	readonly posted: SessionChange[] = [];

	/** One tab's end of the channel. */
	open(): SessionChannel {
		const listeners = new Set<(change: SessionChange) => void>();
		const channel: SessionChannel = {
			post: (change) => {
				const copy = structuredClone(change);
				this.posted.push(copy);
				for (const [other, theirs] of this.listeners) {
					if (other === channel) continue;
					for (const listener of theirs) setTimeout(() => listener(structuredClone(copy)), 0);
				}
			},
			listen: (listener) => {
				listeners.add(listener);
				return () => listeners.delete(listener);
			}
		};
		this.listeners.set(channel, listeners);
		return channel;
	}
}
