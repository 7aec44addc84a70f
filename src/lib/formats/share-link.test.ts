import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, PARAM_SPECS, type SamplingParams } from '#lib/sampling';
import { paramsArbitrary } from '#lib/sampling/testing/arbitraries';
import { offByDefaultValues } from '#lib/sampling/testing/off-by-default';
import type { Experiment } from '#lib/core/experiment';
import { tracedTokens } from './testing/traced-tokens';
import { deflate, fromBase64Url, inflate, toBase64Url } from './share-link-bytes';
import { normalizeTokens } from './token-codec';
import {
	decodeShareFragment,
	encodeShareFragment,
	MAX_SHARE_DATA_CHARS,
	shareChecksum,
	type SharedExperiment
} from './share-link';

const TEST_SHA = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d';

function defaultExperiment(overrides: Partial<Experiment> = {}): Experiment {
	return {
		model: { id: 'stories260k', name: 'TinyStories 260K', engine: 'llama', sha256: TEST_SHA },
		input: { mode: 'completion', prompt: 'Once upon a time' },
		params: {
			...DEFAULT_SAMPLING_PARAMS,
			order: [...DEFAULT_SAMPLING_PARAMS.order],
			logitBias: {}
		},
		maxNewTokens: 256,
		contextLength: 2048,
		stopSequences: [],
		banEndOfText: false,
		sampling: 'exact',
		...overrides
	};
}

async function encode(shared: SharedExperiment): Promise<string> {
	const result = await encodeShareFragment(shared);
	if (!result.ok) throw new Error(result.message);
	return result.value;
}

/** A fragment carrying `data` as the link's JSON, to test what decoding does with it. */
async function fragmentOf(data: unknown): Promise<string> {
	return '#x=' + toBase64Url(await deflate(new TextEncoder().encode(JSON.stringify(data))));
}

async function problem(hash: string): Promise<string> {
	const result = await decodeShareFragment(hash);
	if (result.ok) throw new Error('decoded a bad link');
	return result.message;
}

// JSON has no −0; the sampler treats it as 0 anyway.
const positiveZero = (value: number): number => (Object.is(value, -0) ? 0 : value);
const noNegativeZero = (params: SamplingParams): SamplingParams => {
	const out = { ...params, logitBias: { ...params.logitBias } };
	for (const spec of PARAM_SPECS) out[spec.key] = positiveZero(out[spec.key]);
	for (const id of Object.keys(out.logitBias)) {
		out.logitBias[Number(id)] = positiveZero(out.logitBias[Number(id)]);
	}
	return out;
};

const text = fc.string({ unit: 'grapheme', maxLength: 60 });
const experimentArbitrary: fc.Arbitrary<SharedExperiment> = fc
	.record({
		model: fc.record({
			id: fc.oneof(fc.constant('stories260k'), fc.string({ minLength: 1, maxLength: 40 })),
			name: text,
			engine: fc.constantFrom('llama' as const, 'wllama' as const, 'webllm' as const),
			sha256: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: null })
		}),
		input: fc.oneof(
			fc.record({ mode: fc.constant('completion' as const), prompt: text }),
			fc.record(
				{
					mode: fc.constant('chat' as const),
					systemPrompt: text,
					// A chat ends with the user's message (the page's prompt box).
					messages: fc
						.tuple(
							fc.array(
								fc.record({ role: fc.constantFrom('system', 'user', 'assistant'), content: text }),
								{ maxLength: 3 }
							),
							text
						)
						.map(([earlier, prompt]) => [...earlier, { role: 'user' as const, content: prompt }])
				},
				{ requiredKeys: ['mode', 'messages'] }
			)
		),
		params: paramsArbitrary(512).map(noNegativeZero),
		seedIsRandom: fc.boolean(),
		maxNewTokens: fc.integer({ min: 1, max: 32_768 }),
		contextLength: fc.integer({ min: 16, max: 131_072 }),
		stopSequences: fc.array(
			fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes('\n')),
			{
				maxLength: 3
			}
		),
		banEndOfText: fc.boolean(),
		sampling: fc.constantFrom('exact' as const, 'native' as const),
		sweep: fc.option(
			fc.array(
				fc.oneof(
					fc.record({
						param: fc.constant('seed' as const),
						text: fc.constantFrom('1, 2, 3', '0 to 6 step 2')
					}),
					fc.record({ param: fc.constant('temperature' as const), text: fc.constant('0.5, 1.2') }),
					fc.record({
						param: fc.constant('model' as const),
						text: fc.constant('stories260k, webllm:x')
					})
				),
				{ minLength: 1, maxLength: 2 }
			),
			{ nil: undefined }
		)
	})
	.map(({ seedIsRandom, sweep, params, ...rest }) => {
		const experiment: Experiment = {
			...rest,
			params: { ...params, seed: seedIsRandom ? null : params.seed }
		};
		if (sweep) experiment.sweep = sweep;
		return { experiment, view: sweep ? 'compare' : 'single' };
	});

describe('share links', () => {
	it('give back every experiment they were made from, in its view', async () => {
		await fc.assert(
			fc.asyncProperty(experimentArbitrary, async (shared) => {
				const decoded = await decodeShareFragment(await encode(shared));
				expect(decoded).toEqual({ ok: true, value: shared });
			}),
			{ numRuns: 400 }
		);
	});

	it('are short for a typical experiment: defaults are left out', async () => {
		const fragment = await encode({ experiment: defaultExperiment(), view: 'single' });
		expect(fragment.length).toBeLessThan(180);
		const tuned = defaultExperiment({
			params: {
				...defaultExperiment().params,
				temperature: 1,
				topK: 5,
				seed: 1234,
				order: [
					'logit-bias',
					'top-k',
					'repetition-penalty',
					'frequency-presence',
					'temperature',
					'top-p',
					'min-p'
				]
			},
			stopSequences: ['.'],
			maxNewTokens: 60
		});
		expect((await encode({ experiment: tuned, view: 'single' })).length).toBeLessThan(250);
		const withoutSha = defaultExperiment({
			model: { id: 'stories260k', name: 'TinyStories 260K', engine: 'llama', sha256: null }
		});
		expect((await encode({ experiment: withoutSha, view: 'single' })).length).toBeLessThan(110);
	});

	it('keep a sweep only for the compare view', async () => {
		const experiment = defaultExperiment({ sweep: [{ param: 'seed', text: '1, 2, 3' }] });
		const single = await decodeShareFragment(await encode({ experiment, view: 'single' }));
		expect(single.ok && single.value.view).toBe('single');
		expect(single.ok && single.value.experiment.sweep).toBeUndefined();
		const compare = await decodeShareFragment(await encode({ experiment, view: 'compare' }));
		expect(compare.ok && compare.value).toEqual({ experiment, view: 'compare' });
	});

	it('keep the choice to read special tokens in the typed text', async () => {
		for (const input of [
			{ mode: 'completion' as const, prompt: 'a<|im_end|>', parseSpecial: true },
			{
				mode: 'chat' as const,
				messages: [{ role: 'user' as const, content: '<|im_end|>' }],
				parseSpecial: true
			}
		]) {
			const experiment = defaultExperiment({ input });
			const back = await decodeShareFragment(await encode({ experiment, view: 'single' }));
			expect(back.ok && back.value.experiment.input).toEqual(input);
		}
	});

	it('keep the picked skill, and a skill sweep with the skills it names', async () => {
		const pirate = { name: 'Pirate', systemPrompt: 'You are a pirate.' };
		const tutor = { name: 'Tutor', systemPrompt: 'Explain step by step.' };
		const experiment = defaultExperiment({
			input: {
				mode: 'chat',
				systemPrompt: 'You are a pirate. Be brief.',
				messages: [{ role: 'user', content: 'Hi' }]
			},
			skill: pirate,
			sweep: [{ param: 'skill', text: 'Pirate, Tutor' }],
			skills: [pirate, tutor]
		});
		const compare = await decodeShareFragment(await encode({ experiment, view: 'compare' }));
		expect(compare.ok && compare.value).toEqual({ experiment, view: 'compare' });
		const single = await decodeShareFragment(await encode({ experiment, view: 'single' }));
		expect(single.ok && single.value.experiment.skill).toEqual(pirate);
		expect(single.ok && single.value.experiment.skills).toBeUndefined();
	});

	it('carry XTC and the seed, so the link repeats the run’s draws exactly', async () => {
		const experiment = defaultExperiment({
			params: {
				...defaultExperiment().params,
				temperature: 1,
				seed: 2024,
				xtcProbability: 0.5,
				xtcThreshold: 0.05,
				order: [...DEFAULT_SAMPLING_PARAMS.order, 'xtc']
			}
		});
		const decoded = await decodeShareFragment(await encode({ experiment, view: 'single' }));
		expect(decoded).toEqual({ ok: true, value: { experiment, view: 'single' } });
		const opened = decoded.ok ? decoded.value.experiment.params : experiment.params;
		const run = normalizeTokens(tracedTokens(10, experiment.params, 2000));
		expect(normalizeTokens(tracedTokens(10, opened, 2000))).toEqual(run);
		// Without XTC the same seed gives another run: the link's XTC settings matter.
		const without = tracedTokens(10, { ...experiment.params, xtcProbability: 0 }, 2000);
		expect(without.map((t) => t.id)).not.toEqual(run.map((t) => t.id));
	});

	it('carry a stage added after format 1 by its name, with its parameter', async () => {
		const experiment = defaultExperiment({
			params: {
				...defaultExperiment().params,
				etaCutoff: 0.0005,
				order: [...DEFAULT_SAMPLING_PARAMS.order, 'eta-cutoff']
			}
		});
		const fragment = await encode({ experiment, view: 'single' });
		expect(await decodeShareFragment(fragment)).toEqual({
			ok: true,
			value: { experiment, view: 'single' }
		});
		const link = { v: 1, m: 'stories260k', s: { etaCutoff: 0.0005 }, o: '0123456(eta-cutoff)' };
		const decoded = await decodeShareFragment(await fragmentOf(link));
		expect(decoded.ok && decoded.value.experiment.params.order.at(-1)).toBe('eta-cutoff');
	});

	it('carry typical-p and tail-free by name, in the user order, with their parameters', async () => {
		const experiment = defaultExperiment({
			params: {
				...defaultExperiment().params,
				typicalP: 0.9,
				tfsZ: 0.95,
				order: ['tail-free', ...DEFAULT_SAMPLING_PARAMS.order, 'typical-p']
			}
		});
		const fragment = await encode({ experiment, view: 'single' });
		expect(await decodeShareFragment(fragment)).toEqual({
			ok: true,
			value: { experiment, view: 'single' }
		});
	});

	it('carry dynamic temperature, quadratic smoothing and no-repeat n-gram by name', async () => {
		const experiment = defaultExperiment({
			params: {
				...defaultExperiment().params,
				dynatempRange: 0.4,
				dynatempExponent: 1.5,
				smoothingFactor: 0.25,
				smoothingCurve: 2,
				noRepeatNgramSize: 3,
				order: [
					'no-repeat-ngram',
					...DEFAULT_SAMPLING_PARAMS.order,
					'quadratic-smoothing',
					'dynamic-temperature'
				]
			}
		});
		const fragment = await encode({ experiment, view: 'single' });
		expect(await decodeShareFragment(fragment)).toEqual({
			ok: true,
			value: { experiment, view: 'single' }
		});
	});

	it('carry Mirostat, so the link repeats its run for the same seed', async () => {
		const experiment = defaultExperiment({
			params: {
				...defaultExperiment().params,
				mirostatMode: 1,
				mirostatTau: 3.5,
				mirostatEta: 0.25,
				mirostatM: 50,
				seed: 3,
				order: [...DEFAULT_SAMPLING_PARAMS.order, 'mirostat']
			}
		});
		const decoded = await decodeShareFragment(await encode({ experiment, view: 'single' }));
		expect(decoded).toEqual({ ok: true, value: { experiment, view: 'single' } });
		const params = decoded.ok ? decoded.value.experiment.params : DEFAULT_SAMPLING_PARAMS;
		const ids = (p: SamplingParams) => tracedTokens(10, p, 2000).map((t) => t.id);
		expect(ids(params)).toEqual(ids(experiment.params));
	});

	it('carry DRY switched on, with breakers other than the defaults', async () => {
		const experiment = defaultExperiment({
			params: {
				...defaultExperiment().params,
				dryMultiplier: 0.8,
				drySequenceBreakers: ['\n', 'Alice:'],
				order: [...DEFAULT_SAMPLING_PARAMS.order, 'dry']
			}
		});
		const fragment = await encode({ experiment, view: 'single' });
		expect(await decodeShareFragment(fragment)).toEqual({
			ok: true,
			value: { experiment, view: 'single' }
		});
		// Default breakers are left out of the link; a bad list is named by its path.
		const link = { v: 1, m: 'stories260k', s: { dryMultiplier: 0.8 }, o: '0123456(dry)', y: [''] };
		const decoded = await decodeShareFragment(await fragmentOf(link));
		expect(decoded.ok ? null : decoded.message).toMatch(
			/params\.drySequenceBreakers\[0\]: must be a text of 1 to 40 characters, got ""/
		);
	});

	it('read a format-1 link with its frozen defaults and stage codes', async () => {
		const link = { v: 1, m: 'stories260k', p: 'Hi', s: { topK: 5 }, o: '436', q: ['.'] };
		expect(await decodeShareFragment(await fragmentOf(link))).toEqual({
			ok: true,
			value: {
				view: 'single',
				experiment: {
					model: { id: 'stories260k', name: 'stories260k', engine: 'llama', sha256: null },
					input: { mode: 'completion', prompt: 'Hi' },
					params: {
						// Stages added after format 1 are off: at their neutral defaults, not in the order.
						...offByDefaultValues(),
						drySequenceBreakers: ['\n', ':', '"', '*'],
						temperature: 0.8,
						topK: 5,
						topP: 0.95,
						minP: 0.05,
						repeatPenalty: 1,
						repeatLastN: 64,
						frequencyPenalty: 0,
						presencePenalty: 0,
						logitBias: {},
						seed: null,
						order: ['top-k', 'temperature', 'min-p']
					},
					maxNewTokens: 256,
					contextLength: 2048,
					stopSequences: ['.'],
					banEndOfText: false,
					sampling: 'exact'
				}
			}
		});
	});

	it('refuse an experiment too big for a link', async () => {
		let state = 1;
		const random = Array.from({ length: 40_000 }, () => {
			state = (state * 48271) % 0x7fffffff;
			return String.fromCharCode(0x4e00 + (state % 2000));
		}).join('');
		const result = await encodeShareFragment({
			experiment: defaultExperiment({ input: { mode: 'completion', prompt: random } }),
			view: 'single'
		});
		expect(result.ok).toBe(false);
		expect(!result.ok && result.message).toMatch(/too big for a link .*Shorten the prompt/);
	});
});

describe('bad share links say what is wrong', () => {
	const base = { v: 1, m: 'stories260k', p: 'Hi' };

	it('when the data is not base64url, missing, cut short or damaged', async () => {
		const good = await encode({ experiment: defaultExperiment(), view: 'single' });
		expect(await problem('#x=')).toMatch(/no data after #x=/);
		expect(await problem('#x=abc$def')).toMatch(/damaged \(its data may only hold letters/);
		expect(await problem('#x=abcde')).toMatch(/damaged \(its data may only hold letters/);
		const data = good.slice('#x='.length);
		const cut = '#x=' + data.slice(0, Math.floor(data.length / 8) * 4);
		expect(await problem(cut)).toMatch(/damaged or cut short .*copy the whole link again/);
		expect(await problem('#x=' + 'A'.repeat(MAX_SHARE_DATA_CHARS + 4))).toMatch(/longer than/);
		const notJson = '#x=' + toBase64Url(await deflate(new TextEncoder().encode('{"v":1,')));
		expect(await problem(notJson)).toMatch(/not valid JSON/);
		const bomb = '#x=' + toBase64Url(await deflate(new Uint8Array(3 << 20)));
		expect(await problem(bomb)).toMatch(/expands to more than 1 MiB/);
	});

	it('with every message starting the same way and the page left alone', async () => {
		expect(await problem('#x=')).toMatch(
			/^This share link cannot be opened: .*\. Nothing on the page was changed\.$/
		);
	});

	it('when the format version is another', async () => {
		expect(await problem(await fragmentOf({ ...base, v: 3 }))).toMatch(
			/link format 3; this version of the app reads formats 1 and 2/
		);
		expect(await problem(await fragmentOf([1, 2]))).toMatch(/not an experiment/);
	});

	it('naming each bad field', async () => {
		const cases: [Record<string, unknown>, RegExp][] = [
			[{ zz: 1 }, /zz: is not a known field/],
			[{ m: '' }, /model\.id: must be a non-empty string of at most 300 characters, got ""/],
			[{ n: 3 }, /model\.name: must be a string, got 3/],
			[{ e: 'cuda' }, /model\.engine: must be one of "llama", "wllama", "webllm", got "cuda"/],
			[{ h: 'ABC' }, /model\.sha256: must be 64 lowercase hex digits, got "ABC"/],
			[{ p: 5 }, /input\.prompt: must be a string, got 5/],
			[{ r: true }, /input\.parseSpecial: must be 1 \(on\) or absent, got true/],
			[{ c: { m: [] } }, /input: must be a completion prompt or a chat, got both/],
			[{ p: undefined, c: { m: 'hi' } }, /input\.messages: must be a list, got "hi"/],
			[{ p: undefined, c: { s: 1, m: [] } }, /input\.systemPrompt: must be a string, got 1/],
			[
				{ p: undefined, c: { m: [['robot', 'hi']] } },
				/input\.messages\[0\]\.role: must be one of "system", "user", "assistant", got "robot"/
			],
			[{ s: { temperature: 5 } }, /params\.temperature: must be a number in \[0, 2\], got 5/],
			[{ s: { topK: 1.5 } }, /params\.topK: must be an integer .*, got 1\.5/],
			[{ s: { seed: -1 } }, /params\.seed: must be an integer in \[0, 4294967295\].*, got -1/],
			[{ s: { warmth: 1 } }, /params\.warmth: must be absent \(unknown parameter\), got 1/],
			[{ s: [1] }, /params: must be an object of sampling parameters, got \[1\]/],
			[{ o: '0z' }, /params\.order: must be stage codes from "0123456", got "0z"/],
			[{ o: '00' }, /params\.order: must be listed once .*, got "logit-bias"/],
			[{ o: 5 }, /params\.order: must be stage codes from "0123456", got 5/],
			[{ l: { abc: 1 } }, /params\.logitBias: must be keyed by token ids, got "abc"/],
			[{ l: { 3: 500 } }, /params\.logitBias\[3\]: must be a number in \[-100, 100\], got 500/],
			[{ t: 0 }, /maxNewTokens: must be an integer in \[1, 32768\], got 0/],
			[{ x: 1e9 }, /contextLength: must be an integer in \[16, 131072\], got 1000000000/],
			[{ q: 'stop' }, /stopSequences: must be a list, got "stop"/],
			[{ q: ['ok', ''] }, /stopSequences\[1\]: must be a non-empty string on one line, got ""/],
			[{ q: ['a\nb'] }, /stopSequences\[0\]: must be a non-empty string on one line, got "a\\nb"/],
			[{ b: true }, /banEndOfText: must be 1 \(on\) or absent, got true/],
			[{ a: 'gpu' }, /sampling: must be one of "exact", "native", got "gpu"/],
			[{ w: [] }, /sweep: must be a list of at least 1, got "0 entries"/],
			[
				{ w: [['colour', '1, 2']] },
				/sweep\[0\]\.param: must be one of "seed", "temperature", .*, got "colour"/
			],
			[
				{ w: [['seed', 'one, two']] },
				/sweep\[0\]\.text: must be Seed values \(“one” is not a number.*\), got "one, two"/
			],
			[
				{ w: [['temperature', '1, 9']] },
				/sweep\[0\]\.text: must be Temperature values \(9 is not allowed.*\), got "1, 9"/
			],
			[
				{ p: undefined, c: { m: [['user']] } },
				/input\.messages\[0\]: must be a pair \[role, content\], got \["user"\]/
			],
			[{ w: ['seed'] }, /sweep\[0\]: must be a pair \[param, text\], got "seed"/],
			[{ m: 'x'.repeat(301) }, /model\.id: must be a non-empty string of at most 300 characters/],
			[{ q: Array(33).fill('.') }, /stopSequences: must be a list of at most 32, got "33 entries"/],
			[
				{ w: [['seed', '1,'.repeat(250) + '1']] },
				/sweep\[0\]\.text: must be a non-empty string of at most 500 characters/
			]
		];
		for (const [change, expected] of cases) {
			expect(
				await problem(await fragmentOf({ ...base, ...change })),
				JSON.stringify(change)
			).toMatch(expected);
		}
	});

	it('reading an empty list of sweep skills as none, so the link reopens the same', async () => {
		const link = { ...base, w: [['seed', '1, 2']], K: [] };
		const opened = await decodeShareFragment(await fragmentOf(link));
		expect(opened.ok && opened.value.experiment.skills).toBeUndefined();
		if (!opened.ok) return;
		const again = await encodeShareFragment(opened.value);
		expect(again.ok && (await decodeShareFragment(again.value))).toEqual(opened);
	});

	it('listing every problem at once', async () => {
		const message = await problem(await fragmentOf({ ...base, t: -1, a: 'gpu' }));
		expect(message).toMatch(/maxNewTokens: must be .*; sampling: must be one of "exact", "native"/);
	});
});

describe('a share link with a field whose name is blank', () => {
	it('is refused with the name quoted', async () => {
		expect(await problem(await fragmentOf({ v: 1, m: 'stories260k', ' ': 1 }))).toBe(
			'This share link cannot be opened: [" "]: is not a known field (remove it). Nothing on the page was changed.'
		);
	});
});

describe('a share link with a value nested too deeply for JSON.stringify', () => {
	it('is refused with the field named and the start of the value, not with an error', async () => {
		const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
		const json = new TextEncoder().encode(`{"v":2,"m":"stories260k","n":${deep}}`);
		const data = new Uint8Array([...new TextEncoder().encode(shareChecksum(json)), ...json]);
		expect(await problem('#x=' + toBase64Url(await deflate(data)))).toBe(
			`This share link cannot be opened: model.name: must be a string, got ${'{"a":'.repeat(12).slice(0, 57)}…. Nothing on the page was changed.`
		);
	});
});

describe('the checksum of a share link', () => {
	const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
	/** A fragment whose data is `prefix` + `json`, deflated, as links from format 2 on are. */
	async function checkedFragment(prefix: string, json: string): Promise<string> {
		return '#x=' + toBase64Url(await deflate(new TextEncoder().encode(prefix + json)));
	}

	it('starts the data of every link written, which is format 2', async () => {
		const link = await encode({ experiment: defaultExperiment(), view: 'single' });
		const inflated = await inflate(fromBase64Url(link.slice(3))!, 1 << 20);
		const data = text(inflated.ok ? inflated.bytes : new Uint8Array());
		const json = data.slice(8);
		expect(data.slice(0, 8)).toBe(shareChecksum(new TextEncoder().encode(json)));
		expect(data.slice(0, 8)).toMatch(/^[0-9a-f]{8}$/);
		expect(JSON.parse(json).v).toBe(2);
	});

	it('refuses a link whose data was changed after the checksum was made', async () => {
		const json = JSON.stringify({ v: 2, m: 'stories260k', p: 'The little dog' });
		const checksum = shareChecksum(new TextEncoder().encode(json));
		expect((await decodeShareFragment(await checkedFragment(checksum, json))).ok).toBe(true);
		const changed = json.replace('dog', 'dig');
		expect(await problem(await checkedFragment(checksum, changed))).toBe(
			'This share link cannot be opened: it is damaged (its checksum does not match its data); copy the whole link again. Nothing on the page was changed.'
		);
	});

	it('refuses a format-2 link without a checksum', async () => {
		expect(await problem(await fragmentOf({ v: 2, m: 'stories260k' }))).toMatch(
			/it is damaged \(it has no checksum, which every link of format 2 or later has\)/
		);
	});

	it('makes every one-bit change of a link either refused or harmless', async () => {
		const experiment = defaultExperiment({
			input: { mode: 'completion', prompt: 'the little dog ran after the big red ball' }
		});
		const link = await encode({ experiment, view: 'single' });
		const bytes = fromBase64Url(link.slice(3))!;
		let refused = 0;
		for (let bit = 0; bit < bytes.length * 8; bit++) {
			const flipped = bytes.slice();
			flipped[bit >> 3] ^= 1 << (bit & 7);
			const result = await decodeShareFragment('#x=' + toBase64Url(flipped));
			if (result.ok) expect(result.value.experiment, `bit ${bit}`).toEqual(experiment);
			else refused++;
		}
		expect(refused).toBeGreaterThan(bytes.length * 7);
	});
});
