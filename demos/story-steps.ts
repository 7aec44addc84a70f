/**
 * The story the temperature and filters lessons both explain, and its two telling steps, found by
 * scanning the tokens of one run: after “Once upon a time” the model is sure at step 9 (“ named”
 * after “a little girl”, p 0.981) and unsure at step 17 (after “She loved to play” a lone space,
 * the start of “ outside”, has p 0.410 and “ with” 0.359). Seed 54 draws the model's favourite
 * at each of the first 16 steps at every temperature up to 1.5 with the filters off (found by
 * trying seeds 1–160 at 1.5; a filter or a cooler temperature only makes the favourite likelier),
 * so every run of both lessons reaches step 17 after the same words, and the lessons can compare
 * one step across settings.
 */
import { expect, type Page } from '@playwright/test';
import { shownTokens } from './app';

export const STORY = { prompt: 'Once upon a time', seed: 54 } as const;

/** Every filter off: the draw sees all the model's candidates, reshaped by temperature alone. */
export const NO_FILTERS = { topK: 0, topP: 1, minP: 0 } as const;

/** A step where the model's favourite has p ≥ 0.9. */
export const SURE_STEP = 9;

/** A step where the model's favourite has p < 0.5. */
export const UNSURE_STEP = 17;

/** The text of the story's first 16 tokens, the model's favourite at each step. */
export const OPENING = ', there was a little girl named Lily. She loved to play';

/** The ids of the run on show's tokens before the unsure step (what the step continues). */
export async function openingIds(page: Page): Promise<number[]> {
	return (await shownTokens(page)).slice(0, UNSURE_STEP - 1).map((token) => token.id);
}

/** Asserts the run on show began with the same tokens as `reference`, so its steps compare. */
export async function expectSameOpening(page: Page, reference: readonly number[]): Promise<void> {
	expect(
		await openingIds(page),
		`the run takes the same first ${UNSURE_STEP - 1} tokens, so step ${UNSURE_STEP} follows the same words`
	).toEqual(reference);
}
