import { expect } from '@playwright/test';
import {
	explainToken,
	generate,
	openExperiment,
	showWhyAs,
	stageCandidates,
	survivorsByStage,
	type StageCandidate
} from './app';
import type { Lesson, Script } from './lesson';
import {
	expectSameOpening,
	NO_FILTERS,
	openingIds,
	STORY,
	SURE_STEP,
	UNSURE_STEP
} from './story-steps';

/** One filter with one setting; every other filter stays off. */
interface Filter {
	/** The stage's name in the explanation. */
	stage: 'top-k' | 'top-p' | 'min-p';
	param: 'topK' | 'topP' | 'minP';
	value: number;
}

const TOP_K_1: Filter = { stage: 'top-k', param: 'topK', value: 1 };
const TOP_K_3: Filter = { stage: 'top-k', param: 'topK', value: 3 };
const TOP_P: Filter = { stage: 'top-p', param: 'topP', value: 0.9 };
const MIN_P: Filter = { stage: 'min-p', param: 'minP', value: 0.1 };

/** How many candidates one filter leaves at each of the two steps. */
interface Survivors {
	sure: number;
	unsure: number;
}

/** A run with `filter` alone, up to the unsure step, at temperature 1: the model's own odds. */
async function runWith(lesson: Script, filter: Filter | null): Promise<void> {
	await openExperiment(lesson, {
		...STORY,
		...NO_FILTERS,
		...(filter && { [filter.param]: filter.value }),
		temperature: 1,
		maxNewTokens: UNSURE_STEP
	});
	await generate(lesson.page);
}

/** Runs with `filter` and counts its survivors at both steps (after checking the run's opening). */
async function survivorsOf(
	lesson: Script,
	filter: Filter,
	reference: readonly number[]
): Promise<Survivors> {
	await runWith(lesson, filter);
	await expectSameOpening(lesson.page, reference);
	const counts: number[] = [];
	for (const step of [SURE_STEP, UNSURE_STEP]) {
		await explainToken(lesson.page, step);
		await showWhyAs(lesson.page, 'charts');
		const left = (await survivorsByStage(lesson.page))[filter.stage];
		expect(left, `the ${filter.stage} chart says how many tokens are left`).toBeDefined();
		counts.push(left);
	}
	const [sure, unsure] = counts;
	const name = `${filter.stage} ${filter.value}`;
	lesson.figure(`${name}, survivors at step ${SURE_STEP} (sure)`, sure);
	lesson.figure(`${name}, survivors at step ${UNSURE_STEP} (unsure)`, unsure);
	return { sure, unsure };
}

/** The probabilities of a step's candidates, the model's favourite first. */
const probabilities = (candidates: StageCandidate[]) => candidates.map((c) => c.probability!);

/** How many favourites it takes for their probabilities to add up to `p` (what top-p keeps). */
function favouritesAddingUpTo(ps: readonly number[], p: number): number {
	let sum = 0;
	for (const [i, q] of ps.entries()) {
		sum += q;
		if (sum >= p) return i + 1;
	}
	return ps.length;
}

export default {
	name: 'filters',
	title: 'Top-k, top-p and min-p',
	summary:
		'Three filters cut the candidates before the draw: top-k keeps a fixed number, while top-p and min-p keep few where the model is sure and more where it is not.',
	async play(lesson) {
		let reference: number[] = [];
		/** The model's probabilities at each step, the favourite first. */
		let model = { sure: [] as number[], unsure: [] as number[] };
		await lesson.chapter(
			'Sure and unsure',
			'With no filter, step 9 of the story has a clear favourite (p ≥ 0.9) and step 17 has none (below 0.5). Each filter below runs alone on these two steps.',
			async () => {
				await runWith(lesson, null);
				reference = await openingIds(lesson.page);
				const read = async (step: number) => {
					await explainToken(lesson.page, step);
					await showWhyAs(lesson.page, 'tables');
					const candidates = await stageCandidates(lesson.page, 'raw');
					await showWhyAs(lesson.page, 'charts');
					lesson.figure(
						`step ${step}, the model's top five`,
						candidates
							.slice(0, 5)
							.map((c) => `${c.token} ${c.probability!.toFixed(3)}`)
							.join(', ')
					);
					return probabilities(candidates);
				};
				model = { sure: await read(SURE_STEP), unsure: await read(UNSURE_STEP) };
				expect(model.sure[0], 'at step 9 the favourite has p ≥ 0.9').toBeGreaterThanOrEqual(0.9);
				expect(model.unsure[0], 'at step 17 the favourite has p < 0.5').toBeLessThan(0.5);
			}
		);
		await lesson.chapter(
			'Top-k keeps a number',
			'Top-k keeps the k likeliest tokens, however sure the model is: top-k 1 leaves one survivor at both steps, top-k 3 leaves three at both.',
			async () => {
				const one = await survivorsOf(lesson, TOP_K_1, reference);
				expect(one, 'top-k 1 leaves one survivor at each step').toEqual({ sure: 1, unsure: 1 });
				const three = await survivorsOf(lesson, TOP_K_3, reference);
				expect(three, 'top-k 3 leaves three survivors at each step').toEqual({
					sure: 3,
					unsure: 3
				});
			}
		);
		await lesson.chapter(
			'Top-p keeps a share',
			'Top-p 0.9 keeps the fewest favourites whose probabilities add up to 0.9: at the sure step the favourite alone, at the unsure step several.',
			async () => {
				const left = await survivorsOf(lesson, TOP_P, reference);
				expect(left.sure, 'top-p 0.9 keeps the favourite alone at the sure step').toBe(1);
				expect(
					left.sure,
					'top-p 0.9 keeps fewer at the sure step than at the unsure one'
				).toBeLessThan(left.unsure);
				expect(left.unsure, 'the survivors are the fewest favourites adding up to 0.9').toBe(
					favouritesAddingUpTo(model.unsure, TOP_P.value)
				);
			}
		);
		await lesson.chapter(
			'Min-p keeps what is close',
			'Min-p 0.1 keeps every token with at least a tenth of the favourite’s probability: at the sure step only the favourite, at the unsure step several.',
			async () => {
				const left = await survivorsOf(lesson, MIN_P, reference);
				expect(left.sure, 'min-p 0.1 keeps the favourite alone at the sure step').toBe(1);
				expect(
					left.sure,
					'min-p 0.1 keeps fewer at the sure step than at the unsure one'
				).toBeLessThan(left.unsure);
				const close = model.unsure.filter((p) => p >= MIN_P.value * model.unsure[0]).length;
				expect(left.unsure, 'the survivors are the tokens with a tenth of the favourite’s p').toBe(
					close
				);
			}
		);
	}
} satisfies Lesson;
