import { expect, test, type Page } from '@playwright/test';
import type { GenerateRequest, GenerationEvent } from '../src/lib/generation/types';
import type { StepTrace } from '../src/lib/core/run';
import type { InferenceClient } from '../src/lib/worker/client';
import { openWithTestModel } from './fixtures';

interface Hooks {
	client: InferenceClient;
	defaults: GenerateRequest['params'];
}

/** Runs a request through the page's client (exposed with ?testHooks) and returns its events. */
async function generateInPage(
	page: Page,
	request: Omit<GenerateRequest, 'params'> & { params?: object }
) {
	return page.evaluate(async (req) => {
		const { client, defaults } = (window as unknown as { __playground: Hooks }).__playground;
		const events: GenerationEvent[] = [];
		const result = await client.generate({ ...req, params: { ...defaults, ...req.params } }, (e) =>
			events.push(e)
		);
		return { result, events };
	}, request);
}

test.beforeEach(async ({ page }) => {
	await openWithTestModel(page, '?testHooks');
});

test('the first step distribution matches the reference probabilities', async ({ page }) => {
	const { events } = await generateInPage(page, {
		input: { mode: 'completion', prompt: 'Once upon a time' },
		params: { temperature: 0 },
		maxNewTokens: 1,
		trace: { topN: 3 }
	});
	const start = events[0];
	expect(start).toMatchObject({ type: 'start', promptTokens: [1, 403, 407, 261, 378] });
	const trace = (events[1] as { trace: StepTrace }).trace;
	expect(trace.distribution).toBe('logits');
	const top = trace.candidates.slice(0, 3).map((c) => [c.id, c.rawProbability]);
	expect(top.map(([id]) => id)).toEqual([432, 383, 322]);
	expect(top[0][1]).toBeCloseTo(0.9687, 3);
	expect(top[1][1]).toBeCloseTo(0.0288, 3);
	expect(top[2][1]).toBeCloseTo(0.0003, 3);
	expect(trace.chosenId).toBe(432);
});

test('chat mode on a model without a chat template fails, naming the model', async ({ page }) => {
	// stories260K's file has no tokenizer.chat_template: no format is guessed for it.
	const error = await generateInPage(page, {
		input: {
			mode: 'chat',
			systemPrompt: 'You tell stories.',
			messages: [{ role: 'user', content: 'Hi' }]
		},
		params: { temperature: 0 },
		maxNewTokens: 10
	}).then(
		() => null,
		(e: Error) => e.message
	);
	expect(error).toContain('"TinyStories 260K" has no chat template');
});

test('a stop sequence ends generation and is not in the text', async ({ page }) => {
	const { result } = await generateInPage(page, {
		input: { mode: 'completion', prompt: 'Once upon a time' },
		params: { temperature: 0 },
		maxNewTokens: 40,
		stopSequences: [' Lily']
	});
	expect(result.finishReason).toBe('stop-sequence');
	expect(result.text).toBe(', there was a little girl named');
});

test('invalid requests are rejected with the field named', async ({ page }) => {
	const error = await page.evaluate(async () => {
		const { client, defaults } = (window as unknown as { __playground: Hooks }).__playground;
		try {
			await client.generate({
				input: { mode: 'completion', prompt: 'x' },
				params: { ...defaults, topK: -1 },
				maxNewTokens: 5
			});
			return null;
		} catch (e) {
			return { name: (e as Error).name, field: (e as { field?: string }).field };
		}
	});
	expect(error).toEqual({ name: 'SamplingValidationError', field: 'topK' });
});

test('errors found in the worker keep their name and field on the page', async ({ page }) => {
	const error = await page.evaluate(async () => {
		const { client, defaults } = (window as unknown as { __playground: Hooks }).__playground;
		try {
			// Passes the page's checks; only the worker learns the prompt is too long.
			await client.generate({
				input: { mode: 'completion', prompt: 'Lily ran. '.repeat(1500) },
				params: defaults,
				maxNewTokens: 5
			});
			return null;
		} catch (e) {
			return { name: (e as Error).name, field: (e as { field?: string }).field };
		}
	});
	expect(error).toEqual({ name: 'GenerationRequestError', field: 'prompt' });
});
