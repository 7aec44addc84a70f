import type { SharedExperiment, ShareView } from '#lib/formats/share-link';
import type { CompareState } from './compare.svelte';
import type { ExperimentDraft } from './experiment-draft.svelte';
import type { RunSettings } from './run-settings.svelte';
import type { SingleRun } from './single-run.svelte';

export interface SharingDeps {
	draft: ExperimentDraft;
	settings: RunSettings;
	single: SingleRun;
	compare: CompareState;
}

/**
 * What a share link holds for a view: the experiment on the page with compare's sweep, or with
 * the last single run's seed in place of a random one, and what to tell the user about it. Reads
 * the draft, settings, single run and compare; the share link component calls it.
 */
export class Sharing {
	constructor(private readonly deps: SharingDeps) {}

	/** The experiment on the page; a random seed becomes the seed the last single run used. */
	current(view: ShareView): SharedExperiment {
		const { draft, single, compare } = this.deps;
		const experiment = draft.current();
		if (view === 'compare') {
			experiment.sweep = compare.sweepInputs();
			const skills = compare.sweepSkills();
			if (skills.length > 0) experiment.skills = skills;
		} else if (experiment.params.seed === null && single.seedUsed !== null) {
			experiment.params = { ...experiment.params, seed: single.seedUsed };
		}
		return { experiment, view };
	}

	/** What the user should know about the link of `view`, or ''. */
	note(view: ShareView): string {
		const { experiment } = this.current(view);
		if (view === 'compare') {
			const seeded = experiment.sweep?.some((axis) => axis.param === 'seed');
			return experiment.params.seed === null && !seeded
				? 'The seed is random, so lanes opened from the link will differ; fix the seed to share lanes that can be reproduced.'
				: '';
		}
		if (this.deps.settings.params.seed === null && experiment.params.seed !== null) {
			return `The link fixes seed ${experiment.params.seed}, the seed of the last run.`;
		}
		return '';
	}
}
