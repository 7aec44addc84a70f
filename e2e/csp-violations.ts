import type { ConsoleMessage, Page, Worker } from '@playwright/test';

/**
 * Records every Content-Security-Policy violation of a page and its workers: the page's and
 * each worker's `securitypolicyviolation` events, and the console reports of violations (which
 * also cover the nested workers Playwright does not show). Call before the page opens.
 */
export async function recordCspViolations(page: Page) {
	const reports: string[] = [];
	const workers: Worker[] = [];
	const onConsole = (message: ConsoleMessage) => {
		if (/Content Security Policy/i.test(message.text())) reports.push(`console: ${message.text()}`);
	};
	const listen = (where: string) => {
		const scope = globalThis as unknown as { __cspViolations?: string[] };
		scope.__cspViolations = [];
		globalThis.addEventListener('securitypolicyviolation', (e) => {
			const event = e as SecurityPolicyViolationEvent;
			scope.__cspViolations?.push(
				`${where}: ${event.effectiveDirective} blocked ${event.blockedURI}`
			);
		});
	};
	page.on('console', onConsole);
	page.on('worker', (worker) => {
		workers.push(worker);
		worker.on('console', onConsole);
		worker.evaluate(listen, 'worker').catch(() => undefined);
	});
	await page.addInitScript(listen, 'page');

	const stored = () => (globalThis as unknown as { __cspViolations?: string[] }).__cspViolations;

	return {
		/** Every violation so far, `page: …`, `worker: …` or `console: …` (any context). */
		async all(): Promise<string[]> {
			const events = await Promise.all([
				page.evaluate(stored),
				// A worker that has ended cannot be asked; its console reports are kept above.
				...workers.map((worker) => worker.evaluate(stored).catch(() => undefined))
			]);
			return [...new Set([...reports, ...events.flatMap((e) => e ?? [])])];
		},
		/** How many workers were seen (their events are read too). */
		get workerCount() {
			return workers.length;
		}
	};
}
