import { spawn, type ChildProcess } from 'node:child_process';
import { chromium, type Page } from '@playwright/test';
import { chromiumPath, offlineRootArgs } from '../e2e/browser';

/** Where the built app is served; BENCH_PORT moves it off a port something else holds. */
const PORT = Number(process.env.BENCH_PORT ?? 4391);

function startPreview(): Promise<ChildProcess> {
	return new Promise((resolve, reject) => {
		const server = spawn(
			'npx',
			['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'],
			// Its own process group, so stopping it also stops the vite process npx starts.
			{ stdio: ['ignore', 'pipe', 'pipe'], detached: true }
		);
		const timer = setTimeout(() => reject(new Error('vite preview did not start')), 30_000);
		server.stdout?.on('data', (chunk: Buffer) => {
			if (chunk.toString().includes(String(PORT))) {
				clearTimeout(timer);
				resolve(server);
			}
		});
		server.on('exit', (code) => reject(new Error(`vite preview exited with ${code}`)));
	});
}

/**
 * Serves the built app, opens it in Chromium with the test hooks and the test model loaded, and
 * hands the page to `measure`.
 */
export async function withAppPage<T>(measure: (page: Page) => Promise<T>): Promise<T> {
	const server = await startPreview();
	const browser = await chromium.launch({ executablePath: chromiumPath, args: offlineRootArgs });
	try {
		const page = await browser.newPage();
		// tsx compiles named functions with a `__name` helper that a serialized function lacks.
		await page.addInitScript('window.__name = (f) => f;');
		await page.goto(`http://127.0.0.1:${PORT}/?testHooks`);
		await page.getByTestId('model-status').and(page.locator('[data-state=loaded]')).waitFor();
		return await measure(page);
	} finally {
		await browser.close();
		if (server.pid) process.kill(-server.pid);
	}
}
