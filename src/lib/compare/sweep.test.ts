import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, type SamplingParams } from '#lib/sampling';
import { MAX_LANES, SWEEP_PARAMS, buildGrid, laneLabel, parseAxisValues, seedsAxis } from './sweep';

const base: SamplingParams = {
	...DEFAULT_SAMPLING_PARAMS,
	order: [...DEFAULT_SAMPLING_PARAMS.order],
	seed: 5
};

const SKILLS = [
	{ name: 'Tutor', systemPrompt: 'Explain step by step.' },
	{ name: 'JSON only', systemPrompt: 'Reply in JSON.' }
];

describe('parseAxisValues', () => {
	it('reads lists and ranges with a step, without float noise', () => {
		expect(parseAxisValues('seed', '1, 2, 3')).toEqual({ ok: true, value: [1, 2, 3] });
		expect(parseAxisValues('temperature', '0.2 to 1 step 0.2')).toEqual({
			ok: true,
			value: [0.2, 0.4, 0.6, 0.8, 1]
		});
		expect(parseAxisValues('topK', '10..40 step 10')).toEqual({
			ok: true,
			value: [10, 20, 30, 40]
		});
	});

	it('names the parameter, the bad value and the allowed range', () => {
		expect(parseAxisValues('temperature', '0.5, 2.5')).toEqual({
			ok: false,
			message: 'Temperature: 2.5 is not allowed; it must be a number in [0, 2].'
		});
		expect(parseAxisValues('seed', '1, x')).toMatchObject({
			ok: false,
			message: expect.stringContaining('“x” is not a number')
		});
		expect(parseAxisValues('seed', '1.5')).toMatchObject({
			ok: false,
			message: expect.stringContaining('integer')
		});
		expect(parseAxisValues('topP', '')).toMatchObject({
			ok: false,
			message: 'Top-p: enter values, e.g. 1, 2, 3.'
		});
		expect(parseAxisValues('temperature', '0 to 2 step 0.1')).toMatchObject({
			ok: false,
			message: expect.stringContaining('21 values')
		});
		expect(parseAxisValues('minP', '0.5 to 0.1 step 0.1')).toMatchObject({ ok: false });
	});

	it('reads a long text at once, however it is made, and quotes a long bad value shortened', () => {
		// Regular expressions that backtrack took minutes over texts like these.
		for (const text of ['.'.repeat(200_000), '1'.repeat(200_000) + 'x', '1.'.repeat(100_000)]) {
			const started = performance.now();
			const parsed = parseAxisValues('seed', text);
			expect(performance.now() - started).toBeLessThan(1000);
			expect(parsed.ok).toBe(false);
			if (!parsed.ok) expect(parsed.message.length).toBeLessThan(200);
		}
		expect(parseAxisValues('seed', `1, ${'2'.repeat(60)}x`)).toEqual({
			ok: false,
			message: `Seed: “${'2'.repeat(39)}…” is not a number; list values like 1, 2, 3 or write a range like 0.2 to 1 step 0.2.`
		});
	});

	it('checks model ids against the list', () => {
		expect(parseAxisValues('model', 'a, b', ['a', 'b'])).toEqual({ ok: true, value: ['a', 'b'] });
		expect(parseAxisValues('model', 'a, c', ['a', 'b'])).toEqual({
			ok: false,
			message: 'Model: “c” is not a model in the list.'
		});
	});
	it('reads skill names in any case as the list spells them, and names an unknown one', () => {
		expect(parseAxisValues('skill', ' tutor ,JSON ONLY', [], SKILLS)).toEqual({
			ok: true,
			value: ['Tutor', 'JSON only']
		});
		expect(parseAxisValues('skill', 'Tutor, Pirate', [], SKILLS)).toEqual({
			ok: false,
			message: 'Skill: “Pirate” is not a skill in the list.'
		});
		expect(parseAxisValues('skill', '  ', [], SKILLS)).toMatchObject({ ok: false });
	});
});

describe('buildGrid', () => {
	it('builds the cartesian product of two axes with labels', () => {
		const grid = buildGrid(base, 'm', [
			{ param: 'seed', values: [7, 8] },
			{ param: 'temperature', values: [0.5, 1.2] }
		]);
		expect(grid.ok).toBe(true);
		if (!grid.ok) return;
		expect(grid.value.map((l) => l.label)).toEqual([
			'seed 7 · T 0.5',
			'seed 7 · T 1.2',
			'seed 8 · T 0.5',
			'seed 8 · T 1.2'
		]);
		expect(grid.value[3].params).toMatchObject({ seed: 8, temperature: 1.2, topK: base.topK });
		expect(grid.value.map((l) => l.id)).toEqual(['lane-1', 'lane-2', 'lane-3', 'lane-4']);
	});

	it('switches on a stage that is off by default when a sweep varies it, and no other', () => {
		const grid = buildGrid(base, 'm', [{ param: 'topA', values: [0.1, 0.3] }], (id) => id);
		expect(grid.ok && grid.value.map((l) => l.params.order)).toEqual([
			[...base.order, 'top-a'],
			[...base.order, 'top-a']
		]);
		const withoutMinP = { ...base, order: base.order.filter((name) => name !== 'min-p') };
		const minP = buildGrid(withoutMinP, 'm', [{ param: 'minP', values: [0.1, 0.3] }], (id) => id);
		expect(minP.ok && minP.value[0].params.order).toEqual(withoutMinP.order);
	});

	it('a sweep of Mirostat’s τ with its mode at 0 runs version 2 in the lanes; a mode sweep compares versions', () => {
		const tau = buildGrid(base, 'm', [{ param: 'mirostatTau', values: [3, 5] }], (id) => id);
		expect(
			tau.ok && tau.value.map((l) => [l.label, l.params.mirostatMode, l.params.order])
		).toEqual([
			['Mτ 3', 2, [...base.order, 'mirostat']],
			['Mτ 5', 2, [...base.order, 'mirostat']]
		]);
		const v1 = buildGrid(
			{ ...base, mirostatMode: 1 },
			'm',
			[{ param: 'mirostatTau', values: [3, 4] }],
			(id) => id
		);
		expect(v1.ok && v1.value[0].params.mirostatMode).toBe(1);
		const modes = buildGrid(base, 'm', [{ param: 'mirostatMode', values: [1, 2] }], (id) => id);
		expect(modes.ok && modes.value.map((l) => [l.label, l.params.mirostatMode])).toEqual([
			['Mirostat 1', 1],
			['Mirostat 2', 2]
		]);
	});

	it('varies the model per lane', () => {
		const grid = buildGrid(base, 'm', [{ param: 'model', values: ['a', 'b'] }], (id) =>
			id.toUpperCase()
		);
		expect(grid.ok && grid.value.map((l) => [l.modelId, l.label])).toEqual([
			['a', 'A'],
			['b', 'B']
		]);
	});

	it('gives each lane of a skill axis its skill, labelled by name, beside other axes', () => {
		const grid = buildGrid(
			base,
			'm',
			[
				{ param: 'skill', values: ['Tutor', 'JSON only'] },
				{ param: 'temperature', values: [0.5] }
			],
			undefined,
			SKILLS
		);
		expect(grid.ok).toBe(true);
		if (!grid.ok) return;
		expect(grid.value.map((l) => [l.label, l.skill])).toEqual([
			['Tutor · T 0.5', { name: 'Tutor', systemPrompt: 'Explain step by step.' }],
			['JSON only · T 0.5', { name: 'JSON only', systemPrompt: 'Reply in JSON.' }]
		]);
		expect(grid.value[0].params.temperature).toBe(0.5);
		expect(grid.value[0].modelId).toBe('m');
	});

	it('leaves lanes without a skill axis without a skill, and refuses a skill it does not know', () => {
		const grid = buildGrid(base, 'm', [seedsAxis(2)]);
		expect(grid.ok && grid.value.every((l) => !('skill' in l))).toBe(true);
		expect(
			buildGrid(base, 'm', [{ param: 'skill', values: ['Tutor', 'Pirate'] }], undefined, SKILLS)
		).toEqual({
			ok: false,
			message: 'Skill: “Pirate” is not a skill in the list.'
		});
	});

	it('refuses grids over 16 lanes, under 2, and the same parameter twice', () => {
		const big = buildGrid(base, 'm', [
			seedsAxis(5),
			{ param: 'temperature', values: [0.1, 0.5, 0.9, 1.3] }
		]);
		expect(big).toEqual({
			ok: false,
			message: `This sweep makes 20 lanes (5 × 4); at most ${MAX_LANES} fit side by side.`
		});
		expect(buildGrid(base, 'm', [seedsAxis(1)])).toMatchObject({ ok: false });
		expect(buildGrid(base, 'm', [seedsAxis(2), seedsAxis(2)])).toMatchObject({ ok: false });
		expect(buildGrid(base, 'm', [])).toMatchObject({ ok: false });
	});

	it('N seeds is one axis of seeds 1 to N', () => {
		expect(seedsAxis(4)).toEqual({ param: 'seed', values: [1, 2, 3, 4] });
		expect(laneLabel([{ param: 'seed', value: 3 }])).toBe('seed 3');
	});
});

describe('sweep axes', () => {
	it('are the seed, the stage parameters marked as axes in panel order, the model and the skill', () => {
		expect(SWEEP_PARAMS).toEqual([
			{ param: 'seed', label: 'Seed', short: 'seed' },
			{ param: 'temperature', label: 'Temperature', short: 'T' },
			{ param: 'dynatempRange', label: 'Dynamic temperature range', short: 'dyn±' },
			{ param: 'smoothingFactor', label: 'Smoothing factor', short: 'smooth' },
			{ param: 'topK', label: 'Top-k', short: 'top-k' },
			{ param: 'topP', label: 'Top-p', short: 'top-p' },
			{ param: 'typicalP', label: 'Typical-p', short: 'typ-p' },
			{ param: 'tfsZ', label: 'Tail-free z', short: 'tfs' },
			{ param: 'minP', label: 'Min-p', short: 'min-p' },
			{ param: 'topA', label: 'Top-a', short: 'top-a' },
			{ param: 'epsilonCutoff', label: 'Epsilon cutoff', short: 'ε' },
			{ param: 'etaCutoff', label: 'Eta cutoff', short: 'η' },
			{ param: 'topNSigma', label: 'Top-nσ', short: 'nσ' },
			{ param: 'xtcProbability', label: 'XTC probability', short: 'xtc p' },
			{ param: 'xtcThreshold', label: 'XTC threshold', short: 'xtc t' },
			{ param: 'mirostatMode', label: 'Mirostat mode', short: 'Mirostat' },
			{ param: 'mirostatTau', label: 'Mirostat τ', short: 'Mτ' },
			{ param: 'mirostatEta', label: 'Mirostat η', short: 'Mη' },
			{ param: 'repeatPenalty', label: 'Repetition penalty', short: 'rep' },
			{ param: 'noRepeatNgramSize', label: 'No-repeat n-gram size', short: 'no-rep n' },
			{ param: 'dryMultiplier', label: 'DRY multiplier', short: 'DRY' },
			{ param: 'dryBase', label: 'DRY base', short: 'DRY base' },
			{ param: 'dryAllowedLength', label: 'DRY allowed length', short: 'DRY len' },
			{ param: 'frequencyPenalty', label: 'Frequency penalty', short: 'freq' },
			{ param: 'presencePenalty', label: 'Presence penalty', short: 'pres' },
			{ param: 'model', label: 'Model', short: 'model' },
			{ param: 'skill', label: 'Skill', short: 'skill' }
		]);
	});
});
