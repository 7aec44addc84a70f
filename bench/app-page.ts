import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { chromiumPath, offlineRootArgs } from '../e2e/browser';
import { DEFAULT_MODELS_CACHE } from '../tools/gguf/make-model';
import { ENGINES, type EngineConfig } from './engines';

/**
 * Serves the built app to the Chromium benches (vite preview, with the generated models of
 * tools/gguf listed beside models/ through EXTRA_MODELS_DIR) and opens it. Called by the
 * benches in bench/ that measure the app in the browser.
 */

/** Where the built app is served; BENCH_PORT moves it off a port something else holds. */
export const PORT = Number(process.env.BENCH_PORT ?? 4391);

function startPreview(port: number, root?: string): Promise<ChildProcess> {
	return new Promise((resolve, reject) => {
		const server = spawn(
			'npx',
			['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
			// Its own process group, so stopping it also stops the vite process npx starts.
			{
				stdio: ['ignore', 'pipe', 'pipe'],
				detached: true,
				cwd: root,
				env: { ...process.env, EXTRA_MODELS_DIR: path.resolve(DEFAULT_MODELS_CACHE) }
			}
		);
		const timer = setTimeout(() => reject(new Error('vite preview did not start')), 30_000);
		server.stdout?.on('data', (chunk: Buffer) => {
			if (chunk.toString().includes(String(port))) {
				clearTimeout(timer);
				resolve(server);
			}
		});
		server.on('exit', (code) => reject(new Error(`vite preview exited with ${code}`)));
	});
}

export interface AppPageOptions {
	/** Query options added to `?testHooks`, e.g. `threads=1&cpuEngine=wllama`. */
	query?: string;
	/**
	 * Serves @wllama/wllama's own ES module at {@link WLLAMA_MODULE_PATH} on the app's origin,
	 * for measuring its sampler directly from the page (the service worker is kept out, so the
	 * request reaches the route).
	 */
	wllamaModule?: boolean;
	/**
	 * The folder of another checkout whose built app is served instead of this one (a baseline
	 * revision, see streaming.bench.ts), on {@link AppPageOptions.port}.
	 */
	root?: string;
	/** The port to serve on; BENCH_PORT (or 4391) by default. */
	port?: number;
}

/** Where {@link AppPageOptions.wllamaModule} serves wllama's ES module. */
export const WLLAMA_MODULE_PATH = '/__bench/wllama.js';

/**
 * Serves the built app, opens it in Chromium with the test hooks and the test model loaded, and
 * hands the page to `measure`.
 */
export async function withAppPage<T>(
	measure: (page: Page) => Promise<T>,
	options: AppPageOptions = {}
): Promise<T> {
	const port = options.port ?? PORT;
	const server = await startPreview(port, options.root);
	const browser = await chromium.launch({ executablePath: chromiumPath, args: offlineRootArgs });
	try {
		const context = await browser.newContext(
			options.wllamaModule ? { serviceWorkers: 'block' } : {}
		);
		if (options.wllamaModule) {
			const body = await readFile(
				path.join('node_modules', '@wllama', 'wllama', 'esm', 'index.js'),
				'utf8'
			);
			await context.route(`**${WLLAMA_MODULE_PATH}`, (route) =>
				route.fulfill({ body, contentType: 'text/javascript' })
			);
		}
		const page = await context.newPage();
		// tsx compiles named functions with a `__name` helper that a serialized function lacks.
		await page.addInitScript('window.__name = (f) => f;');
		const query = options.query ? `&${options.query}` : '';
		await page.goto(`http://127.0.0.1:${port}/?testHooks${query}`);
		await page.getByTestId('model-status').and(page.locator('[data-state=loaded]')).waitFor();
		return await measure(page);
	} finally {
		await browser.close();
		if (server.pid) process.kill(-server.pid);
	}
}

/**
 * Opens the app once per engine of {@link ENGINES} and runs `measure` on it; an engine the build
 * does not have (its status line does not name it) is skipped, and the skipped ones are listed.
 */
export async function forEachEngine(
	measure: (page: Page, engine: EngineConfig) => Promise<void>,
	options: Omit<AppPageOptions, 'query'> = {}
): Promise<void> {
	const skipped: string[] = [];
	for (const engine of ENGINES) {
		await withAppPage(
			async (page) => {
				const status = (await page.getByTestId('model-status').textContent()) ?? '';
				if (engine.backend.test(status)) await measure(page, engine);
				else skipped.push(engine.name);
			},
			{ ...options, query: engine.query }
		);
	}
	if (skipped.length > 0) {
		console.log(`Not in this build (status line did not name it): ${skipped.join(', ')}\n`);
	}
}

/**
 * Loads a model of the local models folder (or of the generated models beside it) the way a
 * user does, with the picker and Load; returns the model status line.
 */
export async function loadLocalModel(page: Page, file: string): Promise<string> {
	await page.getByTestId('model-select').selectOption(`local:${file}`);
	await page.getByTestId('load').click();
	const stem = file.replace(/\.gguf$/i, '');
	await page.waitForFunction(
		(name) => {
			const status = document.querySelector('[data-testid=model-status]');
			return status?.getAttribute('data-state') === 'loaded' && status.textContent?.includes(name);
		},
		stem,
		{ timeout: 180_000, polling: 250 }
	);
	const status = page.getByTestId('model-status');
	return (await status.textContent())?.trim() ?? '';
}
