import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { fillForm, openWithTestModel, run } from './fixtures';

/** The default chain (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05) on 20 traced candidates. */
async function sampled(page: Page) {
	await page.setViewportSize({ width: 1440, height: 900 });
	await openWithTestModel(page);
	await run(page, { temperature: '0.8', seed: '11', maxTokens: '8' });
}

/** The probability texts of a chart's or table's rows, in row order ('' for a removed one). */
async function chartValues(page: Page, stage: string) {
	return page
		.locator(`[data-testid="why-chart"][data-stage="${stage}"] .bars li`)
		.evaluateAll((lis) =>
			lis.map((li) =>
				li.classList.contains('removed') ? '' : li.querySelector('.p')!.textContent!.trim()
			)
		);
}

async function tableValues(page: Page, stage: string) {
	return page
		.locator(`[data-testid="why-stage"][data-stage="${stage}"] tbody tr`)
		.evaluateAll((trs) => trs.map((tr) => tr.querySelector('.value')?.textContent?.trim() ?? ''));
}

test.describe('why this token, at a glance', () => {
	test('Enter on a token opens its explanation, focuses its heading, and it fits 1440×900', async ({
		page
	}) => {
		await sampled(page);
		const token = page.getByTestId('token').nth(3);
		await token.focus();
		await page.keyboard.press('Enter');
		const heading = page.locator('#why-heading');
		await expect(heading).toHaveText(/at step 4\?/);
		await expect(heading).toBeFocused();

		const panel = page.getByTestId('why-panel');
		const box = (await panel.boundingBox())!;
		// It is shorter than the screen, and once opened it is all on it (scrolling moves the page
		// by whole pixels, so an edge may sit a fraction of a pixel past it).
		expect(box.height).toBeLessThanOrEqual(900);
		expect(box.y).toBeGreaterThanOrEqual(-1);
		expect(box.x).toBeGreaterThanOrEqual(0);
		expect(box.y + box.height).toBeLessThanOrEqual(901);
		expect(box.x + box.width).toBeLessThanOrEqual(1440);
		// The page itself did not need scrolling sideways either.
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
			1440
		);

		// The model's chart, then one per stage that changed something; the others on one line.
		const charts = page.getByTestId('why-chart');
		const stages = await charts.evaluateAll((figs) =>
			figs.map((f) => f.getAttribute('data-stage'))
		);
		expect(stages[0]).toBe('raw');
		expect(stages).toContain('temperature');
		await expect(charts.first().locator('.bars li')).toHaveCount(20);
		await expect(page.getByTestId('why-unchanged')).toHaveText(
			/^No change: logit bias, repetition penalty, frequency & presence \(their setting turns them off\)/
		);
		for (const stage of stages.slice(1)) {
			await expect(
				page.locator(`[data-testid="why-chart"][data-stage="${stage}"] [data-testid="why-removed"]`)
			).toHaveText(
				/^removed (nothing; reshaped the probabilities|(\d\.\d\d|< 0\.01) of the mass, \d+ tokens?)$/
			);
		}
		// The draw: u marks the picked segment of the survivors' cumulative bar.
		const hit = page.locator('[data-testid="why-cumulative"] .segment.hit');
		await expect(hit).toHaveCount(1);
		const u = Number((await page.getByTestId('why-u').textContent())!.replace('u = ', ''));
		const stack = (await page.locator('[data-testid="why-cumulative"] .stack').boundingBox())!;
		const marker = (await page.getByTestId('why-u-marker').boundingBox())!;
		expect(marker.x + marker.width / 2).toBeCloseTo(stack.x + u * stack.width, -1);
		const segment = (await hit.boundingBox())!;
		expect(marker.x + marker.width / 2).toBeGreaterThanOrEqual(segment.x - 1);
		expect(marker.x + marker.width / 2).toBeLessThanOrEqual(segment.x + segment.width + 1);
		// The bars are drawn for the eye only; their numbers are in the tables.
		await expect(charts.first().locator('.bars')).toHaveAttribute('aria-hidden', 'true');
	});

	test('the tables show the same numbers as the charts, and every stage', async ({ page }) => {
		// axe over nine tables takes a while on a busy machine.
		test.setTimeout(120_000);
		await sampled(page);
		await page.getByTestId('token').nth(3).click();
		const stages = await page
			.getByTestId('why-chart')
			.evaluateAll((figs) => figs.map((f) => f.getAttribute('data-stage')!));
		const charted = new Map<string, string[]>();
		for (const stage of stages) charted.set(stage, await chartValues(page, stage));
		const chosen = await page
			.locator('[data-testid="why-cumulative"] .segment.hit')
			.getAttribute('title');

		await page.getByTestId('tables-toggle').check();
		await expect(page.getByTestId('why-chart')).toHaveCount(0);
		// Raw, then all seven stages of the chain, then the draw.
		await expect(page.getByTestId('why-stage')).toHaveCount(8);
		await expect(page.getByTestId('why-draw')).toBeVisible();
		for (const [stage, values] of charted) expect(await tableValues(page, stage)).toEqual(values);
		// The picked segment is the draw table's chosen row, with the same final p.
		const row = page.locator('[data-testid="why-candidate"].chosen');
		const [piece, p] = chosen!.split(' ');
		await expect(row.locator('th')).toHaveText(piece);
		await expect(row.locator('td').first()).toHaveText(p);

		for (const view of ['tables', 'charts']) {
			const results = await new AxeBuilder({ page }).include('[data-testid="why-panel"]').analyze();
			const serious = results.violations.filter(
				(v) => v.impact === 'serious' || v.impact === 'critical'
			);
			expect(
				serious.map((v) => `${view} ${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)
			).toEqual([]);
			if (view === 'tables') await page.getByTestId('tables-toggle').uncheck();
		}
		await expect(page.getByTestId('why-stage')).toHaveCount(0);
		await expect(page.getByTestId('why-chart')).toHaveCount(stages.length);
	});

	test('the raw toggle lays the model’s own probabilities on the draw bar', async ({ page }) => {
		await sampled(page);
		await page.getByTestId('token').nth(3).click();
		const caption = page.locator('[data-testid="why-cumulative"] figcaption');
		await expect(caption).toContainText('the survivors laid end to end');
		await page.getByTestId('raw-toggle').check();
		await expect(caption).toContainText('without any stage, u =');
		// 20 candidates and the rest of the vocabulary.
		await expect(page.locator('[data-testid="why-cumulative"] .segment')).toHaveCount(21);
	});

	test('in step mode the chart view picks another candidate from its list', async ({ page }) => {
		await openWithTestModel(page);
		await fillForm(page, { temperature: '0', maxTokens: '5' });
		await page.getByTestId('step-start').click();
		await page.getByTestId('step-once').click();
		await page.getByTestId('step-once').click();
		await expect(page.getByTestId('token')).toHaveCount(2);
		await page.getByTestId('token').nth(1).click();
		const choice = page.getByTestId('pick-select');
		const option = choice.locator('option:not([disabled])').nth(2);
		const id = (await option.getAttribute('value'))!;
		await choice.selectOption(id);
		await page.getByTestId('pick-selected').click();
		const picked = page.getByTestId('token').nth(1);
		await expect(picked).toHaveAttribute('data-picked-by', 'user');
		await expect(picked).toHaveAttribute('data-token-id', id);
	});
});

test.describe('a stage explains its own mechanism', () => {
	test('top-nσ shows σ, its cut line and each token’s logit against it', async ({ page }) => {
		await page.setViewportSize({ width: 1440, height: 900 });
		await openWithTestModel(page);
		await page.getByRole('checkbox', { name: 'Use the Top-nσ stage' }).check();
		await page.getByTestId('topNSigma').fill('1');
		// Only top-nσ cuts: the other filters keep everything.
		await page.getByTestId('topK').fill('0');
		await page.getByTestId('topP').fill('1');
		await page.getByTestId('minP').fill('0');
		await run(page, { temperature: '1', seed: '5', maxTokens: '6' });
		await page.getByTestId('token').nth(2).click();

		const chart = page.locator('[data-testid="why-chart"][data-stage="top-n-sigma"]');
		await expect(chart).toBeVisible();
		const detail = chart.getByTestId('stage-detail');
		const sigma = Number(
			(await detail.locator('[data-fact="sigma"] dd').textContent())!.replace('−', '-')
		);
		expect(sigma).toBeGreaterThan(0);
		await expect(detail.locator('[data-fact="cut"] dt')).toHaveText('Cut: best − 1σ');
		// One row per token of the chart, each with its logit; those below the cut are struck.
		const rows = detail.locator('[data-testid="stage-measure"] li');
		await expect(rows).toHaveCount(await chart.locator('.bars li').count());
		const cut = Number(
			(await detail.locator('[data-fact="cut"] dd').textContent())!.replace('−', '-')
		);
		const values = await rows.evaluateAll((lis) =>
			lis.map((li) => ({
				value: li.querySelector('.value')!.childNodes[0]?.textContent ?? '',
				cut: li.classList.contains('cut')
			}))
		);
		for (const row of values.filter((r) => r.value !== '')) {
			expect(row.cut).toBe(Number(row.value.replace('−', '-')) < cut);
		}
		expect(values.some((r) => r.cut)).toBe(true);

		// The tables view shows the same detail, as text.
		await page.getByTestId('tables-toggle').check();
		await expect(page.getByTestId('stage-detail')).toHaveCount(1);
		expect(
			(
				await new AxeBuilder({ page }).include('[data-testid="why-panel"]').analyze()
			).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		).toEqual([]);
	});

	test('typical-p shows the entropy, each token’s distance to it and the cut', async ({ page }) => {
		await page.setViewportSize({ width: 1440, height: 900 });
		await openWithTestModel(page);
		await page.getByRole('checkbox', { name: 'Use the Typical-p stage' }).check();
		await page.getByTestId('typicalP').fill('0.5');
		await page.getByTestId('topK').fill('0');
		await page.getByTestId('topP').fill('1');
		await page.getByTestId('minP').fill('0');
		await run(page, { temperature: '1', seed: '5', maxTokens: '6' });
		await page.getByTestId('token').nth(2).click();

		const chart = page.locator('[data-testid="why-chart"][data-stage="typical-p"]');
		await expect(chart).toBeVisible();
		const detail = chart.getByTestId('stage-detail');
		const number = async (key: string) =>
			parseFloat(
				(await detail.locator(`[data-fact="${key}"] dd`).textContent())!.replace('−', '-')
			);
		expect(await number('entropy')).toBeGreaterThan(0);
		expect(await number('kept')).toBeGreaterThanOrEqual(1);
		const cut = await number('cut');
		// One row per token of the chart: a distance, struck when farther than the cut.
		const rows = detail.locator('[data-testid="stage-measure"] li');
		await expect(rows).toHaveCount(await chart.locator('.bars li').count());
		const values = await rows.evaluateAll((lis) =>
			lis.map((li) => ({
				value: li.querySelector('.value')!.childNodes[0]?.textContent ?? '',
				cut: li.classList.contains('cut')
			}))
		);
		for (const row of values.filter((r) => r.value !== '')) {
			const distance = parseFloat(row.value.replace('−', '-'));
			if (row.cut) expect(distance).toBeGreaterThanOrEqual(cut);
			else expect(distance).toBeLessThanOrEqual(cut);
		}
	});
});

test.describe('the shaping stages explain themselves', () => {
	test('quadratic smoothing shows its transform; no-repeat n-gram its matched n-grams', async ({
		page
	}) => {
		await page.setViewportSize({ width: 1440, height: 900 });
		await openWithTestModel(page);
		await page.getByRole('checkbox', { name: 'Use the Quadratic smoothing stage' }).check();
		await page.getByTestId('smoothingFactor').fill('0.3');
		await page.getByRole('checkbox', { name: 'Use the No-repeat n-gram stage' }).check();
		await page.getByTestId('noRepeatNgramSize').fill('2');
		// Only the two shaping stages act: the filters keep everything.
		await page.getByTestId('topK').fill('0');
		await page.getByTestId('topP').fill('1');
		await page.getByTestId('minP').fill('0');
		await run(page, { temperature: '1', seed: '5', maxTokens: '16' });
		await page.getByTestId('token').nth(5).click();

		// Smoothing: each token's logit relative to the best after the curve, and where it was.
		const smoothing = page.locator('[data-testid="why-chart"][data-stage="quadratic-smoothing"]');
		const detail = smoothing.getByTestId('stage-detail');
		await expect(detail.locator('[data-fact="breakEven"] dd')).toHaveText('3.33');
		const rows = detail.locator('[data-testid="stage-measure"] li');
		await expect(rows.first()).toBeVisible();
		expect(await detail.locator('.before').count()).toBeGreaterThan(0);

		// No-repeat n-gram, at a step where it banned a token (it has a chart only then): the last
		// token, the earlier bigrams it starts, the banned tokens.
		const ngram = page.locator('[data-testid="why-chart"][data-stage="no-repeat-ngram"]');
		const tokens = page.getByTestId('token');
		for (let i = (await tokens.count()) - 1; i >= 0; i--) {
			await tokens.nth(i).click();
			if ((await ngram.count()) > 0) break;
		}
		const sequences = ngram.getByTestId('stage-sequence');
		await expect(sequences.first()).toContainText('Last n − 1 tokens');
		await expect(ngram.locator('[data-fact="n"] dd')).toHaveText('2');
		await expect(sequences.last()).toContainText('Banned');
		expect(
			(
				await new AxeBuilder({ page }).include('[data-testid="why-panel"]').analyze()
			).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		).toEqual([]);
	});
});

test.describe('a random stage shows its draw', () => {
	test('XTC shows its draw u, whether it fired, each token’s p against the threshold and what it excluded', async ({
		page
	}) => {
		await page.setViewportSize({ width: 1440, height: 900 });
		await openWithTestModel(page);
		await page.getByRole('checkbox', { name: 'Use the XTC stage' }).check();
		// Probability 1: it fires at every step; a low threshold so that it excludes something.
		await page.getByTestId('xtcProbability').fill('1');
		await page.getByTestId('xtcThreshold').fill('0.001');
		await page.getByTestId('topK').fill('0');
		await page.getByTestId('topP').fill('1');
		await page.getByTestId('minP').fill('0');
		await run(page, { temperature: '1.5', seed: '5', maxTokens: '6' });
		await page.getByTestId('token').nth(2).click();

		const chart = page.locator('[data-testid="why-chart"][data-stage="xtc"]');
		await expect(chart).toBeVisible();
		const detail = chart.getByTestId('stage-detail');
		const u = Number(await detail.locator('[data-fact="u"] dd').textContent());
		expect(u).toBeGreaterThanOrEqual(0);
		expect(u).toBeLessThan(1);
		await expect(detail.locator('[data-fact="fired"] dd')).toHaveText('1');
		await expect(detail.getByTestId('stage-note')).toContainText('XTC fired and excluded');
		await expect(detail.locator('[data-testid="stage-measure"] li')).toHaveCount(
			await chart.locator('.bars li').count()
		);
		// The excluded tokens and the one kept at the threshold, as text.
		await expect(detail.getByTestId('stage-sequence')).toHaveCount(2);
		await expect(detail.getByTestId('stage-sequence').first()).toContainText('Excluded');
	});
});
