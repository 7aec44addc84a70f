import { expect, it } from 'vitest';
import { nextTask } from './next-task';

it('lets a message that arrived before it be handled, which awaiting microtasks never does', async () => {
	const seen: string[] = [];
	const channel = new MessageChannel();
	channel.port1.onmessage = () => seen.push('stop');
	channel.port2.postMessage(null);
	await Promise.resolve();
	expect(seen).toEqual([]);
	await nextTask();
	expect(seen).toEqual(['stop']);
	channel.port1.close();
});
