import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '#lib/core/session';
import { sessionArbitrary } from './testing/arbitraries';
import {
	EXTREME_JSON,
	EXTRA_KEYS,
	fuzzOptions,
	jsonPaths,
	mutateJson,
	mutateText,
	mutationsArbitrary,
	textMutationsArbitrary,
	withoutNegativeZero,
	type Json,
	type Mutation
} from './testing/fuzz';
import { exportSessions, parseSessionsFile, type ParsedSessions } from './session-format';
import { session, experiment, runRecord } from './testing/sessions';

/**
 * Fuzz tests of the sessions file: random text and JSON, files of generated sessions written by
 * the exporter, and those files damaged or with any value made extreme. The reader never throws
 * or hangs; it gives sessions that export and read back the same, or problems that each name
 * their path. What the app then does with an accepted session is fuzzed in
 * storage/sessions.fuzz.test.ts. Fixed seed; FUZZ_SEED and FUZZ_RUNS explore.
 */

const NEVER_HANGS_MS = 2000;

function parse(text: string): ParsedSessions {
	const started = performance.now();
	const result = parseSessionsFile(text);
	expect(performance.now() - started, 'reading one file').toBeLessThan(NEVER_HANGS_MS);
	return result;
}

/** A problem names its path in the file, or says why the file as a whole cannot be read. */
const FILE_PROBLEM =
	/^(format|version|exportedAt|sessions)\b[.[:]|: is not a known field \(remove it\)$|^The file is not valid JSON: |^This is not a sessions file of the Sampling Playground: |^This file has format version [^,]+, newer than/;

/** Accepted files open exactly: exported again, they read back as the same sessions. */
function expectReadExactly(result: ParsedSessions): SessionRecord[] | null {
	if (!result.ok) {
		expect(result.problems.length).toBeGreaterThan(0);
		for (const problem of result.problems) expect(problem).toMatch(FILE_PROBLEM);
		return null;
	}
	const again = parse(exportSessions(result.sessions));
	expect(again).toEqual({ ok: true, sessions: withoutNegativeZero(result.sessions) });
	return result.sessions;
}

/** A valid file's tree, from the app's own exporter (so it follows the format). */
const fileOf = (sessions: SessionRecord[]): Json => JSON.parse(exportSessions(sessions));

function nodeAt(root: Json, path: readonly (string | number)[]): Json {
	return path.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], root);
}

const compareSession = session({
	id: 'compare-1',
	kind: 'compare',
	experiment: experiment({ sweep: [{ param: 'seed', text: '1, 2' }] }),
	runs: [runRecord({ id: 'lane-1' }), runRecord({ id: 'lane-2', status: 'failed', error: 'x' })],
	prefill: { evaluations: 1, ms: 2 }
});

describe('sessions files, fuzzed', { timeout: 60_000 }, () => {
	it('read back every generated session exactly', () => {
		fc.assert(
			fc.property(fc.array(sessionArbitrary(), { maxLength: 3 }), (sessions) => {
				const result = parse(exportSessions(sessions));
				expect(result).toEqual({ ok: true, sessions });
			}),
			fuzzOptions(300)
		);
	});

	it('refuse random text and JSON with problems, never throwing', () => {
		const header = (sessions: unknown) =>
			JSON.stringify({
				format: 'sampling-playground-sessions',
				version: 1,
				exportedAt: '2025-01-31T14:05:00.000Z',
				sessions
			});
		fc.assert(
			fc.property(
				fc.oneof(
					fc.string({ maxLength: 200 }),
					fc.json({ maxDepth: 4 }),
					fc.jsonValue({ maxDepth: 4 }).map(header),
					fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 3 }).map(header)
				),
				(text) => {
					expectReadExactly(parse(text));
				}
			),
			fuzzOptions(1500)
		);
	});

	it('refuse a damaged file with problems, or read it exactly', () => {
		fc.assert(
			fc.property(
				fc.array(sessionArbitrary(), { minLength: 1, maxLength: 2 }),
				textMutationsArbitrary,
				(sessions, changes) => {
					expectReadExactly(parse(mutateText(exportSessions(sessions), changes)));
				}
			),
			fuzzOptions(700)
		);
	});

	it('refuse a file with extreme, missing, extra or misplaced values, naming each, or read it exactly', () => {
		fc.assert(
			fc.property(
				fc.array(sessionArbitrary(), { minLength: 1, maxLength: 2 }),
				mutationsArbitrary,
				(sessions, changes) => {
					expectReadExactly(parse(mutateJson(fileOf(sessions), changes)));
				}
			),
			fuzzOptions(800)
		);
	});

	it('refuse every extreme value in every field of a valid file, or read it exactly', () => {
		const file = fileOf([compareSession]);
		const paths = jsonPaths(file);
		const leaves = paths.map((path) => typeof nodeAt(file, path) === 'string');
		for (let at = 0; at < paths.length; at++) {
			for (let value = 0; value < EXTREME_JSON.length; value++) {
				// Long and deep values cost milliseconds each: they go where text goes.
				if (EXTREME_JSON[value].length > 1000 && !leaves[at]) continue;
				const changes: Mutation[] = [{ op: 'replace', at, value }];
				if (at % 7 === 0) changes.push({ op: 'add', at, key: value % EXTRA_KEYS.length, value });
				expectReadExactly(parse(mutateJson(file, changes)));
			}
		}
	});
});
