import { describe, expect, it } from 'vitest';
import { readSession } from '#lib/formats/session-format';
import { experiment } from '#lib/formats/testing/sessions';
import { seedSessions } from './seed-history';

describe('seeded sessions', () => {
	it('are sound sessions, single runs and compares, of 50 to 100 tokens a run', () => {
		const sessions = seedSessions(experiment(), { count: 40, now: 1_800_000_000_000 });
		for (const s of sessions) {
			const read = readSession(s);
			expect(read.ok ? [] : read.problems).toEqual([]);
			for (const run of s.runs) {
				expect(run.tokens.length).toBeGreaterThanOrEqual(50);
				expect(run.tokens.length).toBeLessThanOrEqual(100);
				expect(run.text).toBe(run.tokens.map((t) => t.piece).join(''));
			}
		}
		expect(sessions.filter((s) => s.kind === 'compare')).toHaveLength(10);
		expect(new Set(sessions.map((s) => s.id)).size).toBe(40);
		expect(seedSessions(experiment(), { count: 40, now: 1_800_000_000_000 })).toEqual(sessions);
	});
});
