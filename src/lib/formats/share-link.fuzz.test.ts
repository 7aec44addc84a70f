import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS, PARAM_SPECS } from '#lib/sampling';
import { sharedExperimentArbitrary } from './testing/arbitraries';
import {
	fuzzOptions,
	mutateBytes,
	mutateJson,
	mutateText,
	mutationsArbitrary,
	textMutationsArbitrary,
	EXTRA_KEYS,
	EXTREME_JSON,
	jsonPaths,
	type Mutation,
	withoutNegativeZero,
	type Json
} from './testing/fuzz';
import { deflate, fromBase64Url, inflate, toBase64Url } from './share-link-bytes';
import { fromCompact, toCompact } from './share-link-format';
import {
	decodeShareFragment,
	encodeShareFragment,
	shareChecksum,
	type SharedExperiment,
	type ShareLinkResult
} from './share-link';

/**
 * Fuzz tests of share links: random text and bytes, valid links of generated experiments, and
 * those links damaged (bits, cuts, characters) or with their JSON changed to extreme values.
 * Every input opens exactly (what it carries, and the same again when shared again) or is
 * refused with a message that names what is wrong. Fixed seed; FUZZ_SEED and FUZZ_RUNS explore.
 */

/** Longest a link may take to read: a few ms each, so this catches a reader that hangs. */
const NEVER_HANGS_MS = 2000;

async function decode(fragment: string): Promise<ShareLinkResult<SharedExperiment>> {
	const started = performance.now();
	const result = await decodeShareFragment(fragment);
	expect(performance.now() - started, 'reading one link').toBeLessThan(NEVER_HANGS_MS);
	return result;
}

async function encode(shared: SharedExperiment): Promise<string> {
	const result = await encodeShareFragment(shared);
	if (!result.ok) throw new Error(result.message);
	return result.value;
}

const REFUSED = /^This share link cannot be opened: \S.*\. Nothing on the page was changed\.$/s;

/**
 * A link that opened opens exactly: sharing what it opened gives a link that opens the same
 * again (JSON has no −0, so −0 comes back as 0, which the sampler treats alike).
 */
async function expectOpensExactly(result: ShareLinkResult<SharedExperiment>): Promise<void> {
	if (!result.ok) {
		expect(result.message).toMatch(REFUSED);
		return;
	}
	const again = await encodeShareFragment(result.value);
	// Only a link too big to share again may say so; it still opened whole.
	if (!again.ok) return;
	const reopened = await decode(again.value);
	expect(reopened).toEqual({ ok: true, value: withoutNegativeZero(result.value) });
}

/** A fragment whose checksum matches `json`, so the reader's checks get to see it. */
async function checkedFragment(json: string): Promise<string> {
	const bytes = new TextEncoder().encode(json);
	const data = new TextEncoder().encode(shareChecksum(bytes) + json);
	return '#x=' + toBase64Url(await deflate(data));
}

/** A link that sets every field the link format has. */
const richLink: SharedExperiment = {
	view: 'compare',
	experiment: {
		model: {
			id: 'webllm:Some-Model',
			name: 'Some model',
			engine: 'llama',
			sha256: 'ab'.repeat(32)
		},
		input: { mode: 'chat', systemPrompt: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] },
		params: {
			...DEFAULT_SAMPLING_PARAMS,
			...Object.fromEntries(
				PARAM_SPECS.map((spec) => [
					spec.key,
					spec.min === spec.default ? spec.default + 1 : spec.min
				])
			),
			logitBias: { '3': 2.5 },
			seed: 7,
			order: [...DEFAULT_SAMPLING_PARAMS.order].reverse()
		},
		maxNewTokens: 100,
		contextLength: 4096,
		stopSequences: ['The end'],
		banEndOfText: true,
		sampling: 'native',
		sweep: [
			{ param: 'seed', text: '1, 2' },
			{ param: 'temperature', text: '0.5 to 1 step 0.5' }
		]
	}
};

function nodeAt(root: Json, path: readonly (string | number)[]): Json {
	return path.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], root);
}

/** A problem of a link's data names the experiment field (or link key) it is about. */
const LINK_PROBLEM =
	/^(model|input|params|maxNewTokens|contextLength|stopSequences|banEndOfText|sampling|sweep|skill|skills)\b[.[:]|: is not a known field \(remove it\)$|^its data is not an experiment$|^it uses link format /;

describe('share links, fuzzed', { timeout: 60_000 }, () => {
	it('open every generated experiment exactly, in its view', async () => {
		await fc.assert(
			fc.asyncProperty(sharedExperimentArbitrary(), async (shared) => {
				const opened = await decode(await encode(shared));
				expect(opened).toEqual({ ok: true, value: shared });
			}),
			fuzzOptions(400)
		);
	});

	it('refuse random text with a message, or open it exactly', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(
					fc.string({ maxLength: 200 }),
					fc.string({ unit: 'binary', maxLength: 200 }),
					fc.stringMatching(/^[A-Za-z0-9_-]{0,300}$/)
				),
				fc.constantFrom('#x=', '', '#', '#x'),
				async (data, prefix) => {
					await expectOpensExactly(await decode(prefix + data));
				}
			),
			fuzzOptions(800)
		);
	});

	it('refuse random bytes, raw or deflated, with a message', async () => {
		await fc.assert(
			fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (bytes, deflated) => {
				const data = deflated ? await deflate(Uint8Array.from(bytes)) : bytes;
				await expectOpensExactly(await decode('#x=' + toBase64Url(data)));
			}),
			fuzzOptions(800)
		);
	});

	it('refuse a damaged link, or open exactly what it carried', async () => {
		await fc.assert(
			fc.asyncProperty(
				sharedExperimentArbitrary(),
				fc.oneof(
					fc.record({ on: fc.constant('text' as const), changes: textMutationsArbitrary }),
					fc.record({ on: fc.constant('bytes' as const), changes: textMutationsArbitrary })
				),
				async (shared, { on, changes }) => {
					const link = await encode(shared);
					const data = link.slice(3);
					const damaged =
						on === 'text'
							? '#x=' + mutateText(data, changes)
							: '#x=' + toBase64Url(mutateBytes(fromBase64Url(data)!, changes));
					const result = await decode(damaged);
					// The checksum lets no change through: what opens is what was shared.
					if (result.ok) expect(result.value).toEqual(shared);
					else expect(result.message).toMatch(REFUSED);
				}
			),
			fuzzOptions(800)
		);
	});

	async function expectJsonOpensExactlyOrNamed(json: string): Promise<void> {
		const result = await decode(await checkedFragment(json));
		await expectOpensExactly(result);
		const read = fromCompact(JSON.parse(json));
		expect(read.ok).toBe(result.ok);
		if (!read.ok) {
			expect(read.problems.length).toBeGreaterThan(0);
			for (const problem of read.problems) expect(problem).toMatch(LINK_PROBLEM);
		}
	}

	it('refuse a link whose JSON holds extreme or misplaced values, naming each problem, or open it exactly', async () => {
		await fc.assert(
			fc.asyncProperty(sharedExperimentArbitrary(), mutationsArbitrary, async (shared, changes) => {
				await expectJsonOpensExactlyOrNamed(
					mutateJson(toCompact(shared) as unknown as Json, changes)
				);
			}),
			fuzzOptions(500)
		);
	});

	it('refuse every extreme value in every field of a link, or open it exactly', async () => {
		const compact = toCompact(richLink) as unknown as Json;
		const paths = jsonPaths(compact);
		for (let at = 0; at < paths.length; at++) {
			const leaf = typeof nodeAt(compact, paths[at]) === 'string';
			for (let value = 0; value < EXTREME_JSON.length; value++) {
				// Long and deep values cost milliseconds each: they go where text goes.
				if (EXTREME_JSON[value].length > 1000 && !leaf) continue;
				const changes: Mutation[] = [{ op: 'replace', at, value }];
				if (at % 5 === 0) changes.push({ op: 'add', at, key: value % EXTRA_KEYS.length, value });
				await expectJsonOpensExactlyOrNamed(mutateJson(compact, changes));
			}
		}
	});

	it('inflate no more than their limit, whatever the data', async () => {
		await fc.assert(
			fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
				const result = await inflate(Uint8Array.from(bytes), 1000);
				if (result.ok) expect(result.bytes.length).toBeLessThanOrEqual(1000);
			}),
			fuzzOptions(500)
		);
	});
});
