/**
 * Where the browser tests' fixture Hub listens (e2e/hub-server.ts): beside the app's port, so
 * checkouts tested in parallel on other ports do not clash. playwright.config.ts builds the app
 * with HUB_URL set to it.
 */
export const HUB_PORT = Number(
	process.env.E2E_HUB_PORT ?? Number(process.env.E2E_PORT ?? 4173) + 1000
);
export const HUB_URL = `http://127.0.0.1:${HUB_PORT}`;
