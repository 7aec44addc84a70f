import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAxisValues } from '#lib/compare/sweep';
import type { SessionRecord } from '#lib/core/session';
import { readExperiment } from '#lib/formats/experiment';
import { exportFileName, exportSessions, parseSessionsFile } from '#lib/formats/session-format';
import { encodeShareFragment } from '#lib/formats/share-link';
import { sessionArbitrary } from '#lib/formats/testing/arbitraries';
import { fuzzOptions, mutateJson, mutationsArbitrary, type Json } from '#lib/formats/testing/fuzz';
import { openPlaygroundDb } from './db';
import { asFound, matchesQuery, readStored, SessionStore, summarize } from './sessions';

/**
 * Fuzz test of what the app does with a session the file reader accepted: generated sessions,
 * and the ones that mutated files (extreme values anywhere) still let through. Each must be
 * fit for every use: its dates show, the history summarizes and searches it, it reads back
 * from storage as the same session, its experiment opens, shares and sweeps. Fixed seed.
 */

/** Every use the page makes of a stored session, none of which may throw. */
async function expectUsable(record: SessionRecord): Promise<void> {
	for (const time of [record.createdAt, record.updatedAt]) {
		expect(new Date(time).toISOString()).toMatch(/^[+-]?\d{4,6}-/);
		expect(new Date(time).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' })).not.toBe(
			'Invalid Date'
		);
	}
	const summary = summarize(record);
	expect(summary.runCount).toBe(record.runs.length);
	expect(typeof matchesQuery(summary, record.name)).toBe('boolean');
	expect(asFound(record, () => false).runs.every((run) => run.status !== 'running')).toBe(true);
	expect(readStored(structuredClone(record), record.id)).toEqual({ ok: true, record });
	expect(exportFileName(record)).toMatch(/^session-[a-z0-9-]+\.json$/);
	expect(readExperiment(record.experiment).ok).toBe(true);
	for (const axis of record.experiment.sweep ?? []) {
		if (axis.param !== 'model' && axis.param !== 'skill')
			expect(parseAxisValues(axis.param, axis.text).ok).toBe(true);
	}
	const shared = await encodeShareFragment({
		experiment: record.experiment,
		view: record.kind === 'compare' ? 'compare' : 'single'
	});
	if (!shared.ok) expect(shared.message).toMatch(/^This experiment is too big for a link/);
}

/** The sessions of a file the reader accepted, or none. */
function accepted(text: string): SessionRecord[] {
	const parsed = parseSessionsFile(text);
	return parsed.ok ? parsed.sessions : [];
}

describe('accepted sessions, fuzzed', { timeout: 60_000 }, () => {
	it('are fit for every use the app makes of them, generated or mutated', async () => {
		let mutatedAccepted = 0;
		await fc.assert(
			fc.asyncProperty(sessionArbitrary(), mutationsArbitrary, async (record, changes) => {
				await expectUsable(record);
				const file = JSON.parse(exportSessions([record])) as Json;
				const survivors = accepted(mutateJson(file, changes));
				mutatedAccepted += survivors.length;
				for (const survivor of survivors) await expectUsable(survivor);
			}),
			fuzzOptions(600)
		);
		// Some mutations are harmless (a name, a prompt, a number still in range): they count.
		expect(mutatedAccepted).toBeGreaterThan(0);
	});

	it('import into storage and read back as they were', async () => {
		let n = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.uniqueArray(sessionArbitrary(), { maxLength: 3, selector: (s) => s.id }),
				async (sessions) => {
					const db = openPlaygroundDb({ name: `sessions-fuzz-${++n}` });
					const store = new SessionStore(() => db);
					const report = await store.importSessions(accepted(exportSessions(sessions)));
					expect(report.imported).toBe(sessions.length);
					for (const record of sessions) {
						// A stored run still `running` that no tab records reads as interrupted.
						expect(await store.get(record.id)).toEqual(asFound(record, () => false));
					}
					(await db).close();
				}
			),
			fuzzOptions(40)
		);
	});
});
