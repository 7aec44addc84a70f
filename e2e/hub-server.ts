/**
 * The browser tests' Hugging Face Hub: the fake Hub of `src/lib/models/testing/fake-hub.ts`
 * served over HTTP on its own port (`hub-port.ts`), so the app talks to it across origins (CORS, ranges,
 * dropped connections) as it talks to huggingface.co. playwright.config.ts builds the app with
 * HUB_URL set to this server; hub.spec.ts starts and stops it.
 */
import { createServer, type Server } from 'node:http';
import { FakeHub, type FakeHubRepo } from '#lib/models/testing/fake-hub';
import { HUB_PORT, HUB_URL } from './hub-port';

export interface RunningHub {
	hub: FakeHub;
	close(): Promise<void>;
}

export async function startHub(repos: Record<string, FakeHubRepo>): Promise<RunningHub> {
	const hub = new FakeHub(repos);
	const server: Server = createServer((request, response) => {
		const headers = new Headers();
		for (const [name, value] of Object.entries(request.headers)) {
			if (typeof value === 'string') headers.set(name, value);
		}
		const answer = hub.answer(
			new URL(request.url ?? '/', HUB_URL),
			request.method ?? 'GET',
			headers
		);
		response.writeHead(answer.status, Object.fromEntries(answer.headers));
		if (!answer.body) {
			response.end();
			return;
		}
		void (async () => {
			try {
				for await (const piece of answer.body as unknown as AsyncIterable<Uint8Array>) {
					if (!response.write(piece)) {
						await new Promise((resolve) => response.once('drain', resolve));
					}
				}
				response.end();
			} catch {
				// The fake Hub cut the download: drop the connection, as a network failure would.
				response.destroy();
			}
		})();
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(HUB_PORT, '127.0.0.1', resolve);
	});
	return {
		hub,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
