import {
	DEFAULT_SAMPLING_PARAMS,
	paramSpecsOf,
	SamplingValidationError,
	STAGE_DEFINITIONS,
	validateNumber,
	validateSamplingParams,
	type SamplingParams,
	type StageRegistry
} from '#lib/sampling';
import { at, isPlainObject, keyPath, must, type Reader } from './check';

/**
 * Sampling parameters as the experiment formats read them: every parameter of every stage in a
 * registry, checked by the sampler's own rules. Owns nothing but the reader; the experiment
 * reader (experiment.ts) and the sessions file call it. A test passes its own registry (a dummy
 * stage, say) to see that formats carry any stage's parameters without naming them.
 */

export function stageNamesOf(registry: StageRegistry): readonly string[] {
	return registry.map((stage) => stage.name);
}

/** Runs one of the sampler's checks, turning its error into a problem at `path`'s parent. */
function bySampler(check: () => void, parent: string, problems: string[]): void {
	try {
		check();
	} catch (error) {
		if (!(error instanceof SamplingValidationError)) throw error;
		must(problems, at(parent, error.field), error.allowed, error.value);
	}
}

/** The stages to run, in order: each a stage of the registry, none twice. */
function stageOrder(names: readonly string[]): Reader<SamplingParams['order']> {
	return (value, path, problems) => {
		if (!Array.isArray(value)) {
			must(problems, path, `a list of distinct stages from: ${names.join(', ')}`, value);
			return value as SamplingParams['order'];
		}
		// Like the sampler, the first bad stage is reported: the rest of a broken order says little.
		const bad = value.findIndex((name, i) => !names.includes(name) || value.indexOf(name) !== i);
		if (bad >= 0) {
			const known = names.includes(value[bad]);
			const expected = known
				? 'listed once (it appears twice)'
				: `a known stage (${names.join(', ')})`;
			must(problems, path, expected, value[bad]);
		}
		return value as SamplingParams['order'];
	};
}

/**
 * Reads sampling parameters: each field checked alone, so that every bad field is reported with
 * its path, not just the first the sampler would throw for.
 */
export function samplingParamsReader(
	registry: StageRegistry = STAGE_DEFINITIONS
): Reader<SamplingParams> {
	const order = stageOrder(stageNamesOf(registry));
	type Check = (value: unknown, path: string, problems: string[]) => void;
	const checks = new Map<string, Check>();
	for (const spec of paramSpecsOf(registry)) {
		checks.set(spec.key, (value, path, problems) =>
			bySampler(() => validateNumber(spec, value), path, problems)
		);
	}
	// Seed, logit bias and DRY's breakers are no stage's numbers: the sampler checks each with the
	// rest at defaults.
	for (const key of ['logitBias', 'drySequenceBreakers', 'seed'] as const) {
		checks.set(key, (value, path, problems) =>
			bySampler(
				() => validateSamplingParams({ ...DEFAULT_SAMPLING_PARAMS, [key]: value }),
				path,
				problems
			)
		);
	}
	checks.set('order', (value, path, problems) => order(value, at(path, 'order'), problems));
	// Stages switched off by default came after files were written: a file without their
	// parameters means them at their defaults (which turn the stage off).
	const optional = new Map<string, unknown>(
		registry
			.filter((stage) => stage.offByDefault)
			.flatMap((stage) => stage.params.map((spec) => [spec.key, spec.default] as const))
	);
	// DRY's sequence breakers came with it: a file without them reads llama.cpp's defaults.
	optional.set('drySequenceBreakers', DEFAULT_SAMPLING_PARAMS.drySequenceBreakers);
	return (value, path, problems) => {
		if (!isPlainObject(value)) {
			must(problems, path, 'an object of sampling parameters', value);
			return value as SamplingParams;
		}
		const filled: Record<string, unknown> = {};
		for (const [key, check] of checks) {
			if (Object.hasOwn(value, key)) check(value[key], path, problems);
			else if (optional.has(key)) filled[key] = structuredClone(optional.get(key));
			else problems.push(`${at(path, key)}: is missing`);
		}
		for (const key of Object.keys(value)) {
			if (!checks.has(key)) {
				must(problems, keyPath(path, key), 'absent (unknown parameter)', value[key]);
			}
		}
		return (Object.keys(filled).length > 0 ? { ...value, ...filled } : value) as SamplingParams;
	};
}
