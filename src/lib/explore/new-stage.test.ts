import { describe, expect, it } from 'vitest';
import type { SweepParam } from '#lib/core/experiment';
import { createSweeps, SWEEP_PARAMS } from '#lib/compare/sweep';
import type { Experiment } from '#lib/core/experiment';
import { exportSessions, parseSessionsFile } from '#lib/formats/session-format';
import {
	decodeShareFragment,
	encodeShareFragment,
	type SharedExperiment
} from '#lib/formats/share-link';
import { experiment, runRecord, session } from '#lib/formats/testing/sessions';
import { parseNumberInput, samplingFields } from '#lib/params/fields';
import { stageParamHelp } from '#lib/params/help';
import {
	DEFAULT_SAMPLING_PARAMS,
	SamplingValidationError,
	WHAT_IF_KEYS,
	defaultStageValues,
	validateSamplingParams,
	whatIfKeys,
	whatIfSignature,
	type SamplingParams,
	type StageName
} from '#lib/sampling';
import { REGISTRY_WITH_DUMMY, dummyStage } from '#lib/sampling/testing/dummy-stage';
import { stageExplanation, stageTitles } from './why';

/**
 * A new stage written in one file and listed in a registry must reach every table derived from
 * the registry, with no other file touched. The dummy stage exists only in this test's registry.
 */

const registry = REGISTRY_WITH_DUMMY;
const [gain] = dummyStage.params;
// The dummy stage's key and name are not in the real registry's types.
const GAIN = 'dummyGain' as SweepParam;
const DUMMY = 'dummy-gain' as StageName;

/** Valid parameters for the test registry: every default, the dummy's included. */
function paramsWith(overrides: Record<string, unknown> = {}): SamplingParams {
	return {
		...DEFAULT_SAMPLING_PARAMS,
		...defaultStageValues(registry),
		order: registry.map((stage) => stage.name),
		seed: 3,
		...overrides
	} as SamplingParams;
}

function validationError(run: () => unknown): SamplingValidationError {
	try {
		run();
	} catch (error) {
		if (error instanceof SamplingValidationError) return error;
		throw error;
	}
	throw new Error('expected a SamplingValidationError');
}

describe('a new stage', () => {
	it('gets a parameter field with its label, range, slider and help, in its panel place', () => {
		const fields = samplingFields(registry);
		const field = fields.find((f) => f.key === 'dummyGain');
		expect(field).toMatchObject({
			spec: { label: 'Dummy gain', min: 0.5, max: 3, default: 1 },
			sliderMin: 0.5,
			sliderMax: 3,
			step: 0.25,
			help: { what: 'Multiplies every logit by the gain.' }
		});
		expect(fields.map((f) => f.key)).toEqual([
			'temperature',
			'dynatempRange',
			'dynatempExponent',
			'smoothingFactor',
			'smoothingCurve',
			'topK',
			'topP',
			'typicalP',
			'tfsZ',
			'dummyGain',
			'minP',
			'topA',
			'epsilonCutoff',
			'etaCutoff',
			'topNSigma',
			'xtcProbability',
			'xtcThreshold',
			'mirostatMode',
			'mirostatTau',
			'mirostatEta',
			'mirostatM',
			'repeatPenalty',
			'repeatLastN',
			'noRepeatNgramSize',
			'dryMultiplier',
			'dryBase',
			'dryAllowedLength',
			'dryPenaltyLastN',
			'frequencyPenalty',
			'presencePenalty'
		]);
		expect(stageParamHelp(registry).dummyGain).toBe(gain.help);
		expect(samplingFields().some((f) => f.key === 'dummyGain')).toBe(false);
	});

	it('is validated: an out-of-range value is rejected with a message naming it', () => {
		expect(validateSamplingParams(paramsWith({ dummyGain: 2 }), { registry })).toMatchObject({
			dummyGain: 2
		});
		const tooHigh = validationError(() =>
			validateSamplingParams(paramsWith({ dummyGain: 9 }), { registry })
		);
		expect(tooHigh.field).toBe('dummyGain');
		expect(tooHigh.message).toBe('dummyGain must be a number in [0.5, 3]; got 9');
		expect(
			validationError(() =>
				validateSamplingParams(paramsWith({ dummyGain: undefined }), { registry })
			).field
		).toBe('dummyGain');
		// The real registry does not know it, and its stage is not a known order entry there.
		expect(validationError(() => validateSamplingParams(paramsWith())).field).toBe('dummyGain');
		expect(parseNumberInput('9', gain)).toEqual({
			ok: false,
			message: 'Dummy gain must be a number in [0.5, 3]; got 9.'
		});
	});

	it('is a sweep axis whose values are checked and whose lanes are labelled with it', () => {
		const sweeps = createSweeps(registry);
		expect(sweeps.options).toContainEqual({ param: GAIN, label: 'Dummy gain', short: 'gain' });
		expect(sweeps.options.map((o) => o.param).slice(-2)).toEqual(['model', 'skill']);
		expect(SWEEP_PARAMS.some((o) => o.param === GAIN)).toBe(false);
		expect(sweeps.parseAxisValues(GAIN, '0.5 to 1.5 step 0.5')).toEqual({
			ok: true,
			value: [0.5, 1, 1.5]
		});
		expect(sweeps.parseAxisValues(GAIN, '1, 4')).toEqual({
			ok: false,
			message: 'Dummy gain: 4 is not allowed; it must be a number in [0.5, 3].'
		});
		const grid = sweeps.buildGrid(paramsWith(), 'm', [
			{ param: 'seed', values: [1] },
			{ param: GAIN, values: [0.5, 2] }
		]);
		expect(grid.ok && grid.value.map((lane) => lane.label)).toEqual([
			'seed 1 · gain 0.5',
			'seed 1 · gain 2'
		]);
		expect(grid.ok && grid.value[1].params).toMatchObject({ dummyGain: 2, seed: 1 });
		expect(sweeps.laneLabel([{ param: GAIN, value: 3 }])).toBe('gain 3');
	});

	it('re-samples a what-if when it changes', () => {
		const keys = whatIfKeys(registry);
		expect(keys).toContain('dummyGain');
		expect(keys).toEqual(expect.arrayContaining(['temperature', 'seed', 'order']));
		expect(WHAT_IF_KEYS).not.toContain('dummyGain');
		const before = whatIfSignature(paramsWith(), keys);
		expect(whatIfSignature(paramsWith({ dummyGain: 2 }), keys)).not.toBe(before);
		expect(whatIfSignature(paramsWith({ dummyGain: 1 }), keys)).toBe(before);
	});

	it('is explained and titled in the “why this token” charts', () => {
		expect(stageExplanation(DUMMY, registry)).toBe(dummyStage.summary);
		expect(stageTitles(registry)[DUMMY]).toBe('dummy gain');
		expect(() => stageExplanation(DUMMY)).toThrow(RangeError);
	});

	describe('experiment formats', () => {
		const experimentWithGain = (dummyGain: number): Experiment =>
			experiment({ params: paramsWith({ dummyGain }) });

		it('a share link carries it, its default left out', async () => {
			for (const dummyGain of [2, gain.default]) {
				const shared: SharedExperiment = {
					experiment: experimentWithGain(dummyGain),
					view: 'single'
				};
				const encoded = await encodeShareFragment(shared, registry);
				if (!encoded.ok) throw new Error(encoded.message);
				expect(await decodeShareFragment(encoded.value, registry)).toEqual({
					ok: true,
					value: shared
				});
			}
			const atDefault = await encodeShareFragment(
				{ experiment: experimentWithGain(gain.default), view: 'single' },
				registry
			);
			expect(atDefault.ok && atDefault.value).not.toContain('dummyGain');
		});

		it('the sessions file carries it, in the experiment and in each run', () => {
			const sessions = [
				session({
					experiment: experimentWithGain(0.5),
					runs: [runRecord({ params: paramsWith({ dummyGain: 3 }) })]
				})
			];
			expect(parseSessionsFile(exportSessions(sessions), registry)).toEqual({
				ok: true,
				sessions
			});
		});

		it('both reject an out-of-range value with the same message naming it', async () => {
			const problem = 'params.dummyGain: must be a number in [0.5, 3], got 4';
			const link = await encodeShareFragment(
				{ experiment: experimentWithGain(4), view: 'single' },
				registry
			);
			expect(link.ok && (await decodeShareFragment(link.value, registry))).toEqual({
				ok: false,
				message: `This share link cannot be opened: ${problem}. Nothing on the page was changed.`
			});
			const file = exportSessions([
				session({ experiment: experimentWithGain(4), runs: [runRecord({ params: paramsWith() })] })
			]);
			expect(parseSessionsFile(file, registry)).toMatchObject({
				ok: false,
				problems: [`sessions[0].experiment.${problem}`]
			});
		});

		it('is an unknown parameter to the real registry', () => {
			const file = exportSessions([session({ experiment: experimentWithGain(2) })]);
			expect(parseSessionsFile(file)).toMatchObject({
				ok: false,
				problems: expect.arrayContaining([
					'sessions[0].experiment.params.dummyGain: must be absent (unknown parameter), got 2'
				])
			});
		});
	});
});
