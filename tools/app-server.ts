/**
 * The built app on a local port, for the tools that drive it in Chromium (`npm run screenshots`,
 * `npm run demo`): builds it, serves build/ with `vite preview`, and waits until it answers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** `npm run build`, or the process exits with its status. */
export function buildApp(): void {
	const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
	if (build.status !== 0) process.exit(build.status ?? 1);
}

export interface AppServer {
	url: string;
	stop(): void;
}

/** Serves build/ on `port` and resolves once the app answers there. */
export async function serveApp(port: number, timeoutMs = 60_000): Promise<AppServer> {
	const server = spawn(
		'npx',
		['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
		{ cwd: root, stdio: ['ignore', 'ignore', 'inherit'], detached: true }
	);
	// The server's whole process group (npx and vite).
	const stop = () => {
		if (server.pid && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
	};
	const url = `http://127.0.0.1:${port}`;
	try {
		await waitForServer(url, timeoutMs);
	} catch (error) {
		stop();
		throw error;
	}
	return { url, stop };
}

async function waitForServer(url: string, timeoutMs: number) {
	const start = Date.now();
	while (Date.now() - start < timeoutMs) {
		try {
			if ((await fetch(url)).ok) return;
		} catch {
			// Not up yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 300));
	}
	throw new Error(`the app did not answer at ${url} within ${timeoutMs} ms`);
}
