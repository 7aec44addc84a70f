import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, STAGE_NAMES, type StepTrace } from '#lib/sampling';
import { offByDefaultValues } from '#lib/sampling/testing/off-by-default';
import {
	exportFileName,
	exportSessions,
	parseSessionsFile,
	readSession,
	SESSIONS_FORMAT,
	SESSIONS_FORMAT_VERSION
} from './session-format';
import { experiment, params, runRecord, session, sessionsFileV1 } from './testing/sessions';
import { tracedTokens } from './testing/traced-tokens';
import { encodeTokens, normalizeTokens, toBase64 } from './token-codec';

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

/** A version-1 file of two sessions as JSON (tokens as lists), after `edit` changed it. */
function fileWith(
	edit: (file: { sessions: Record<string, unknown>[] } & Record<string, unknown>) => void
) {
	const file = JSON.parse(sessionsFileV1([session(), session({ id: 'two' })]));
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

	it('keeps a Mirostat run: the file gives back its settings and traces, and its seed repeats the run', () => {
		const mirostat = {
			order: [...DEFAULT_SAMPLING_PARAMS.order, 'mirostat' as const],
			mirostatMode: 2,
			mirostatTau: 3,
			mirostatEta: 0.3,
			seed: 8
		};
		const base = experiment();
		const tokens = normalizeTokens(tracedTokens(12, { ...base.params, ...mirostat }, 2000));
		const record = session({
			experiment: { ...base, params: { ...base.params, ...mirostat } },
			runs: [runRecord({ tokens })]
		});
		const parsed = parseSessionsFile(exportSessions([record]));
		expect(parsed).toEqual({ ok: true, sessions: [record] });
		// Reloaded, the same settings and seed draw the same tokens (μ starts again at 2τ).
		const params = parsed.ok ? parsed.sessions[0].experiment.params : base.params;
		const again = tracedTokens(12, params, 2000);
		expect(again.map((t) => t.id)).toEqual(tokens.map((t) => t.id));
	});

	it('round-trips the figures measured now, and reads runs stored with the old tokens/s', () => {
		const measured = { ...runRecord().stats! };
		delete measured.tokensPerSecond;
		const now = runRecord({
			stats: { ...measured, decodeMs: 812.5, firstTokenOnScreenMs: 41, lastTokenOnScreenMs: null }
		});
		const sessions = [session({ runs: [now] }), session({ id: 'old' })];
		expect(sessions[1].runs[0].stats).toHaveProperty('tokensPerSecond', 250);
		expect(sessions[1].runs[0].stats).not.toHaveProperty('decodeMs');
		const text = exportSessions(sessions, Date.UTC(2025, 0, 31));
		expect(parseSessionsFile(text)).toEqual({ ok: true, sessions });
	});

	it('round-trips a skill picked for the chat, a skill sweep and each lane’s skill', () => {
		const pirate = { name: 'Pirate', systemPrompt: 'You are a pirate.' };
		const tutor = { name: 'Tutor', systemPrompt: 'Explain step by step.' };
		const sessions = [
			session({
				kind: 'compare',
				experiment: experiment({
					input: {
						mode: 'chat',
						systemPrompt: 'Edited.',
						messages: [{ role: 'user', content: 'Hi' }]
					},
					skill: pirate,
					sweep: [{ param: 'skill', text: 'pirate, tutor' }],
					skills: [pirate, tutor]
				}),
				runs: [
					runRecord({ id: 'lane-1', label: 'Pirate', skill: pirate }),
					runRecord({ id: 'lane-2', label: 'Tutor', skill: tutor })
				],
				prefill: { evaluations: 2, ms: 4 }
			})
		];
		expect(parseSessionsFile(exportSessions(sessions, 0))).toEqual({ ok: true, sessions });
	});

	it('names a skill without a name or text', () => {
		const file = JSON.parse(exportSessions([session()], 0));
		file.sessions[0].experiment.skill = { name: ' ', systemPrompt: 3 };
		file.sessions[0].runs[0].skill = { name: 'x' };
		expect(problemsOf(JSON.stringify(file))).toEqual([
			'sessions[0].experiment.skill.name: must be a non-empty string of at most 60 characters, got " "',
			'sessions[0].experiment.skill.systemPrompt: must be a string, got 3',
			'sessions[0].runs[0].skill.systemPrompt: is missing'
		]);
	});

	it('reads the example of the format documentation', async () => {
		const doc = await readFile(new URL('../../../docs/session-format.md', import.meta.url), 'utf8');
		const example = doc.split('## Example')[1].match(/```json\n([\s\S]*?)```/)?.[1];
		const parsed = parseSessionsFile(example ?? '');
		expect(parsed.ok && parsed.sessions.map((s) => s.runs[0].text)).toEqual([', there was']);
		// Written before the stages that are off by default: it reads them off, at their defaults.
		const params = parsed.ok ? parsed.sessions[0].experiment.params : null;
		expect(params).toMatchObject(offByDefaultValues());
		expect(params?.drySequenceBreakers).toEqual(['\n', ':', '"', '*']);
		expect(params?.order).not.toContain('top-a');
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

describe('format version 2: tokens as token data', () => {
	const stored = normalizeTokens(tracedTokens(50));

	it('writes each run’s tokens as base64 token data, at most 1 KB a traced token', () => {
		const plain = exportSessions([session({ runs: [runRecord({ tokens: [] })] })]);
		const text = exportSessions([session({ runs: [runRecord({ tokens: stored })] })]);
		const run = JSON.parse(text).sessions[0].runs[0];
		expect(run.tokens).toBe(toBase64(encodeTokens(stored)));
		const perToken = (text.length - plain.length) / stored.length;
		console.info(`export: ${perToken.toFixed(0)} B a traced token`);
		expect(perToken).toBeLessThanOrEqual(1024);
		const parsed = parseSessionsFile(text);
		expect(parsed.ok && parsed.sessions[0].runs[0].tokens).toEqual(stored);
	});

	it('a run with XTC reloads with settings that draw the same tokens, its draws in the traces', () => {
		const xtc = params({
			temperature: 1,
			repeatPenalty: 1.1,
			seed: 42,
			xtcProbability: 0.5,
			xtcThreshold: 0.05,
			order: [...DEFAULT_SAMPLING_PARAMS.order, 'xtc']
		});
		const traced = normalizeTokens(tracedTokens(12, xtc, 2000));
		const sessions = [
			session({
				experiment: experiment({ params: xtc }),
				runs: [runRecord({ params: xtc, tokens: traced })]
			})
		];
		const parsed = parseSessionsFile(exportSessions(sessions));
		expect(parsed).toEqual({ ok: true, sessions });
		const reloaded = parsed.ok ? parsed.sessions[0].runs[0].params : xtc;
		expect(normalizeTokens(tracedTokens(12, reloaded, 2000))).toEqual(traced);
		// XTC fired on some steps (it removed mass) and not on others.
		const removed = traced.map((t) => t.trace!.stages.find((s) => s.name === 'xtc')!.massRemoved);
		expect(removed.some((m) => m > 0)).toBe(true);
		expect(removed.some((m) => m === 0)).toBe(true);
	});

	it('still imports version 1 files, traces included', () => {
		const traced = tracedTokens(3);
		const sessions = [session({ runs: [runRecord({ tokens: traced })] })];
		const text = sessionsFileV1(sessions);
		expect(JSON.parse(text).sessions[0].runs[0].tokens[0].trace.u).toBe(traced[0].trace!.u);
		expect(parseSessionsFile(text)).toEqual({ ok: true, sessions });
	});

	it('names token data that is not base64, cannot be read, or holds bad values', () => {
		const file = JSON.parse(
			exportSessions([session(), session({ id: 'two' }), session({ id: 'three' })])
		);
		const [first, second, third] = file.sessions;
		first.runs[0].tokens = 'not base64!';
		const bytes = encodeTokens(stored.slice(0, 2));
		second.runs[0].tokens = toBase64(bytes.subarray(0, bytes.length - 3));
		const bad = { ...stored[0], trace: { ...stored[0].trace!, u: 2 } };
		third.runs[0].tokens = toBase64(encodeTokens([stored[1], bad]));
		const problems = problemsOf(JSON.stringify(file));
		expect(problems).toEqual([
			'sessions[0].runs[0].tokens: must be base64 (A–Z, a–z, 0–9, + and /, padded with =), got "not base64!"',
			expect.stringMatching(
				/^sessions\[1\]\.runs\[0\]\.tokens: the token data cannot be read: truncated: token 1's .*, the chunk has \d+ bytes$/
			),
			'sessions[2].runs[0].tokens[1].trace.u: must be a number in [0, 1], got 2'
		]);
		file.sessions = [first];
		first.runs[0].tokens = [{ id: 1, piece: 'a' }];
		expect(problemsOf(JSON.stringify(file))).toEqual([
			'sessions[0].runs[0].tokens: must be the tokens as base64 token data (format version 2), got [{"id":1,"piece":"a"}]'
		]);
	});

	it('exports a damaged record’s tokens as they are, for the import to report', () => {
		const damaged = { ...session(), runs: [{ ...runRecord(), tokens: 'garbled' }] };
		const text = exportSessions([damaged as never]);
		expect(JSON.parse(text).sessions[0].runs[0].tokens).toBe('garbled');
	});
});

describe('format version 3: judgements of compares', () => {
	const compare = (judgement?: { ranking: string[] }) =>
		session({
			kind: 'compare',
			experiment: experiment({ sweep: [{ param: 'seed', text: '1, 2' }] }),
			runs: [runRecord({ id: 'a', label: 'seed 1' }), runRecord({ id: 'b', label: 'seed 2' })],
			prefill: { evaluations: 1, ms: 1 },
			...(judgement ? { judgement } : {})
		});

	it('round-trips a judged compare, and one without a judgement stays without', () => {
		const sessions = [compare({ ranking: ['b', 'a'] }), compare()];
		const text = exportSessions(sessions);
		expect(JSON.parse(text).version).toBe(3);
		expect(parseSessionsFile(text)).toEqual({ ok: true, sessions });
	});

	it('still imports version 2 files', () => {
		const file = JSON.parse(exportSessions([compare()]));
		file.version = 2;
		expect(parseSessionsFile(JSON.stringify(file))).toEqual({ ok: true, sessions: [compare()] });
	});

	it('names a judgement of a single run, an unknown lane and a lane ranked twice', () => {
		const single = { ...session(), judgement: { ranking: ['run'] } };
		const text = exportSessions([single, compare({ ranking: ['a', 'x', 'a'] })]);
		expect(problemsOf(text)).toEqual([
			'sessions[0].judgement: only a "compare" session has a judgement',
			'sessions[1].judgement.ranking[1]: must be the id of one of the session\'s runs, got "x"',
			'sessions[1].judgement.ranking[2]: must be a lane ranked once, got "a"'
		]);
		expect(readSession({ ...compare(), judgement: { ranking: 'a' } })).toEqual({
			ok: false,
			problems: ['judgement.ranking: must be a list, got "a"']
		});
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
		expect(problemsOf(fileWith((f) => (f.version = 4)))).toEqual([
			'This file has format version 4, newer than this app reads (3). Update the app to import it.'
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
			`sessions[1].experiment.params.order: must be a known stage (${STAGE_NAMES.join(', ')}), got "warp"`
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
			'sessions[1].experiment.model.engine: must be one of "llama", "wllama", "webllm", got "gpu"',
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
			`sessions[0].runs[0].tokens[0].trace.stages[0].name: must be one of ${STAGE_NAMES.map((name) => `"${name}"`).join(', ')}, got "warp"`,
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

	it('names an unknown field whose name is empty, blank or not a plain word, quoted', () => {
		const text = exportSessions([session()])
			.replace('"name":', '"": 1, " ": 2, "a b": 3, "name":')
			.replace('"seed": 7,', '"seed": 7, "": 4,');
		expect(problemsOf(text)).toEqual([
			'sessions[0][""]: is not a known field (remove it)',
			'sessions[0][" "]: is not a known field (remove it)',
			'sessions[0]["a b"]: is not a known field (remove it)',
			'sessions[0].experiment.params[""]: must be absent (unknown parameter), got 4'
		]);
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

	it('shows the start of a value nested too deeply for JSON.stringify, instead of failing on it', () => {
		const deep = '['.repeat(10_000) + ']'.repeat(10_000);
		expect(problemsOf(`{"format":${deep}}`)).toEqual([
			`This is not a sessions file of the Sampling Playground: format must be "sampling-playground-sessions", got ${'['.repeat(57)}….`
		]);
		const prompt = exportSessions([session()]).replace('"Once upon a time"', deep);
		expect(problemsOf(prompt)).toEqual([
			`sessions[0].experiment.input.prompt: must be a string, got ${'['.repeat(57)}…`
		]);
		const temperature = exportSessions([session()]).replace(
			'"temperature": 1',
			`"temperature": ${deep}`
		);
		expect(problemsOf(temperature)).toEqual([
			`sessions[0].experiment.params.temperature: must be a number in [0, 2], got ${'['.repeat(57)}…`
		]);
	});

	it('refuses a long sweep text at once', () => {
		const text = exportSessions([
			session({ experiment: experiment({ sweep: [{ param: 'seed', text: '.'.repeat(200_000) }] }) })
		]);
		const started = performance.now();
		expect(problemsOf(text)).toEqual([
			`sessions[0].experiment.sweep[0].text: must be Seed values (“${'.'.repeat(39)}…” is not a number; list values like 1, 2, 3 or write a range like 0.2 to 1 step 0.2), got "${'.'.repeat(56)}…`
		]);
		expect(performance.now() - started).toBeLessThan(1000);
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
