import type { StageDefinition } from '../stage';
import { STAGE_DEFINITIONS, type StageRegistry } from '../stages/registry';

/**
 * A stage no real chain has, with one parameter: for tests that check a new stage reaches every
 * table derived from the registry (panel fields, help, validation, sweeps, what-ifs, "why").
 */
export const dummyStage = {
	name: 'dummy-gain',
	label: 'Dummy gain',
	summary: 'Multiplies every logit by the dummy gain (a stage that only tests know).',
	// Between top-p (3) and min-p (4) in the panel.
	panelRank: 3.5,
	params: [
		{
			key: 'dummyGain',
			label: 'Dummy gain',
			min: 0.5,
			max: 3,
			default: 1,
			help: {
				what: 'Multiplies every logit by the gain.',
				low: 'Below 1 flattens the distribution.',
				high: 'Above 1 sharpens it.',
				typical: '1 (off).',
				fixes: 'None: it exists for tests.'
			},
			slider: { min: 0.5, max: 3, step: 0.25 },
			sweep: { short: 'gain' },
			resamplesWhatIf: true
		}
	],
	isNeutral: ({ dummyGain }) => dummyGain === 1,
	create({ dummyGain }) {
		return {
			apply(candidates) {
				for (let i = 0; i < candidates.count; i++)
					candidates.logits[candidates.idAt(i)] *= dummyGain;
				candidates.logitsChanged();
			}
		};
	}
} as const satisfies StageDefinition<'dummy-gain', 'dummyGain'>;

/** The real registry with the dummy stage last in the default order. */
export const REGISTRY_WITH_DUMMY: StageRegistry = [...STAGE_DEFINITIONS, dummyStage];
