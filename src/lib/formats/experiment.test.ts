import { describe, expect, it } from 'vitest';
import type { Experiment } from '#lib/core/experiment';
import { STAGE_DEFINITIONS, type SamplingParams } from '#lib/sampling';
import { readExperiment } from './experiment';
import type { StageRegistry } from './sampling-params';
import { exportSessions, parseSessionsFile } from './session-format';
import { deflate, toBase64Url } from './share-link-bytes';
import { decodeShareFragment, encodeShareFragment, type SharedExperiment } from './share-link';
import { experiment, params, runRecord, session } from './testing/sessions';

/** A fragment carrying `data` as the link's JSON. */
async function fragmentOf(data: unknown): Promise<string> {
	return '#x=' + toBase64Url(await deflate(new TextEncoder().encode(JSON.stringify(data))));
}

async function linkProblems(data: Record<string, unknown>): Promise<string> {
	const result = await decodeShareFragment(await fragmentOf({ v: 1, m: 'stories260k', ...data }));
	if (result.ok) throw new Error('decoded a bad link');
	return result.message;
}

function fileProblems(change: (x: Record<string, unknown>) => void): string[] {
	const file = JSON.parse(exportSessions([session()]));
	change(file.sessions[0].experiment);
	const parsed = parseSessionsFile(JSON.stringify(file));
	if (parsed.ok) throw new Error('read a bad file');
	return parsed.problems;
}

describe('one experiment validator for links and files', () => {
	const cases: {
		link: Record<string, unknown>;
		file: (x: Record<string, unknown>) => void;
		problem: string;
	}[] = [
		{
			link: { s: { topP: 3 } },
			file: (x) => ((x.params as Record<string, unknown>).topP = 3),
			problem: 'params.topP: must be a number in (0, 1], got 3'
		},
		{
			link: { s: { warmth: 1 } },
			file: (x) => ((x.params as Record<string, unknown>).warmth = 1),
			problem: 'params.warmth: must be absent (unknown parameter), got 1'
		},
		{
			link: { l: { 3: 500 } },
			file: (x) => ((x.params as Record<string, unknown>).logitBias = { 3: 500 }),
			problem: 'params.logitBias[3]: must be a number in [-100, 100], got 500'
		},
		{
			link: { e: 'cuda' },
			file: (x) => ((x.model as Record<string, unknown>).engine = 'cuda'),
			problem: 'model.engine: must be one of "wllama", "webllm", got "cuda"'
		},
		{
			link: { t: 0 },
			file: (x) => (x.maxNewTokens = 0),
			problem: 'maxNewTokens: must be an integer in [1, 32768], got 0'
		},
		{
			link: { q: ['a\nb'] },
			file: (x) => (x.stopSequences = ['a\nb']),
			problem: 'stopSequences[0]: must be a non-empty string on one line, got "a\\nb"'
		},
		{
			link: { w: [['seed', 'one']] },
			file: (x) => (x.sweep = [{ param: 'seed', text: 'one' }]),
			problem:
				'sweep[0].text: must be Seed values (“one” is not a number; list values like 1, 2, 3 or write a range like 0.2 to 1 step 0.2), got "one"'
		}
	];

	it('reports the same bad value with the same message, by its path', async () => {
		for (const { link, file, problem } of cases) {
			expect(await linkProblems(link)).toBe(
				`This share link cannot be opened: ${problem}. Nothing on the page was changed.`
			);
			expect(fileProblems(file)).toEqual([`sessions[0].experiment.${problem}`]);
		}
	});

	it('reads a plain experiment with the problems at the top level', () => {
		expect(readExperiment(experiment())).toEqual({ ok: true, value: experiment() });
		const bad = { ...experiment(), maxNewTokens: 0, sampling: 'gpu' };
		expect(readExperiment(bad)).toEqual({
			ok: false,
			problems: [
				'maxNewTokens: must be an integer in [1, 32768], got 0',
				'sampling: must be one of "exact", "native", got "gpu"'
			]
		});
	});
});

describe('a stage added to the registry', () => {
	// A stage neither format names: its parameter must travel like any other.
	const registry: StageRegistry = [
		...STAGE_DEFINITIONS,
		{
			name: 'warmth',
			params: [{ key: 'warmth', label: 'Warmth', min: 0, max: 1, default: 0.5 }]
		}
	];
	const withWarmth = (warmth: number): SamplingParams =>
		({ ...params({ temperature: 1, seed: 7 }), warmth }) as SamplingParams;
	const warmExperiment = (warmth: number): Experiment => experiment({ params: withWarmth(warmth) });

	it('round-trips its parameter through a share link, its default left out', async () => {
		for (const warmth of [0.25, 0.5]) {
			const shared: SharedExperiment = { experiment: warmExperiment(warmth), view: 'single' };
			const encoded = await encodeShareFragment(shared, registry);
			if (!encoded.ok) throw new Error(encoded.message);
			expect(await decodeShareFragment(encoded.value, registry)).toEqual({
				ok: true,
				value: shared
			});
		}
		const plain = await encodeShareFragment({ experiment: experiment(), view: 'single' });
		const atDefault = await encodeShareFragment(
			{ experiment: warmExperiment(0.5), view: 'single' },
			registry
		);
		expect(atDefault).toEqual(plain);
	});

	it('round-trips its parameter through a sessions file', () => {
		const sessions = [
			session({ experiment: warmExperiment(0.25), runs: [runRecord({ params: withWarmth(0.75) })] })
		];
		expect(parseSessionsFile(exportSessions(sessions), registry)).toEqual({ ok: true, sessions });
	});

	it('checks its parameter by its range in both, and is unknown without the stage', async () => {
		const problem = 'params.warmth: must be a number in [0, 1], got 2';
		const link = await decodeShareFragment(
			await fragmentOf({ v: 1, m: 'stories260k', s: { warmth: 2 } }),
			registry
		);
		expect(link).toEqual({
			ok: false,
			message: `This share link cannot be opened: ${problem}. Nothing on the page was changed.`
		});
		const file = exportSessions([session({ experiment: warmExperiment(2) })]);
		expect(parseSessionsFile(file, registry)).toMatchObject({
			ok: false,
			problems: expect.arrayContaining([`sessions[0].experiment.${problem}`])
		});
		expect(parseSessionsFile(file)).toMatchObject({
			ok: false,
			problems: expect.arrayContaining([
				'sessions[0].experiment.params.warmth: must be absent (unknown parameter), got 2'
			])
		});
		const shared = await encodeShareFragment(
			{ experiment: warmExperiment(0.25), view: 'single' },
			registry
		);
		expect(shared.ok && (await decodeShareFragment(shared.value))).toMatchObject({
			ok: false,
			message: expect.stringContaining(
				'params.warmth: must be absent (unknown parameter), got 0.25'
			)
		});
	});
});
