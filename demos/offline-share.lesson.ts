import { expect, type Page } from '@playwright/test';
import { openExperiment, runLanes, waitForModel } from './app';
import type { Lesson } from './lesson';

const SEEDS = [1, 2, 3];
const SETTINGS = {
	prompt: 'Once upon a time',
	temperature: 1,
	maxNewTokens: 24,
	sweep: [`seed:${SEEDS.join(', ')}`]
} as const;

/** What a fetch of a file the service worker does not keep ends in: the network, or not. */
async function probeNetwork(page: Page): Promise<string> {
	return page.evaluate(() =>
		fetch(`_app/version.json?network-probe=${Date.now()}`).then(
			() => 'reached the network',
			() => 'no network'
		)
	);
}

/**
 * Waits until the service worker controls the page and has kept what a start without the network
 * needs: the app's files, and the engine's wasm, which it keeps once the engine has fetched it.
 */
async function waitForOfflineReady(page: Page): Promise<void> {
	await page.evaluate(async () => {
		await navigator.serviceWorker.ready;
	});
	await expect
		.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), {
			message: 'the service worker controls the page'
		})
		.toBe(true);
	await expect
		.poll(
			() =>
				page.evaluate(
					async () => (await caches.match('engine/playground-llama.wasm')) !== undefined
				),
			{ message: "the service worker keeps the engine's wasm" }
		)
		.toBe(true);
}

export default {
	name: 'offline-share',
	title: 'Offline and share',
	summary:
		'A share link holds a whole experiment; a browser that has opened the app once opens it without the network and gets the very same texts.',
	async play(lesson) {
		let original: string[] = [];
		let link = '';

		await lesson.chapter(
			'Three lanes',
			'Three lanes at temperature 1, seeds 1, 2 and 3: three different stories.',
			async () => {
				await openExperiment(lesson, SETTINGS);
				const lanes = await runLanes(lesson.page);
				expect(lanes.map((lane) => lane.label)).toEqual(SEEDS.map((seed) => `seed ${seed}`));
				original = lanes.map((lane) => lane.text);
				for (const [i, text] of original.entries()) lesson.figure(`seed ${SEEDS[i]}`, text);
				expect(new Set(original).size, 'three seeds give three different texts').toBe(SEEDS.length);
			}
		);

		await lesson.chapter(
			'A share link',
			'Copy share link writes the whole experiment (model, prompt, settings and seeds) into one link, and puts it on the clipboard.',
			async () => {
				const page = lesson.page;
				await page
					.context()
					.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: lesson.baseURL });
				await page.getByTestId('share-link').click();
				await expect(page.getByTestId('share-status'), 'the link is copied').toHaveText(
					'Copied to the clipboard.'
				);
				link = await page.getByTestId('share-url').inputValue();
				lesson.figure('share link', link);
				const app = new URL('/', lesson.baseURL).href;
				expect(link.startsWith(`${app}#x=`), 'the link opens the app, the experiment in it').toBe(
					true
				);
				expect(
					await page.evaluate(() => navigator.clipboard.readText()),
					'the clipboard holds the link'
				).toBe(link);
			}
		);

		await lesson.chapter(
			'One visit keeps the app',
			'A new browser opens the app once, online. Its service worker keeps the app, and the app keeps the model in the browser.',
			async () => {
				const page = await lesson.freshBrowser();
				await page.goto(new URL('/', lesson.baseURL).href);
				await waitForModel(page);
				await waitForOfflineReady(page);
				const storage = await page.getByTestId('model-status').getAttribute('data-storage');
				lesson.figure('model storage on the first visit', storage ?? '');
				expect(storage, 'the model was downloaded and stored').toBe('downloaded');
				const network = await probeNetwork(page);
				lesson.figure('network', network);
				expect(network, 'the browser is online').toBe('reached the network');
			}
		);

		await lesson.chapter(
			'Offline, the link opens',
			'Now the network is off. The same browser opens the link: the app comes from its service worker and the model from its storage.',
			async () => {
				const page = lesson.page;
				await page.context().setOffline(true);
				// A new document, so the app starts without the network rather than read a new fragment.
				await page.goto('about:blank');
				const response = await page.goto(link);
				expect(response?.fromServiceWorker(), 'the service worker serves the app').toBe(true);
				const network = await probeNetwork(page);
				lesson.figure('network', network);
				expect(network, 'the browser is offline').toBe('no network');
				await waitForModel(page);
				const status = page.getByTestId('model-status');
				await expect(status, 'the model comes from the browser’s storage').toHaveAttribute(
					'data-storage',
					'cached'
				);
				await expect(page.getByTestId('tab-compare'), 'the link opens the lanes').toHaveAttribute(
					'aria-selected',
					'true'
				);
				await expect(page.getByTestId('sweep-values'), 'with their seeds').toHaveValue(
					SEEDS.join(', ')
				);
			}
		);

		await lesson.chapter(
			'The same stories',
			'Run the lanes offline: each one tells the same story as before, token for token.',
			async () => {
				const page = lesson.page;
				const lanes = await runLanes(page);
				const reproduced = lanes.map((lane) => lane.text);
				for (const [i, text] of reproduced.entries())
					lesson.figure(`seed ${SEEDS[i]}, offline`, text);
				expect(reproduced, 'every lane reproduces its text exactly').toEqual(original);
			}
		);
	}
} satisfies Lesson;
