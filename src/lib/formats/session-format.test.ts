import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { StepTrace } from '#lib/sampling';
import {
	exportFileName,
	exportSessions,
	parseSessionsFile,
	readSession,
	SESSIONS_FORMAT,
	SESSIONS_FORMAT_VERSION
} from './session-format';
import { experiment, runRecord, session } from './testing/sessions';

const trace: StepTrace = {
	step: 0,
	distribution: 'logprobs',
	candidates: [
		{ id: 10, logit: -0.5, rawProbability: 0.6, probabilities: [0.6, 0.7], removedBy: null },
		{ id: 3, logit: -Infinity, rawProbability: 0, probabilities: [0, null], removedBy: 'top-k' }
	],
	stages: [
		{
			name: 'temperature',
			skipped: false,
			survivors: 2,
			massRemoved: 0,
			entropy: 0.7,
			keptBestOnly: false
		},
		{
			name: 'top-k',
			skipped: false,
			survivors: 1,
			massRemoved: 0.3,
			entropy: 0,
			keptBestOnly: false
		}
	],
	u: 0.25,
	chosenId: 10,
	chosenProbability: 1,
	entropyBefore: 0.7,
	entropyAfter: 0
};

/** A file of `sessions` as JSON, after `edit` changed its parsed form. */
function fileWith(
	edit: (file: { sessions: Record<string, unknown>[] } & Record<string, unknown>) => void
) {
	const file = JSON.parse(exportSessions([session(), session({ id: 'two' })]));
	edit(file);
	return JSON.stringify(file);
}

function problemsOf(text: string): string[] {
	const parsed = parseSessionsFile(text);
	if (parsed.ok) throw new Error('expected problems');
	return parsed.problems;
}

describe('export file', () => {
	it('round-trips sessions exactly, traces and an infinite perplexity included', () => {
		const sessions = [
			session({
				runs: [
					runRecord({
						tokens: [{ id: 10, piece: ' there', trace }],
						stats: { ...runRecord().stats!, perplexity: Infinity }
					})
				]
			}),
			session({
				id: 'cmp',
				kind: 'compare',
				experiment: experiment({
					input: { mode: 'chat', messages: [{ role: 'user', content: 'Hi' }] },
					sweep: [{ param: 'seed', text: '1, 2' }]
				}),
				runs: [
					runRecord({ id: 'lane-1', label: 'seed 1' }),
					runRecord({
						id: 'lane-2',
						label: 'seed 2',
						status: 'failed',
						error: 'Out of memory',
						stats: null,
						finishReason: null
					})
				],
				prefill: { evaluations: 1, ms: 4.5 }
			})
		];
		const text = exportSessions(sessions, Date.UTC(2025, 0, 31));
		const json = JSON.parse(text);
		expect(json).toMatchObject({
			format: SESSIONS_FORMAT,
			version: SESSIONS_FORMAT_VERSION,
			exportedAt: '2025-01-31T00:00:00.000Z'
		});
		expect(parseSessionsFile(text)).toEqual({ ok: true, sessions });
	});

	it('reads the example of the format documentation', async () => {
		const doc = await readFile(new URL('../../../docs/session-format.md', import.meta.url), 'utf8');
		const example = doc.split('## Example')[1].match(/```json\n([\s\S]*?)```/)?.[1];
		const parsed = parseSessionsFile(example ?? '');
		expect(parsed.ok && parsed.sessions.map((s) => s.runs[0].text)).toEqual([', there was']);
	});

	it('names files after the session or the day', () => {
		expect(exportFileName(session({ name: 'Once upon: a time!' }))).toBe(
			'session-once-upon-a-time.json'
		);
		expect(exportFileName(null, Date.UTC(2025, 0, 31))).toBe(
			'sampling-playground-sessions-2025-01-31.json'
		);
	});
});

describe('import validation', () => {
	it('explains a file that is not JSON', () => {
		const [problem] = problemsOf('{"format": "sampling-playground-sessions",');
		expect(problem).toMatch(/^The file is not valid JSON: /);
	});

	it('refuses another kind of file, and a newer version by name', () => {
		expect(problemsOf('[1, 2]')).toEqual([
			'This is not a sessions file of the Sampling Playground: format must be "sampling-playground-sessions", got [1,2].'
		]);
		expect(problemsOf(fileWith((f) => (f.version = 2)))).toEqual([
			'This file has format version 2, newer than this app reads (1). Update the app to import it.'
		]);
		expect(problemsOf(fileWith((f) => (f.version = '1')))).toEqual([
			'version: must be an integer ≥ 1, got "1"'
		]);
	});

	it('checks parameters with the sampler and names every bad field with its path', () => {
		const problems = problemsOf(
			fileWith((f) => {
				const params = (f.sessions[1].experiment as { params: Record<string, unknown> }).params;
				params.topP = 3;
				params.temperature = 'hot';
				params.order = ['temperature', 'warp'];
			})
		);
		expect(problems).toEqual([
			'sessions[1].experiment.params.temperature: must be a number in [0, 2], got "hot"',
			'sessions[1].experiment.params.topP: must be a number in (0, 1], got 3',
			'sessions[1].experiment.params.order: must be a known stage (logit-bias, repetition-penalty, frequency-presence, temperature, top-k, top-p, min-p), got "warp"'
		]);
	});

	it('reports every problem of every session at once', () => {
		const problems = problemsOf(
			fileWith((f) => {
				const [first, second] = f.sessions;
				delete first.name;
				first.colour = 'red';
				first.kind = 'triple';
				const run = (first.runs as Record<string, unknown>[])[0];
				run.status = 'finished';
				(run.tokens as Record<string, unknown>[])[2].id = -1;
				(run.stats as Record<string, unknown>).tokensPerSecond = null;
				(run.stats as Record<string, unknown>).totalMs = 'slow';
				second.createdAt = 1.5;
				(second.experiment as Record<string, unknown>).model = {
					id: '',
					name: 'x',
					engine: 'gpu',
					sha256: 'abc'
				};
			})
		);
		expect(problems).toEqual([
			'sessions[0].colour: is not a known field (remove it)',
			'sessions[0].name: is missing',
			'sessions[0].kind: must be one of "single", "compare", got "triple"',
			'sessions[0].runs[0].tokens[2].id: must be an integer in [0, 2147483647], got -1',
			'sessions[0].runs[0].status: must be one of "running", "done", "stopped", "failed", "interrupted", got "finished"',
			'sessions[0].runs[0].stats.totalMs: must be a number ≥ 0, got "slow"',
			'sessions[1].createdAt: must be an integer in [0, 8640000000000000], got 1.5',
			'sessions[1].experiment.model.id: must be a non-empty string, got ""',
			'sessions[1].experiment.model.engine: must be one of "wllama", "webllm", got "gpu"',
			'sessions[1].experiment.model.sha256: must be 64 lowercase hex digits, got "abc"'
		]);
	});

	it('checks traces, prompts and what a run status implies', () => {
		const problems = problemsOf(
			fileWith((f) => {
				const [first, second] = f.sessions;
				const run = (first.runs as Record<string, unknown>[])[0];
				(run.tokens as Record<string, unknown>[])[0].trace = {
					...trace,
					candidates: [trace.candidates[0]],
					u: 2,
					stages: [{ name: 'warp' }]
				};
				(first.experiment as Record<string, unknown>).input = { mode: 'poem' };
				const done = (second.runs as Record<string, unknown>[])[0];
				done.finishReason = null;
				done.stats = null;
				second.runs = [done, { ...done, status: 'failed', finishReason: 'eos' }];
			})
		);
		expect(problems).toEqual([
			'sessions[0].experiment.input.mode: must be one of "completion", "chat", got "poem"',
			'sessions[0].runs[0].tokens[0].trace.stages[0].name: must be one of "logit-bias", "repetition-penalty", "frequency-presence", "temperature", "top-k", "top-p", "min-p", got "warp"',
			'sessions[0].runs[0].tokens[0].trace.stages[0].skipped: is missing',
			'sessions[0].runs[0].tokens[0].trace.stages[0].survivors: is missing',
			'sessions[0].runs[0].tokens[0].trace.stages[0].massRemoved: is missing',
			'sessions[0].runs[0].tokens[0].trace.stages[0].entropy: is missing',
			'sessions[0].runs[0].tokens[0].trace.stages[0].keptBestOnly: is missing',
			'sessions[0].runs[0].tokens[0].trace.u: must be a number in [0, 1], got 2',
			'sessions[1].runs[0].finishReason: must be how a "done" run ended (not null or "stopped"), got null',
			'sessions[1].runs[0].stats: must be the statistics of a "done" run, got null',
			'sessions[1].runs[1].error: must be the message of a "failed" run, got null',
			'sessions[1].runs: must be one run for a "single" session, got "2 runs"',
			'sessions[1].runs[1].id: must be unique within the session, got "run"'
		]);
	});
});

describe('values every use of a session can take', () => {
	it('refuses dates a Date cannot hold, which the history could not show', () => {
		const problems = problemsOf(
			fileWith((f) => {
				const [first, second] = f.sessions;
				first.createdAt = 8_640_000_000_000_001;
				first.updatedAt = 8_640_000_000_000_001;
				second.updatedAt = 1e308;
			})
		);
		expect(problems).toEqual([
			'sessions[0].createdAt: must be an integer in [0, 8640000000000000], got 8640000000000001',
			'sessions[0].updatedAt: must be an integer in [0, 8640000000000000], got 8640000000000001',
			'sessions[1].updatedAt: must be an integer in [0, 8640000000000000], got 1e+308'
		]);
		const latest = fileWith((f) => {
			f.sessions[0].createdAt = 8_640_000_000_000_000;
			f.sessions[0].updatedAt = 8_640_000_000_000_000;
		});
		expect(parseSessionsFile(latest).ok).toBe(true);
	});

	it('reports a `__proto__` or `constructor` field, which JSON.parse makes an own key', () => {
		const text = exportSessions([session()])
			.replace('"name":', '"__proto__": { "polluted": true },\n  "name":')
			.replace('"engine":', '"constructor": "x", "engine":');
		expect(problemsOf(text)).toEqual([
			'sessions[0].__proto__: is not a known field (remove it)',
			'sessions[0].experiment.model.constructor: is not a known field (remove it)'
		]);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});

	it('bounds token ids and ids', () => {
		const problems = problemsOf(
			fileWith((f) => {
				const run = (f.sessions[0].runs as Record<string, unknown>[])[0];
				(run.tokens as Record<string, unknown>[])[0].id = 2 ** 31;
				run.id = 'r'.repeat(201);
				f.sessions[1].id = 's'.repeat(201);
			})
		);
		expect(problems).toEqual([
			`sessions[0].runs[0].id: must be a non-empty string of at most 200 characters, got "${'r'.repeat(56)}…`,
			'sessions[0].runs[0].tokens[0].id: must be an integer in [0, 2147483647], got 2147483648',
			`sessions[1].id: must be a non-empty string of at most 200 characters, got "${'s'.repeat(56)}…`
		]);
	});

	it('reads one stored session with paths from its fields', () => {
		expect(readSession(session())).toEqual({ ok: true, record: session() });
		const { runs, ...noRuns } = session({ updatedAt: 1e308 });
		expect(runs).toHaveLength(1);
		expect(readSession({ ...noRuns, extra: 1 })).toEqual({
			ok: false,
			problems: [
				'extra: is not a known field (remove it)',
				'updatedAt: must be an integer in [0, 8640000000000000], got 1e+308',
				'runs: is missing'
			]
		});
		expect(readSession(null)).toEqual({ ok: false, problems: [': must be an object, got null'] });
	});
});
