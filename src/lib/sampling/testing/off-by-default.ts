import { STAGE_DEFINITIONS, type AnyStageDefinition } from '../stages/registry';

/**
 * Test data: the default of every parameter of the stages that are off by default, which is how
 * a file or link written before those stages existed reads them.
 */
export function offByDefaultValues(): Record<string, number> {
	return Object.fromEntries(
		STAGE_DEFINITIONS.filter((stage: AnyStageDefinition) => stage.offByDefault).flatMap((stage) =>
			stage.params.map((spec) => [spec.key, spec.default])
		)
	);
}
