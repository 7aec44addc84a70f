import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { batchingEvents, EVENT_BATCH_MS, unbatching } from './event-batches';

describe('streamed events in batches', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('sends what comes within one batch time as one message, in order', async () => {
		const sent: number[][] = [];
		const deliver = batchingEvents<number>((events) => sent.push(events));
		const first = [1, 2, 3].map((n) => deliver(n));
		expect(sent).toEqual([]);
		await vi.advanceTimersByTimeAsync(EVENT_BATCH_MS);
		expect(sent).toEqual([[1, 2, 3]]);
		await Promise.all(first);
		const second = deliver(4);
		await vi.advanceTimersByTimeAsync(EVENT_BATCH_MS - 1);
		const third = deliver(5);
		expect(sent).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(sent).toEqual([
			[1, 2, 3],
			[4, 5]
		]);
		// Each event's promise is its batch's: settled once the page handled it.
		expect(second).toBe(third);
		await second;
	});

	it('settles an event only when the page has handled its batch', async () => {
		let handled: () => void = () => undefined;
		const deliver = batchingEvents<number>(
			() => new Promise<void>((resolve) => (handled = resolve))
		);
		let settled = false;
		void deliver(1).then(() => (settled = true));
		await vi.advanceTimersByTimeAsync(EVENT_BATCH_MS);
		expect(settled).toBe(false);
		handled();
		await vi.advanceTimersByTimeAsync(0);
		expect(settled).toBe(true);
	});

	it('the page hands each event of a batch on, one at a time (and a lone event too)', () => {
		const seen: string[] = [];
		const onEvent = unbatching<string>((event) => seen.push(event));
		onEvent(['a', 'b']);
		onEvent('c');
		expect(seen).toEqual(['a', 'b', 'c']);
	});
});
