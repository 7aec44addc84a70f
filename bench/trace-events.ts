import type { Page } from '@playwright/test';

/**
 * What the Chromium benches share about the long runs they measure: the trace's event shape
 * and the form of the responsiveness test's run. Called by responsiveness.bench.ts and
 * streaming.bench.ts.
 */

/** One event of a Chromium trace (the fields the benches read). */
export interface TraceEvent {
	name: string;
	ph: string;
	pid: number;
	tid: number;
	ts: number;
	dur?: number;
	/** The thread (CPU) time, where the category records it. */
	tdur?: number;
	args?: { name?: string; data?: { type?: string; functionName?: string } };
}

/** Sets the page up for a long run of the test model: T 1, seed 5, end of text banned. */
export async function fillLongRun(page: Page, tokens: number): Promise<void> {
	await page.getByTestId('prompt').fill('Once upon a time');
	await page.getByTestId('temperature').fill('1');
	await page.getByTestId('seed').fill('5');
	await page.getByTestId('max-tokens').fill(String(tokens));
	await page.getByTestId('ban-eos').setChecked(true);
}
