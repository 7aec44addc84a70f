import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { expect, test, type Page } from '@playwright/test';
import type { SessionRecord } from '../src/lib/core/session';
import { exportSessions, parseSessionsFile } from '../src/lib/formats/session-format';
import {
	decodeShareFragment,
	encodeShareFragment,
	shareChecksum,
	type SharedExperiment
} from '../src/lib/formats/share-link';
import { deflate, toBase64Url } from '../src/lib/formats/share-link-bytes';
import { toCompact } from '../src/lib/formats/share-link-format';
import {
	sessionArbitrary,
	sharedExperimentArbitrary
} from '../src/lib/formats/testing/arbitraries';
import {
	fuzzOptions,
	mutateJson,
	mutateText,
	mutationsArbitrary,
	textMutationsArbitrary,
	withoutNegativeZero,
	type Json
} from '../src/lib/formats/testing/fuzz';
import { recordCspViolations } from './csp-violations';
import { openWithTestModel } from './fixtures';

/**
 * The browser half of the format fuzz tests (the Node half is `*.fuzz.test.ts` next to the
 * formats): share links and session files, valid (made by the app's own encoders), mutated and
 * random, from a fixed seed (FUZZ_SEED and FUZZ_RUNS explore). Each link is pasted into the open
 * page and each file imported through the history's file input. The page shows exactly what a
 * valid input holds, or a message naming the problem (the one the Node reader gives); it keeps
 * its controls; a refused import leaves IndexedDB as it was; no page error, no CSP violation.
 */

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });
test.setTimeout(240_000);

/** The loaded test model, as the page names it (models/README.md gives its sha256). */
const TEST_MODEL = {
	id: 'stories260k',
	name: 'TinyStories 260K',
	engine: 'llama',
	sha256: '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d'
};
const VOCABULARY = 512;

/**
 * Experiments the loaded test model opens as they are: its model and context window (another
 * would reload it), token ids in its vocabulary, exact sampling, no model sweep.
 */
const openableArbitrary: fc.Arbitrary<SharedExperiment> = sharedExperimentArbitrary().map(
	({ experiment, view }) => {
		const sweep = experiment.sweep?.filter((axis) => axis.param !== 'model');
		const params = {
			...experiment.params,
			topK: experiment.params.topK % (VOCABULARY + 1),
			logitBias: Object.fromEntries(
				Object.entries(experiment.params.logitBias).map(([id, bias]) => [
					String(Number(id) % VOCABULARY),
					bias
				])
			)
		};
		const fitted = {
			...experiment,
			model: { ...TEST_MODEL } as SharedExperiment['experiment']['model'],
			params,
			contextLength: 2048,
			sampling: 'exact' as const
		};
		delete fitted.sweep;
		return sweep?.length
			? { experiment: { ...fitted, sweep }, view: 'compare' as const }
			: { experiment: fitted, view: view === 'compare' ? ('single' as const) : view };
	}
);

function sample<T>(arbitrary: fc.Arbitrary<T>, runs: number, offset: number): T[] {
	const { seed, numRuns } = fuzzOptions(runs);
	return fc.sample(arbitrary, { seed: seed + offset, numRuns });
}

async function encode(shared: SharedExperiment): Promise<string> {
	const result = await encodeShareFragment(shared);
	if (!result.ok) throw new Error(result.message);
	return result.value;
}

/** The fragment as the browser keeps it (it percent-encodes some characters). */
function asBrowserHash(base: string, fragment: string): string {
	return new URL(base + '/' + fragment).hash;
}

function watchPageErrors(page: Page): string[] {
	const errors: string[] = [];
	page.on('pageerror', (error) => errors.push(error.message));
	return errors;
}

/** The page still offers its controls: prompt, Generate (enabled), the history and its import. */
async function expectControls(page: Page) {
	await expect(
		page.getByTestId('prompt').or(page.getByTestId('conversation')).first()
	).toBeVisible();
	await expect(page.getByTestId('history')).toBeVisible();
	await expect(page.getByTestId('import-sessions')).toBeAttached();
	const single = page.getByTestId('generate');
	const lanes = page.getByTestId('run-lanes');
	await expect(single.or(lanes).first()).toBeVisible();
}

/** What the page would share now: the experiment it shows, read back by the Node reader. */
async function shownExperiment(page: Page): Promise<SharedExperiment> {
	// The button writes the link to the clipboard once it is made: a marker tells it was.
	await page.evaluate(() => navigator.clipboard.writeText('pending'));
	await page.getByTestId('share-link').click();
	let url = 'pending';
	await expect
		.poll(async () => (url = await page.evaluate(() => navigator.clipboard.readText())))
		.not.toBe('pending');
	const read = await decodeShareFragment(new URL(url).hash);
	if (!read.ok) throw new Error(read.message);
	return read.value;
}

/** Pastes `fragment` into the open page's address and waits until the page has read it. */
async function paste(page: Page, fragment: string) {
	await page.evaluate((hash) => (location.hash = hash), fragment);
	await expect.poll(() => page.evaluate(() => location.hash)).toBe('');
}

/**
 * Opens a link in the page: what the Node reader makes of it is what the page must show, the
 * experiment exactly or the same message, with nothing on the page changed.
 */
async function expectLinkHandled(page: Page, baseURL: string, fragment: string) {
	const hash = asBrowserHash(baseURL, fragment);
	if (!hash.startsWith('#x=')) return;
	const expected = await decodeShareFragment(hash);
	const before = expected.ok ? null : await shownExperiment(page);
	await paste(page, hash);
	if (expected.ok) {
		const { experiment, view } = withoutNegativeZero(expected.value);
		// The page's system prompt box shows an absent system prompt as an empty one, alike.
		if (experiment.input.mode === 'chat') experiment.input.systemPrompt ??= '';
		await expect(page.getByTestId(`tab-${view}`)).toHaveAttribute('aria-selected', 'true');
		if (experiment.input.mode === 'completion') {
			await expect(page.getByTestId('prompt')).toHaveValue(experiment.input.prompt);
		}
		expect(await shownExperiment(page)).toEqual({ experiment, view });
		// No message of an earlier link stays to contradict what opened.
		await expect(page.getByTestId('error')).toHaveCount(0);
	} else {
		await expect(page.getByTestId('error')).toHaveText(expected.message);
		expect(await shownExperiment(page)).toEqual(before);
	}
	await expectControls(page);
}

/** Every record of the app's database but the model files, as text that keeps −0 and Infinity. */
function storedData(page: Page): Promise<string> {
	return page.evaluate(
		() =>
			new Promise<string>((resolve, reject) => {
				const open = indexedDB.open('sampling-playground');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const names = [...db.objectStoreNames].filter((name) => !name.startsWith('model'));
					const tx = db.transaction(names);
					const out: Record<string, unknown> = {};
					for (const name of names) {
						const request = tx.objectStore(name).getAll();
						request.onsuccess = () => (out[name] = request.result);
					}
					tx.oncomplete = () => {
						db.close();
						resolve(
							JSON.stringify(out, (_key, value: unknown) =>
								typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))
									? { number: Object.is(value, -0) ? '-0' : String(value) }
									: value
							)
						);
					};
					tx.onerror = () => reject(tx.error);
				};
			})
	);
}

let fileCount = 0;

function withoutId(session: SessionRecord): Partial<SessionRecord> {
	const content: Partial<SessionRecord> = { ...session };
	delete content.id;
	return content;
}

/**
 * Imports `text` as a file: what the Node reader makes of it is what the page must do, import
 * it or list the same problems, with IndexedDB untouched after a refusal.
 */
async function expectFileHandled(page: Page, text: string) {
	const name = `fuzz-${++fileCount}.json`;
	// The file's bytes are UTF-8: a lone surrogate in `text` reads back as U+FFFD, as in the page.
	const bytes = Buffer.from(text);
	const expected = parseSessionsFile(bytes.toString('utf8'));
	const before = await storedData(page);
	await page
		.getByTestId('import-sessions')
		.setInputFiles({ name, mimeType: 'application/json', buffer: bytes });
	const result = page.getByTestId('import-result');
	await expect(result).toContainText(`“${name}”`);
	await expect(result).not.toContainText('Reading');
	if (expected.ok) {
		await expect(result).not.toContainText('Nothing was imported');
		// What the history holds, as its Export all writes it (whatever the storage's own form).
		const [download] = await Promise.all([
			page.waitForEvent('download'),
			page.getByTestId('export-all').click()
		]);
		const exported = parseSessionsFile(await readFile(await download.path(), 'utf8'));
		if (!exported.ok) throw new Error(exported.problems.join('\n'));
		const held = exported.sessions.map(withoutId);
		// Each session is held as it was read (under its id, or a new one if that was taken); a
		// run still `running` in a file reads as interrupted, as no tab records it.
		for (const session of expected.sessions) {
			const runs = session.runs.map((run) =>
				run.status === 'running' ? { ...run, status: 'interrupted' as const } : run
			);
			expect(held).toContainEqual(withoutId({ ...session, runs }));
		}
	} else {
		const n = expected.problems.length;
		await expect(result).toContainText(
			`Nothing was imported from “${name}”: ${n} ${n === 1 ? 'problem' : 'problems'} found.`
		);
		expect(await page.getByTestId('import-errors').locator('li').allTextContents()).toEqual([
			...expected.problems.slice(0, 100),
			...(n > 100 ? [`… and ${n - 100} more.`] : [])
		]);
		expect(await storedData(page)).toBe(before);
	}
	await expectControls(page);
}

test('share links, valid, damaged and random: each opens exactly or is refused with its problem', async ({
	page,
	baseURL
}) => {
	const errors = watchPageErrors(page);
	const csp = await recordCspViolations(page);
	await openWithTestModel(page);
	const base = baseURL ?? '';

	const valid = sample(openableArbitrary, 12, 1);
	for (const shared of valid) await expectLinkHandled(page, base, await encode(shared));

	const damaged = sample(fc.tuple(openableArbitrary, textMutationsArbitrary, fc.boolean()), 16, 2);
	for (const [shared, changes, onBytes] of damaged) {
		const data = (await encode(shared)).slice(3);
		const changed = onBytes
			? Buffer.from(
					mutateText(Buffer.from(data, 'base64url').toString('latin1'), changes),
					'latin1'
				).toString('base64url')
			: mutateText(data, changes);
		await expectLinkHandled(page, base, '#x=' + changed);
	}

	const json = sample(fc.tuple(openableArbitrary, mutationsArbitrary), 8, 3);
	for (const [shared, changes] of json) {
		// A changed JSON with its checksum made anew: the experiment reader has to refuse it.
		const text = mutateJson(toCompact(shared) as unknown as Json, changes);
		const bytes = new TextEncoder().encode(text);
		const data = new TextEncoder().encode(shareChecksum(bytes) + text);
		await expectLinkHandled(page, base, '#x=' + toBase64Url(await deflate(data)));
	}

	const random = sample(
		fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^[A-Za-z0-9_-]{1,120}$/)),
		12,
		4
	);
	for (const data of random) await expectLinkHandled(page, base, '#x=' + data);

	expect(errors).toEqual([]);
	expect(await csp.all()).toEqual([]);
});

test('session files, valid, mutated and random: each imports exactly or is refused with its problems, storage untouched', async ({
	page
}) => {
	const errors = watchPageErrors(page);
	const csp = await recordCspViolations(page);
	await openWithTestModel(page);

	const valid = sample(fc.array(sessionArbitrary(), { minLength: 1, maxLength: 2 }), 8, 11);
	for (const sessions of valid) await expectFileHandled(page, exportSessions(sessions));

	const mutated = sample(
		fc.tuple(fc.array(sessionArbitrary(), { minLength: 1, maxLength: 2 }), mutationsArbitrary),
		14,
		12
	);
	for (const [sessions, changes] of mutated) {
		await expectFileHandled(
			page,
			mutateJson(JSON.parse(exportSessions(sessions)) as Json, changes)
		);
	}

	const damaged = sample(
		fc.tuple(fc.array(sessionArbitrary(), { minLength: 1, maxLength: 2 }), textMutationsArbitrary),
		6,
		13
	);
	for (const [sessions, changes] of damaged) {
		await expectFileHandled(page, mutateText(exportSessions(sessions), changes));
	}

	const random = sample(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 })), 6, 14);
	for (const text of random) await expectFileHandled(page, text);

	await page.reload();
	await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'loaded', {
		timeout: 30_000
	});
	await expectControls(page);
	expect(errors).toEqual([]);
	expect(await csp.all()).toEqual([]);
});
