import {
	STAGE_DEFINITIONS,
	switchOnSetStages,
	type SamplingParams,
	type StageName,
	type StageRegistry
} from '#lib/sampling';

/**
 * The chain order after the user changed a value of stage `name` in the panel: the stage
 * appended to the chain when it is off by default, out of the chain and now set to do something
 * (as {@link switchOnSetStages} does for presets and imports), so a value the user sets never
 * sits on a stage that does not run. Null when the order stays as it is.
 */
export function orderAfterEdit(
	params: SamplingParams,
	name: string,
	registry: StageRegistry = STAGE_DEFINITIONS
): StageName[] | null {
	const stage = registry.find((s) => s.name === name);
	if (!stage) return null;
	const next = switchOnSetStages(params, [stage]);
	return next === params ? null : next.order;
}

/** What the panel says when a value switched stage `label` on, `place` being where it joined. */
export function switchedOnNote(label: string, place = 'last in the chain'): string {
	return `${label} switched on by your value: it runs ${place} (move it under “Sampler chain order”).`;
}
