import type { IgnoredParam } from '#lib/core/run';
import {
	STAGE_DEFINITIONS,
	stageDefinition,
	type SamplingParams,
	type StageName
} from '#lib/sampling';
import type { ModeCapabilities } from './capabilities';
import { stageValues } from '#lib/sampling/params';

/**
 * What the engines' own samplers (native mode) need to know of the user's chain: the stages that
 * change anything, and whether they run in an order a fixed native chain cannot follow. Called by
 * each engine's native module (webllm/native.ts, wllama/native.ts).
 */

/** The stages of `params.order` that are not neutral with these values, in the user's order. */
export function activeStages(params: SamplingParams): StageName[] {
	const values = stageValues(params);
	return params.order.filter(
		(name) => !stageDefinition(name).isNeutral(values, { logitBias: params.logitBias })
	);
}

/**
 * Whether the active stages run in an order the engine's fixed chain (`rank`: its position of
 * each stage it has; stages it lacks are left out) does not follow: some two of them come in
 * the other order, and swapping them would change the outcome (`commute` says when it would
 * not).
 */
export function orderDiffers(
	active: readonly StageName[],
	rank: Partial<Record<StageName, number>>,
	commute: (a: StageName, b: StageName) => boolean = () => false
): boolean {
	const ranked = active.filter((name) => rank[name] !== undefined);
	return ranked.some((a, i) =>
		ranked.slice(i + 1).some((b) => (rank[a] as number) > (rank[b] as number) && !commute(a, b))
	);
}

/**
 * The parameters of active stages that the native sampler ignores (its capability table says
 * `ignored`), in registry order, each with the table's reason.
 */
export function ignoredStageParams(
	active: readonly StageName[],
	capabilities: ModeCapabilities
): IgnoredParam[] {
	return STAGE_DEFINITIONS.filter((stage) => active.includes(stage.name)).flatMap((stage) =>
		stage.params.flatMap((spec) => {
			const capability = capabilities[spec.key];
			return capability.support === 'ignored'
				? [{ field: spec.key, reason: capability.reason }]
				: [];
		})
	);
}
