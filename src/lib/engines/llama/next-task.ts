/**
 * Waits for the next task of the event loop. Our llama.cpp engine computes in the worker's own
 * thread, synchronously, so without this a generation would run from start to end in
 * microtasks and the worker would never read the page's messages (Stop above all) until it
 * ended. Called once per evaluate(). A MessageChannel message, unlike setTimeout, is not
 * clamped to 4 ms when nested.
 */
let channel: MessageChannel | null = null;
const waiting: (() => void)[] = [];

export function nextTask(): Promise<void> {
	if (typeof MessageChannel === 'undefined') {
		return new Promise((resolve) => setTimeout(resolve, 0));
	}
	if (channel === null) {
		channel = new MessageChannel();
		channel.port1.onmessage = () => waiting.shift()?.();
		// In Node, an open port would keep the process alive.
		(channel.port1 as { unref?: () => void }).unref?.();
	}
	const port = channel.port2;
	return new Promise((resolve) => {
		waiting.push(resolve);
		port.postMessage(null);
	});
}
