import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { PromptInput } from '#lib/core/prompt';
import type { RunRecord, SessionRecord } from '#lib/core/session';
import { experiment, params, runRecord, session } from './testing/sessions';
import {
	dpoJsonl,
	dpoLines,
	isJudged,
	laneInput,
	sftJsonl,
	sftLine,
	trainingFileName
} from './training-data';

const CHAT: PromptInput = {
	mode: 'chat',
	systemPrompt: 'Be brief.',
	messages: [{ role: 'user', content: 'Name a colour.' }]
};

function lane(id: string, text: string, seed: number, overrides: Partial<RunRecord> = {}) {
	return runRecord({
		id,
		label: `seed ${seed}`,
		params: params({ temperature: 1, seed }),
		seed,
		text,
		finishReason: 'eos',
		...overrides
	});
}

/** A chat compare of three seed lanes. */
function chatCompare(overrides: Partial<SessionRecord> = {}): SessionRecord {
	return session({
		id: 'cmp-1',
		name: 'Name a colour · 10:00',
		kind: 'compare',
		experiment: experiment({ input: CHAT, sweep: [{ param: 'seed', text: '1, 2, 3' }] }),
		runs: [lane('l1', 'Blue.', 1), lane('l2', 'Red, I think.', 2), lane('l3', 'Green', 3)],
		prefill: { evaluations: 1, ms: 2 },
		...overrides
	});
}

const PARAMS_META = (seed: number) =>
	`"seed":${seed},"params":{"repeatPenalty":1,"repeatLastN":64,"frequencyPenalty":0,"presencePenalty":0,"temperature":1,"topK":40,"topP":0.95,"minP":0.05,"topA":0,"epsilonCutoff":0,"etaCutoff":0,"topNSigma":0,"typicalP":1,"tfsZ":1,"dynatempRange":0,"dynatempExponent":1,"smoothingFactor":0,"smoothingCurve":1,"noRepeatNgramSize":0,"mirostatMode":0,"mirostatTau":5,"mirostatEta":0.1,"mirostatM":100,"xtcProbability":0,"xtcThreshold":0.1,"dryMultiplier":0,"dryBase":1.75,"dryAllowedLength":2,"dryPenaltyLastN":-1,"order":["logit-bias","repetition-penalty","frequency-presence","temperature","top-k","top-p","min-p"],"drySequenceBreakers":["\\n",":","\\"","*"],"logitBias":[]},"finishReason":"eos"}`;

const PROMPT =
	'[{"role":"system","content":"Be brief."},{"role":"user","content":"Name a colour."}]';

describe('SFT JSONL', () => {
	it('writes one line per judged compare: the conversation and the best lane reply, with its settings', () => {
		const judged = chatCompare({ judgement: { ranking: ['l2'] } });
		expect(sftJsonl([judged])).toBe(
			`{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Name a colour."},{"role":"assistant","content":"Red, I think."}],` +
				`"metadata":{"session":"cmp-1","lane":{"lane":"l2","label":"seed 2","model":"stories260k","rank":1,"systemPrompt":"Be brief.",${PARAMS_META(2)}}}\n`
		);
	});

	it('leaves out metadata when asked, and compares not judged or single runs', () => {
		const judged = chatCompare({ judgement: { ranking: ['l3', 'l1'] } });
		expect(sftJsonl([chatCompare(), session(), judged], { metadata: false })).toBe(
			`{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Name a colour."},{"role":"assistant","content":"Green"}]}\n`
		);
		expect(sftJsonl([chatCompare()])).toBe('');
	});

	it('writes a completion-mode compare as prompt and completion strings', () => {
		const judged = chatCompare({
			experiment: experiment({ sweep: [{ param: 'seed', text: '1, 2, 3' }] }),
			judgement: { ranking: ['l1'] }
		});
		expect(sftJsonl([judged], { metadata: false })).toBe(
			'{"prompt":"Once upon a time","completion":"Blue."}\n'
		);
		expect(sftLine(judged)?.metadata?.lane.systemPrompt).toBeNull();
	});

	it('skips a compare whose ranked lanes all failed', () => {
		const judged = chatCompare({
			runs: [
				lane('l1', '', 1, { status: 'failed', error: 'boom', stats: null, finishReason: null }),
				lane('l2', 'Red', 2)
			],
			judgement: { ranking: ['l1'] }
		});
		expect(isJudged(judged)).toBe(false);
		expect(sftJsonl([judged])).toBe('');
	});
});

describe('DPO JSONL', () => {
	it('"Best" gives one line per other lane: the prompt, the chosen and the rejected reply', () => {
		const judged = chatCompare({ judgement: { ranking: ['l1'] } });
		expect(dpoJsonl([judged], { metadata: false }).split('\n')).toEqual([
			`{"prompt":${PROMPT},"chosen":[{"role":"assistant","content":"Blue."}],"rejected":[{"role":"assistant","content":"Red, I think."}]}`,
			`{"prompt":${PROMPT},"chosen":[{"role":"assistant","content":"Blue."}],"rejected":[{"role":"assistant","content":"Green"}]}`,
			''
		]);
	});

	it('a ranking gives every pair of a better and a worse lane, with both lanes settings', () => {
		const judged = chatCompare({ judgement: { ranking: ['l3', 'l1', 'l2'] } });
		const lines = dpoJsonl([judged]).trimEnd().split('\n');
		expect(lines).toHaveLength(3);
		expect(lines[2]).toBe(
			`{"prompt":${PROMPT},"chosen":[{"role":"assistant","content":"Blue."}],"rejected":[{"role":"assistant","content":"Red, I think."}],` +
				`"metadata":{"session":"cmp-1",` +
				`"chosen":{"lane":"l1","label":"seed 1","model":"stories260k","rank":2,"systemPrompt":"Be brief.",${PARAMS_META(1)},` +
				`"rejected":{"lane":"l2","label":"seed 2","model":"stories260k","rank":3,"systemPrompt":"Be brief.",${PARAMS_META(2)}}}`
		);
		expect(lines.map((l) => JSON.parse(l).chosen[0].content)).toEqual(['Green', 'Green', 'Blue.']);
		expect(lines.map((l) => JSON.parse(l).rejected[0].content)).toEqual([
			'Blue.',
			'Red, I think.',
			'Red, I think.'
		]);
	});

	it('writes completion-mode pairs as strings and drops pairs of identical replies', () => {
		const judged = chatCompare({
			experiment: experiment({ sweep: [{ param: 'seed', text: '1, 2, 3' }] }),
			runs: [lane('l1', ' a cat', 1), lane('l2', ' a cat', 2), lane('l3', ' a dog', 3)],
			judgement: { ranking: ['l1'] }
		});
		expect(dpoJsonl([judged], { metadata: false })).toBe(
			'{"prompt":"Once upon a time","chosen":" a cat","rejected":" a dog"}\n'
		);
	});

	it('leaves out lanes that failed or never ran, and writes nothing for a compare not judged', () => {
		const judged = chatCompare({
			runs: [
				lane('l1', 'Blue.', 1),
				lane('l2', '', 2, { status: 'failed', error: 'boom', stats: null, finishReason: null }),
				lane('l3', 'Green', 3)
			],
			judgement: { ranking: ['l3'] }
		});
		expect(dpoLines(judged).map((l) => [l.chosen, l.rejected])).toEqual([
			[[{ role: 'assistant', content: 'Green' }], [{ role: 'assistant', content: 'Blue.' }]]
		]);
		expect(dpoJsonl([chatCompare()])).toBe('');
	});

	it('uses the prompt each lane ran with when a skill axis gave lanes their own system prompts', () => {
		const skilled = (run: RunRecord, systemPrompt: string) =>
			({ ...run, skill: { name: run.id, systemPrompt } }) as RunRecord;
		const judged = chatCompare({
			runs: [
				skilled(lane('l1', 'Blue.', 1), 'You are a poet.'),
				skilled(lane('l2', 'Red.', 2), 'You are terse.'),
				lane('l3', 'Green.', 3)
			],
			judgement: { ranking: ['l2'] }
		});
		expect(laneInput(judged, judged.runs[0])).toEqual({ ...CHAT, systemPrompt: 'You are a poet.' });
		expect(sftLine(judged)?.messages?.[0]).toEqual({ role: 'system', content: 'You are terse.' });
		const lines = dpoLines(judged);
		expect(lines.map((line) => line.prompt)).toEqual([
			[
				{ role: 'system', content: 'You are terse.' },
				{ role: 'user', content: 'Name a colour.' }
			],
			[
				{ role: 'system', content: 'You are terse.' },
				{ role: 'user', content: 'Name a colour.' }
			]
		]);
		expect(lines.map((line) => line.metadata?.rejected.systemPrompt)).toEqual([
			'You are a poet.',
			'Be brief.'
		]);
	});
});

it('names the files after the compare, or by date for the whole history', () => {
	expect(trainingFileName('sft', chatCompare())).toBe('judgements-sft-name-a-colour-10-00.jsonl');
	expect(trainingFileName('dpo', null, Date.UTC(2025, 0, 31))).toBe(
		'judgements-dpo-2025-01-31.jsonl'
	);
});

it('writes the example of docs/judgements.md', async () => {
	const doc = await readFile(new URL('../../../docs/judgements.md', import.meta.url), 'utf8');
	const blocks = [...doc.split('## Example')[1].matchAll(/```jsonl\n([\s\S]*?)```/g)].map(
		(m) => m[1]
	);
	const example = (id: string, seed: number, text: string) =>
		lane(id, text, seed, { label: `seed ${seed}` });
	const judged = session({
		id: 'b1946ac9-2f0c-4b1e-9d0a-6f3c2e1d7a10',
		name: 'Name a colour',
		kind: 'compare',
		experiment: experiment({
			input: {
				mode: 'chat',
				systemPrompt: 'Answer in one sentence.',
				messages: [{ role: 'user', content: 'What colour is the sky?' }]
			},
			sweep: [{ param: 'seed', text: '1, 2, 3' }]
		}),
		runs: [
			example('seed-1', 1, 'The sky is blue.'),
			example('seed-2', 2, 'Blue, on a clear day.'),
			example('seed-3', 3, 'It is green.')
		],
		prefill: { evaluations: 1, ms: 3 },
		judgement: { ranking: ['seed-2', 'seed-1'] }
	});
	expect(blocks).toEqual([
		sftJsonl([judged]),
		sftJsonl([judged], { metadata: false }),
		dpoJsonl([judged], { metadata: false })
	]);
});
