import { describe, expect, it } from 'vitest';
import { readExperiment } from './experiment';
import { exportSessions, parseSessionsFile } from './session-format';
import { deflate, toBase64Url } from './share-link-bytes';
import { decodeShareFragment } from './share-link';
import { experiment, session } from './testing/sessions';

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
			problem: 'model.engine: must be one of "llama", "wllama", "webllm", got "cuda"'
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

	it('refuses a chat that does not end with a user message, which the page cannot show as it is', async () => {
		// The page's chat is a conversation and a prompt box, sent as the last user message.
		const assistantLast = [
			['user', 'Hi'],
			['assistant', 'Hello']
		];
		expect(await linkProblems({ c: { m: assistantLast } })).toBe(
			'This share link cannot be opened: input.messages: must end with a user message (the prompt), got 2 messages ending with "assistant". Nothing on the page was changed.'
		);
		expect(await linkProblems({ c: { s: 'Be brief.', m: [] } })).toBe(
			'This share link cannot be opened: input.messages: must end with a user message (the prompt), got no messages. Nothing on the page was changed.'
		);
		expect(
			fileProblems(
				(x) => (x.input = { mode: 'chat', messages: [{ role: 'system', content: 'S' }] })
			)
		).toEqual([
			'sessions[0].experiment.input.messages: must end with a user message (the prompt), got 1 message ending with "system"'
		]);
		const userLast = { mode: 'chat', messages: [{ role: 'user', content: '' }] };
		expect(readExperiment({ ...experiment(), input: userLast }).ok).toBe(true);
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
