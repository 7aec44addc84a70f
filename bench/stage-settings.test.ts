import { describe, expect, it } from 'vitest';
import {
	DEFAULT_ORDER,
	STAGE_DEFINITIONS,
	validateSamplingParams,
	type AnyStageDefinition
} from '../src/lib/sampling';
import { stageValues } from '../src/lib/sampling/params';
import { STAGE_BENCH_SETTINGS } from './stage-settings';
import { aloneParams, describeSetting, withStageParams } from './stages.bench';

describe('stages bench settings', () => {
	it('has a setting for every stage of the registry (add a row to bench/stage-settings.ts)', () => {
		const missing = STAGE_DEFINITIONS.map((stage) => stage.name).filter(
			(name) => !STAGE_BENCH_SETTINGS[name]
		);
		expect(missing).toEqual([]);
	});

	it('names only stages of the registry', () => {
		const names: readonly string[] = STAGE_DEFINITIONS.map((stage) => stage.name);
		expect(Object.keys(STAGE_BENCH_SETTINGS).filter((name) => !names.includes(name))).toEqual([]);
	});

	it.each(STAGE_DEFINITIONS.map((stage) => [stage.name, stage] as const))(
		'switches %s on with valid values, alone and after the default chain',
		(name, stage: AnyStageDefinition) => {
			const setting = STAGE_BENCH_SETTINGS[name];
			const alone = validateSamplingParams(aloneParams(name, setting), { vocabSize: 151_936 });
			expect(stage.isNeutral(stageValues(alone), { logitBias: alone.logitBias })).toBe(false);
			expect(alone.order).toEqual([name]);
			const chained = validateSamplingParams(withStageParams(name, setting), {
				vocabSize: 151_936
			});
			expect(chained.order).toEqual(
				(DEFAULT_ORDER as readonly string[]).includes(name)
					? DEFAULT_ORDER
					: [...DEFAULT_ORDER, name]
			);
			expect(describeSetting(setting)).not.toBe('');
		}
	);
});
