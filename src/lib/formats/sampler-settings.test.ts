import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, STAGE_DEFINITIONS, type StageRegistry } from '#lib/sampling';
import { tenThousandths } from '#lib/sampling/stages/epsilon-cutoff';
import {
	describeImport,
	detectFormat,
	importSettings,
	SettingsImportError,
	toLlamaCppRequest
} from './sampler-settings';

const fixture = (name: string) =>
	readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function problemsOf(run: () => unknown): readonly string[] {
	try {
		run();
	} catch (error) {
		if (error instanceof SettingsImportError) return error.problems;
		throw error;
	}
	throw new Error('expected a SettingsImportError');
}

describe('detectFormat', () => {
	it('tells the three formats apart', () => {
		expect(detectFormat(fixture('llama-cpp-completion.json'))).toBe('llamaCpp');
		expect(detectFormat(fixture('textgen-min-p.yaml'))).toBe('textgen');
		expect(detectFormat(fixture('sillytavern-preset.json'))).toBe('sillyTavern');
	});
});

describe('llama.cpp /completion request', () => {
	const imported = importSettings(fixture('llama-cpp-completion.json'));

	it('maps every field a stage names, and seed, bias, length and stops', () => {
		expect(imported.params).toMatchObject({
			temperature: 0.8,
			topK: 40,
			topP: 0.95,
			minP: 0.05,
			repeatPenalty: 1.1,
			repeatLastN: 64,
			frequencyPenalty: 0,
			presencePenalty: 0,
			seed: 42,
			logitBias: { 15043: 1, 2: -100 }
		});
		expect(imported.maxNewTokens).toBe(128);
		expect(imported.stopSequences).toEqual(['</s>', 'User:']);
	});

	it('orders the stages as `samplers`, penalties first, logit bias before all', () => {
		expect(imported.params.order).toEqual([
			'logit-bias',
			'repetition-penalty',
			'frequency-presence',
			'top-k',
			'top-p',
			'min-p',
			'temperature'
		]);
	});

	it('lists the fields it cannot use, apart from those at their off value', () => {
		const fields = imported.unsupported.map((f) => f.field);
		expect(fields).not.toContain('mirostat_tau'); // Mirostat's, read even with it off
		expect(fields).not.toContain('typical_p');
		expect(imported.params.typicalP).toBe(1);
		// Every sampler its list names (dry, typ_p, xtc, …) is a stage here now.
		expect(fields).not.toContain('samplers (stages)');
		expect(fields).not.toContain('prompt');
		expect(fields).toEqual(['ignore_eos', 'min_keep']);
		const report = describeImport(imported).join('\n');
		expect(report).toMatch(/Not supported here: ignore_eos \(false\), min_keep \(0\)/);
	});

	it('maps DRY and its sequence breakers', () => {
		expect(imported.params).toMatchObject({
			dryMultiplier: 0,
			dryBase: 1.75,
			dryAllowedLength: 2,
			dryPenaltyLastN: -1,
			drySequenceBreakers: ['\n', ':', '"', '*']
		});
		const custom = importSettings(
			'{"dry_multiplier": 0.8, "dry_sequence_breakers": ["\\n", "User:"]}'
		);
		expect(custom.params.drySequenceBreakers).toEqual(['\n', 'User:']);
		expect(custom.mapped.map((m) => m.key)).toContain('drySequenceBreakers');
		expect(problemsOf(() => importSettings('{"dry_sequence_breakers": ["\\n", ""]}'))).toEqual([
			'dry_sequence_breakers[1] must be a text of 1 to 40 characters; got ""'
		]);
		expect(problemsOf(() => importSettings('{"dry_sequence_breakers": 3}'))).toEqual([
			'dry_sequence_breakers must be a list of texts, or quoted texts separated by commas; got 3'
		]);
	});

	it('leaves out of the chain the stages `samplers` leaves out, as the server does', () => {
		const imported = importSettings('{"samplers": ["top_k", "temperature"]}');
		expect(imported.params.order).toEqual(['logit-bias', 'top-k', 'temperature']);
		expect(imported.notes.join(' ')).toMatch(/leaves out repetition-penalty, .*min-p: left out/);
	});

	it('reads −1 as a random seed and a negative top_k as off', () => {
		const { params } = importSettings('{"seed": -1, "top_k": -1}');
		expect(params.seed).toBeNull();
		expect(params.topK).toBe(0);
	});

	it('refuses bad values, naming the field and the range, all at once', () => {
		const problems = problemsOf(() =>
			importSettings('{"min_p": 1.5, "top_p": "high", "seed": 0.5, "logit_bias": [[3, 500]]}')
		);
		expect(problems).toEqual([
			'top_p (Top-p) must be a number in (0, 1]; got "high"',
			'min_p (Min-p) must be a number in [0, 1); got 1.5',
			'seed must be an integer in [0, 4294967295] or -1 (random); got 0.5',
			'logit_bias[3] must be a number in [-100, 100] or false (ban); got 500'
		]);
	});

	it('bounds top-k and logit-bias ids by the vocabulary when it is known', () => {
		const problems = problemsOf(() =>
			importSettings('{"top_k": 200, "logit_bias": {"99": 1}}', { vocabSize: 50 })
		);
		expect(problems[0]).toBe('top_k (Top-k) must be an integer in [0, 50]; got 200');
		expect(problems[1]).toBe('logit_bias must be keyed by token ids in [0, 49]; got "99"');
	});

	it('leaves biases keyed by text unsupported (they need the server tokenizer)', () => {
		const imported = importSettings('{"logit_bias": [["Hello", -1]]}');
		expect(imported.params.logitBias).toEqual({});
		expect(imported.unsupported.map((f) => f.field)).toEqual(['logit_bias']);
	});

	it('says what is wrong with text that is no JSON object', () => {
		expect(problemsOf(() => importSettings('[1]', { format: 'llamaCpp' }))[0]).toMatch(
			/must be an object of settings; got \[1\]/
		);
		expect(problemsOf(() => importSettings('{oops', { format: 'llamaCpp' }))[0]).toMatch(
			/not valid JSON/
		);
	});
});

describe('text-generation-webui preset', () => {
	const imported = importSettings(fixture('textgen-min-p.yaml'));

	it('maps the fields, reading range 0 as the whole context', () => {
		expect(imported.params).toMatchObject({
			temperature: 1.5,
			minP: 0.1,
			topP: 1,
			topK: 0,
			repeatPenalty: 1.05,
			repeatLastN: -1
		});
		expect(imported.notes.join(' ')).toMatch(/repetition_penalty_range 0 read as .* -1/);
	});

	it('follows sampler_priority, then temperature_last', () => {
		// DRY, typical-p and tail-free are named but left at values that turn them off: they stay off.
		expect(imported.params.order).toEqual([
			'logit-bias',
			'repetition-penalty',
			'frequency-presence',
			'top-k',
			'top-p',
			'min-p',
			'temperature'
		]);
		// The preset's typical_p, tfs and xtc_probability leave their stages neutral: left out.
	});

	it('refuses a bad value naming the preset field', () => {
		expect(problemsOf(() => importSettings('repetition_penalty: 0.5\n'))).toEqual([
			'repetition_penalty (Repetition penalty) must be a number in [1, 2]; got 0.5'
		]);
	});

	it('says when the YAML cannot be read', () => {
		expect(problemsOf(() => importSettings('a: [1,', { format: 'textgen' }))[0]).toMatch(
			/not valid YAML/
		);
	});
});

describe('SillyTavern text-completion preset', () => {
	const imported = importSettings(fixture('sillytavern-preset.json'));

	it('maps its own field names', () => {
		expect(imported.params).toMatchObject({
			temperature: 0.7,
			topP: 0.9,
			topK: 20,
			minP: 0.02,
			repeatPenalty: 1.15,
			repeatLastN: 1024,
			frequencyPenalty: 0.1,
			presencePenalty: 0.2
		});
	});

	it('orders by its llama.cpp-style samplers list, keeping the stages it leaves out', () => {
		expect(imported.params.order).toEqual([
			'logit-bias',
			'repetition-penalty',
			'frequency-presence',
			'dry',
			'top-k',
			'top-p',
			'min-p',
			'temperature'
		]);
		expect(imported.notes.join(' ')).toMatch(
			/samplers does not name repetition-penalty, frequency-presence; kept/
		);
	});

	it('maps DRY, reading its window 0 as the whole context and its breakers from a string', () => {
		expect(imported.params).toMatchObject({
			dryMultiplier: 0.8,
			dryBase: 1.75,
			dryAllowedLength: 2,
			dryPenaltyLastN: -1,
			drySequenceBreakers: ['\n', ':', '"', '*']
		});
		const report = describeImport(imported).join('\n');
		expect(report).not.toMatch(/Not supported here: .*dry_multiplier/);
		expect(report).toMatch(/off anyway: .*penalty_alpha/);
		// Read, at its off value: it stays out of the chain.
		expect(report).toMatch(/Imported .*tfs/);
		expect(imported.params.order).not.toContain('tail-free');
		// text-generation-webui's form: quoted texts separated by commas, no brackets.
		const textgen = importSettings('dry_sequence_breakers: \'"\\n", "Alice:"\'\n', {
			format: 'textgen'
		});
		expect(textgen.params.drySequenceBreakers).toEqual(['\n', 'Alice:']);
	});

	it('refuses a bad value naming its field', () => {
		expect(problemsOf(() => importSettings('{"temp": -1, "rep_pen": 1}'))).toEqual([
			'temp (Temperature) must be a number in [0, 2]; got -1'
		]);
	});
});

describe('toLlamaCppRequest', () => {
	it('writes the defaults as a request', () => {
		expect(toLlamaCppRequest(DEFAULT_SAMPLING_PARAMS, { maxNewTokens: 256 })).toEqual({
			n_predict: 256,
			temperature: DEFAULT_SAMPLING_PARAMS.temperature,
			top_k: DEFAULT_SAMPLING_PARAMS.topK,
			top_p: DEFAULT_SAMPLING_PARAMS.topP,
			min_p: DEFAULT_SAMPLING_PARAMS.minP,
			repeat_penalty: DEFAULT_SAMPLING_PARAMS.repeatPenalty,
			repeat_last_n: DEFAULT_SAMPLING_PARAMS.repeatLastN,
			frequency_penalty: 0,
			presence_penalty: 0,
			typical_p: 1,
			tfs_z: 1,
			// Off: llama.cpp's own default.
			top_n_sigma: -1,
			dynatemp_range: 0,
			dynatemp_exponent: 1,
			mirostat: 0,
			mirostat_tau: 5,
			mirostat_eta: 0.1,
			xtc_probability: 0,
			xtc_threshold: 0.1,
			dry_multiplier: 0,
			dry_base: 1.75,
			dry_allowed_length: 2,
			dry_penalty_last_n: -1,
			dry_sequence_breakers: ['\n', ':', '"', '*'],
			seed: -1,
			samplers: ['penalties', 'temperature', 'top_k', 'top_p', 'min_p']
		});
	});

	it("Mirostat: its mode replaces llama.cpp's chain on import, and only a chain with it exports it", () => {
		const imported = importSettings(
			'{"mirostat": 2, "mirostat_tau": 4, "mirostat_eta": 0.2, "samplers": ["top_k", "temperature"]}'
		);
		expect(imported.params).toMatchObject({ mirostatMode: 2, mirostatTau: 4, mirostatEta: 0.2 });
		expect(imported.params.order).toEqual(['logit-bias', 'temperature', 'mirostat']);
		expect(imported.notes.join(' ')).toMatch(/mirostat 2: llama.cpp then runs only/);
		expect(toLlamaCppRequest(imported.params)).toMatchObject({ mirostat: 2, mirostat_tau: 4 });
		const off = {
			...imported.params,
			order: imported.params.order.filter((n) => n !== 'mirostat')
		};
		expect(toLlamaCppRequest(off)).toMatchObject({ mirostat: 0 });

		const preset = importSettings('mirostat_mode: 1\nmirostat_tau: 3\n', { format: 'textgen' });
		expect(preset.params.mirostatMode).toBe(1);
		expect(preset.params.order.at(-1)).toBe('mirostat');
		const last = importSettings('mirostat_mode: 2\ntemperature_last: true\n', {
			format: 'textgen'
		});
		expect(last.params.order.slice(-2)).toEqual(['mirostat', 'temperature']);
		expect(() => importSettings('{"mirostat": 3}')).toThrow(/mirostat \(Mirostat mode\)/);
	});

	it('round-trips through the importer', () => {
		const params = importSettings(fixture('llama-cpp-completion.json')).params;
		const request = toLlamaCppRequest(params, { maxNewTokens: 128, stopSequences: ['User:'] });
		expect(request.logit_bias).toEqual([
			[2, -100],
			[15043, 1]
		]);
		const again = importSettings(JSON.stringify(request), { format: 'llamaCpp' });
		expect(again.params).toEqual(params);
		expect(again.unsupported).toEqual([]);
		expect(again.maxNewTokens).toBe(128);
	});

	it('names a new stage through its own definition only', () => {
		const extra = {
			name: 'top-z',
			label: 'Top-z',
			summary: 'test',
			panelRank: 9,
			externalOrder: { llamaCpp: 'top_z', textgen: ['top_z'] },
			params: [
				{
					key: 'topZ',
					label: 'Top-z',
					min: 0,
					max: 1,
					default: 0,
					external: { llamaCpp: 'top_z', textgen: 'top_z', sillyTavern: 'top_z' },
					help: { what: '', low: '', high: '', typical: '', fixes: '' },
					slider: { min: 0, max: 1, step: 0.01 },
					sweep: null,
					resamplesWhatIf: true
				}
			],
			isNeutral: () => true,
			create: () => ({ apply() {} })
		};
		const registry: StageRegistry = [...STAGE_DEFINITIONS, extra];
		const base = { ...DEFAULT_SAMPLING_PARAMS, topZ: 0, order: [...DEFAULT_SAMPLING_PARAMS.order] };
		const imported = importSettings('top_z: 0.2\n', { registry, base });
		expect((imported.params as unknown as Record<string, number>).topZ).toBe(0.2);
		expect(imported.unsupported).toEqual([]);
		expect(toLlamaCppRequest(imported.params, {}, registry).top_z).toBe(0.2);
	});
});

describe('the stages off by default', () => {
	const cutoffs = ['top-a', 'epsilon-cutoff', 'eta-cutoff', 'top-n-sigma'];

	it('reads textgen’s top_a, top_n_sigma and its cutoffs in units of 1e-4, switching them on', () => {
		const imported = importSettings(
			'top_a: 0.2\nepsilon_cutoff: 3\neta_cutoff: 9\ntop_n_sigma: 1\n'
		);
		expect(imported.params).toMatchObject({
			topA: 0.2,
			epsilonCutoff: 0.0003,
			etaCutoff: 0.0009,
			topNSigma: 1
		});
		expect(imported.params.order).toEqual([...DEFAULT_SAMPLING_PARAMS.order, ...cutoffs]);
		const notes = imported.notes.join(' ');
		expect(notes).toMatch(/epsilon_cutoff 3 read as Epsilon cutoff 0\.0003/);
		expect(notes).toMatch(/top_a 0\.2 switched Top-a on, last in the chain/);
		expect(notes).toMatch(/top_n_sigma 1 switched Top-nσ on/);
	});

	it('places a set stage where sampler_priority ranks it, and leaves neutral ones out', () => {
		const imported = importSettings(`${fixture('textgen-min-p.yaml')}\ntop_n_sigma: 1\n`);
		// The fixture ranks top_n_sigma before temperature; temperature_last then moves temperature.
		expect(imported.params.order).toEqual([
			'logit-bias',
			'repetition-penalty',
			'frequency-presence',
			'top-n-sigma',
			'top-k',
			'top-p',
			'min-p',
			'temperature'
		]);
		expect(imported.notes.join(' ')).not.toMatch(/switched/);
	});

	it('reads llama.cpp’s top_n_sigma (−1 off) and its place in samplers', () => {
		expect(importSettings('{"top_n_sigma": -1}').params.topNSigma).toBe(0);
		expect(importSettings('{"top_n_sigma": -1}').params.order).toEqual(
			DEFAULT_SAMPLING_PARAMS.order
		);
		const on = importSettings('{"top_n_sigma": 1.5}');
		expect(on.params.topNSigma).toBe(1.5);
		expect(on.params.order).toEqual([...DEFAULT_SAMPLING_PARAMS.order, 'top-n-sigma']);
		const placed = importSettings(
			'{"top_n_sigma": 1.5, "samplers": ["top_n_sigma", "top_k", "temperature"]}'
		);
		expect(placed.params.order).toEqual(['logit-bias', 'top-n-sigma', 'top-k', 'temperature']);
	});

	it('leaves out a set stage that a llama.cpp samplers list leaves out, and says so', () => {
		const imported = importSettings('{"top_n_sigma": 1, "samplers": ["top_k", "temperature"]}');
		expect(imported.params.order).toEqual(['logit-bias', 'top-k', 'temperature']);
		expect(imported.notes.join(' ')).toMatch(
			/top_n_sigma 1 is set, but samplers leaves Top-nσ out: off, as on the server/
		);
	});

	it('reads SillyTavern’s nsigma, top_a and cutoffs', () => {
		const imported = importSettings(
			'{"temp": 1, "nsigma": 1.2, "top_a": 0.1, "epsilon_cutoff": 2, "eta_cutoff": 0}'
		);
		expect(imported.format).toBe('sillyTavern');
		expect(imported.params).toMatchObject({
			topNSigma: 1.2,
			topA: 0.1,
			epsilonCutoff: 0.0002,
			etaCutoff: 0
		});
		expect(imported.params.order).toEqual([
			...DEFAULT_SAMPLING_PARAMS.order,
			'top-a',
			'epsilon-cutoff',
			'top-n-sigma'
		]);
	});

	it('refuses a cutoff out of range in their units, naming the field', () => {
		expect(problemsOf(() => importSettings('epsilon_cutoff: 10000\n'))).toEqual([
			'epsilon_cutoff (Epsilon cutoff) must be a number in [0, 1); got 10000'
		]);
	});

	it('does not switch on a stage the panel has off when the file does not set it', () => {
		const base = {
			...DEFAULT_SAMPLING_PARAMS,
			topA: 0.3,
			order: [...DEFAULT_SAMPLING_PARAMS.order]
		};
		const imported = importSettings('temperature: 1\n', { base });
		expect(imported.params.order).toEqual(DEFAULT_SAMPLING_PARAMS.order);
		expect(imported.params.topA).toBe(0.3);
	});

	it('writes top-nσ to a llama.cpp request and the 1e-4 units back exactly', () => {
		const params = {
			...DEFAULT_SAMPLING_PARAMS,
			topNSigma: 1,
			order: ['top-n-sigma', 'temperature']
		};
		const request = toLlamaCppRequest(params as typeof DEFAULT_SAMPLING_PARAMS);
		expect(request.top_n_sigma).toBe(1);
		expect(request.samplers).toEqual(['top_n_sigma', 'temperature']);
		// llama.cpp has no top-a, epsilon or eta cutoff: nothing is written for them.
		expect(request).not.toHaveProperty('top_a');
		const field = tenThousandths('eta_cutoff');
		expect(typeof field === 'object' && field.write?.(0.0003)).toBe(3);
		expect(typeof field === 'object' && field.read?.(3)).toBe(0.0003);
	});
});

describe('dynamic temperature import', () => {
	it('reads text-generation-webui’s low and high as temperature ± range', () => {
		const yaml = [
			'temperature: 0.7',
			'dynamic_temperature: true',
			'dynatemp_low: 0.5',
			'dynatemp_high: 1.5',
			'dynatemp_exponent: 2',
			'sampler_priority:',
			'  - temperature',
			'  - dynamic_temperature',
			'  - top_k',
			'  - min_p'
		].join('\n');
		const imported = importSettings(yaml, { format: 'textgen' });
		expect(imported.params).toMatchObject({
			temperature: 1,
			dynatempRange: 0.5,
			dynatempExponent: 2
		});
		expect(imported.params.order).toContain('dynamic-temperature');
		expect(imported.unsupported).toEqual([]);
		expect(imported.notes.join(' ')).toMatch(
			/dynatemp_low 0\.5 and dynatemp_high 1\.5 read as Temperature 1 ± Dynamic temperature range 0\.5/
		);
	});

	it('reads SillyTavern’s dynatemp, min_temp and max_temp the same way; off sets the range to 0', () => {
		const on = importSettings(
			'{"temp": 1, "dynatemp": true, "min_temp": 0.2, "max_temp": 1.2, "rep_pen": 1}'
		);
		expect(on.params.temperature).toBeCloseTo(0.7, 12);
		expect(on.params.dynatempRange).toBeCloseTo(0.5, 12);
		const off = importSettings(
			'{"temp": 0.9, "dynatemp": false, "min_temp": 0.2, "max_temp": 1.2, "rep_pen": 1}',
			{ base: { ...DEFAULT_SAMPLING_PARAMS, dynatempRange: 0.4 } }
		);
		expect(off.params).toMatchObject({ temperature: 0.9, dynatempRange: 0 });
		expect(off.unsupported).toEqual([]);
	});

	it('takes llama.cpp’s own fields as they are; its "temperature" sampler runs it there', () => {
		const imported = importSettings(
			'{"temperature": 0.8, "dynatemp_range": 0.3, "samplers": ["top_k", "temperature"]}'
		);
		expect(imported.params).toMatchObject({ temperature: 0.8, dynatempRange: 0.3 });
		expect(imported.params.order).toEqual([
			'logit-bias',
			'top-k',
			'temperature',
			'dynamic-temperature'
		]);
		// Range 0: dynamic temperature stays out of the chain.
		const plain = importSettings('{"temperature": 0.8, "samplers": ["top_k", "temperature"]}');
		expect(plain.params.order).toEqual(['logit-bias', 'top-k', 'temperature']);
	});

	it('refuses low above high, or a midpoint beyond the temperature range, naming the fields', () => {
		expect(
			problemsOf(() =>
				importSettings('dynamic_temperature: true\ndynatemp_low: 2\ndynatemp_high: 1\n', {
					format: 'textgen'
				})
			)
		).toEqual(['dynatemp_low must be at most dynatemp_high (1); got 2']);
		expect(
			problemsOf(() =>
				importSettings('dynamic_temperature: true\ndynatemp_low: 3\ndynatemp_high: 4\n', {
					format: 'textgen'
				})
			)
		).toEqual(['dynatemp_low/dynatemp_high (Temperature) must be a number in [0, 2]; got 3.5']);
		expect(
			problemsOf(() => importSettings('dynamic_temperature: yes please\n', { format: 'textgen' }))
		).toEqual(['dynamic_temperature must be true or false; got "yes please"']);
	});
});

describe('XTC settings', () => {
	it('imports xtc_probability and xtc_threshold from each tool, XTC where its order names it', () => {
		const llama = importSettings(
			'{"xtc_probability": 0.5, "xtc_threshold": 0.15, "samplers": ["top_k", "xtc", "temperature"]}'
		);
		expect(llama.params).toMatchObject({ xtcProbability: 0.5, xtcThreshold: 0.15 });
		expect(llama.params.order).toEqual(['logit-bias', 'top-k', 'xtc', 'temperature']);
		const textgen = importSettings(
			fixture('textgen-min-p.yaml') + 'xtc_probability: 0.4\nxtc_threshold: 0.2\n',
			{ format: 'textgen' }
		);
		expect(textgen.params).toMatchObject({ xtcProbability: 0.4, xtcThreshold: 0.2 });
		// sampler_priority puts xtc after min_p; temperature_last moves temperature to the end.
		expect(textgen.params.order.slice(-3)).toEqual(['min-p', 'xtc', 'temperature']);
		const tavern = JSON.parse(fixture('sillytavern-preset.json'));
		const st = importSettings(JSON.stringify({ ...tavern, xtc_probability: 0.3 }));
		expect(st.params).toMatchObject({ xtcProbability: 0.3, xtcThreshold: 0.1 });
		// Its samplers list names xtc between min_p and temperature: XTC runs there.
		expect(st.params.order.slice(-2)).toEqual(['xtc', 'temperature']);
		// Without an order list, a probability above 0 switches XTC on at the end of the chain.
		expect(importSettings('{"xtc_probability": 0.5}').params.order.at(-1)).toBe('xtc');
	});

	it('refuses a threshold of 0 or a probability above 1, naming the field', () => {
		expect(problemsOf(() => importSettings('{"xtc_threshold": 0, "xtc_probability": 2}'))).toEqual([
			'xtc_probability (XTC probability) must be a number in [0, 1]; got 2',
			'xtc_threshold (XTC threshold) must be a number in (0, 1]; got 0'
		]);
	});

	it('exports XTC as llama.cpp request fields and sampler name', () => {
		const { params } = importSettings(
			'{"xtc_probability": 0.5, "xtc_threshold": 0.1, "samplers": ["min_p", "xtc", "temperature"]}'
		);
		const request = toLlamaCppRequest(params);
		expect(request).toMatchObject({ xtc_probability: 0.5, xtc_threshold: 0.1 });
		expect(request.samplers).toEqual(['min_p', 'xtc', 'temperature']);
		expect(importSettings(JSON.stringify(request)).params).toEqual(params);
	});
});
