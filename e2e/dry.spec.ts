import { expect, test, type Page } from '@playwright/test';
import { openWithTestModel, run } from './fixtures';

/** After "Ben said", greedy stories260K says the same line over and over. */
const PROMPT = 'Ben said';
const LINE = '"I\'m sorry," said Lily.\n';

/** The generated tokens: id and text of each. */
async function tokens(page: Page) {
	return page.getByTestId('token').evaluateAll((spans) =>
		spans.map((span) => ({
			id: Number(span.getAttribute('data-token-id')),
			text: span.textContent ?? ''
		}))
	);
}

test('DRY breaks the greedy loop, and the why panel shows the repeat it penalised', async ({
	page
}) => {
	test.setTimeout(120_000);
	await page.setViewportSize({ width: 1440, height: 900 });
	await openWithTestModel(page);
	const options = { prompt: PROMPT, temperature: '0', maxTokens: '80' };

	// Without DRY the model loops: the same line three times in a row.
	const looping = await run(page, options);
	expect(looping.text).toContain(LINE.repeat(3));
	const before = await tokens(page);

	// Switched on, DRY joins after the penalties and before temperature (whose 0 keeps the best
	// token alone, so after it DRY could change nothing), as llama.cpp runs it.
	await page.getByRole('checkbox', { name: 'Use the DRY stage' }).check();
	const order = await page
		.getByTestId('stage-order')
		.locator('li')
		.evaluateAll((items) => items.map((item) => item.textContent ?? ''));
	const dryAt = order.findIndex((text) => text.includes('DRY'));
	expect(dryAt).toBe(order.findIndex((text) => text.includes('Temperature')) - 1);
	expect(dryAt).toBe(order.findIndex((text) => text.includes('Frequency')) + 1);
	await page.getByTestId('dryMultiplier').fill('0.8');
	await expect(page.getByTestId('drySequenceBreakers')).toHaveValue('"\\n", ":", "\\"", "*"');

	const broken = await run(page, options);
	expect(broken.text).not.toContain(LINE.repeat(2));
	const after = await tokens(page);

	// The first step where DRY picked another token than the loop did.
	const step = after.findIndex((token, i) => token.id !== before[i]?.id);
	expect(step).toBeGreaterThan(0);
	const looped = before[step];
	await page.getByTestId('token').nth(step).click();
	await expect(page.locator('#why-heading')).toHaveText(new RegExp(`at step ${step + 1}\\?`));

	const chart = page.locator('[data-testid="why-chart"][data-stage="dry"]');
	await expect(chart).toBeVisible();
	const detail = chart.getByTestId('stage-detail');
	const longest = parseInt((await detail.locator('[data-fact="longestMatch"] dd').textContent())!);
	expect(longest).toBeGreaterThanOrEqual(2);
	await expect(detail.locator('[data-fact="allowedLength"] dd')).toHaveText('2 tokens');
	// The earlier match behind the strongest penalty, then the token it would have repeated.
	const sequence = detail.getByTestId('stage-sequence').first();
	await expect(sequence).toContainText(`Earlier ${longest}-token match`);
	const pieces = await sequence.locator('code').allTextContents();
	expect(pieces).toHaveLength(longest + 1);
	// Pieces show a leading space as "·".
	const shown = (text: string) => text.replaceAll('·', ' ');
	expect(looping.text).toContain(shown(pieces.join('')));
	// The token the loop picked here lost logit to DRY: its penalty is on the chart.
	const rows = detail.getByTestId('stage-measure').locator('li');
	const penalties = await rows.evaluateAll((lis) =>
		lis.map((li) => ({
			label: li.querySelector('.label')?.textContent ?? '',
			value: Number(
				(li.querySelector('.value')?.childNodes[0]?.textContent ?? '').replace('−', '-')
			)
		}))
	);
	const penalised = penalties.find((row) => shown(row.label) === shown(looped.text));
	expect(penalised?.value).toBeGreaterThan(0);
});
