import { defineConfig, devices } from '@playwright/test';
import { chromiumPath, offlineRootArgs, webGpuArgs } from './e2e/browser';
import { E2E_MODELS_DIR } from './e2e/generated-models';
import { HUB_URL } from './e2e/hub-port';

const port = Number(process.env.E2E_PORT ?? 4173);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
	// Resolves the app's `#lib/…` imports in the tests that build their inputs with its code.
	tsconfig: './e2e/tsconfig.playwright.json',
	fullyParallel: false,
	// One browser at a time: the responsiveness test measures wall-clock task durations, and two
	// browsers with a model worker each would compete for this machine's two cores.
	workers: 1,
	forbidOnly: !!process.env.CI,
	retries: 0,
	timeout: 60_000,
	reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
	use: {
		baseURL,
		trace: 'retain-on-failure',
		launchOptions: { executablePath: chromiumPath, args: [...offlineRootArgs, ...webGpuArgs] }
	},
	projects: [
		{ name: 'chromium', testDir: 'e2e', use: { ...devices['Desktop Chrome'] } },
		// The lessons of demos/, in their fast form: what `npm run demo` films, without the film.
		{
			name: 'lessons',
			testDir: 'demos',
			testMatch: '*.spec.ts',
			use: { ...devices['Desktop Chrome'] }
		}
	],
	webServer: {
		command: `npm run build && npm run preview -- --host 127.0.0.1 --port ${port} --strictPort`,
		url: baseURL,
		reuseExistingServer: !process.env.CI,
		timeout: 240_000,
		stdout: 'ignore',
		stderr: 'pipe',
		// The models the specs generate are served beside models/ (users' servers never list them);
		// models are found by name on the fixture Hub hub.spec.ts serves, not on huggingface.co.
		env: { EXTRA_MODELS_DIR: E2E_MODELS_DIR, HUB_URL }
	}
});
