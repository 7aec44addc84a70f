import 'fake-indexeddb/auto';
import { openPlaygroundDb } from '../src/lib/storage/db';
import { SessionStore } from '../src/lib/storage/sessions';
import { headOf } from '../src/lib/storage/run-tokens';
import { exportSessions } from '../src/lib/formats/session-format';
import { normalizeTokens } from '../src/lib/formats/token-codec';
import { runRecord, session } from '../src/lib/formats/testing/sessions';
import { tracedTokens } from '../src/lib/formats/testing/traced-tokens';
import type { SessionRecord, TokenRecord } from '../src/lib/core/session';
import { formatNumber, printTable } from './timing';

/**
 * Storing a traced run as it streams, in Node over fake-indexeddb (so the times are this
 * machine's JavaScript, not a browser's storage): bytes per traced token stored and exported, and
 * what a save costs per token, appending chunks against writing the whole session each time as
 * the history did before (then with only the first 128 tokens traced). A figure, not a target.
 */
const TOKENS = 400;
const PER_SAVE = 20;

async function saveCosts(tokens: TokenRecord[]) {
	const db = openPlaygroundDb({ name: `storage-bench-${Math.random()}` });
	const store = new SessionStore(() => db);
	await db;
	const record: SessionRecord = session({ id: 'bench', runs: [runRecord({ tokens: [] })] });
	const appendMs: number[] = [];
	const wholeMs: number[] = [];
	const wholeTracedMs: number[] = [];
	for (let at = PER_SAVE, seq = 0; at <= tokens.length; at += PER_SAVE, seq++) {
		const chunk = tokens.slice(at - PER_SAVE, at);
		let start = performance.now();
		await store.append({
			head: headOf(record),
			chunks: [{ runId: 'run', seq, start: at - PER_SAVE, tokens: chunk }]
		});
		appendMs.push(performance.now() - start);
		// The old write: the whole session, traces kept for its first 128 tokens.
		const whole = {
			...record,
			id: 'whole',
			runs: [
				{
					...record.runs[0],
					tokens: tokens.slice(0, at).map((t, i) => (i < 128 ? t : { id: t.id, piece: t.piece }))
				}
			]
		};
		start = performance.now();
		await (await db).put('sessions', whole);
		wholeMs.push(performance.now() - start);
		// The same, had it kept every token's trace.
		const traced = { ...whole, runs: [{ ...whole.runs[0], tokens: tokens.slice(0, at) }] };
		start = performance.now();
		await (await db).put('sessions', traced);
		wholeTracedMs.push(performance.now() - start);
	}
	const chunks = await (await db).getAll('runTokens');
	const bytes = chunks.reduce((n, c) => n + c.bytes.byteLength, 0);
	(await db).close();
	return { appendMs, wholeMs, wholeTracedMs, bytes };
}

export async function runStorageBench(): Promise<boolean> {
	const tokens = tracedTokens(TOKENS);
	const { appendMs, wholeMs, wholeTracedMs, bytes } = await saveCosts(tokens);
	const stored = normalizeTokens(tokens);
	const empty = exportSessions([session({ runs: [runRecord({ tokens: [] })] })]).length;
	const exported = exportSessions([session({ runs: [runRecord({ tokens: stored })] })]).length;
	const v1 = JSON.stringify(tokens).length;
	console.log(
		`\nSession storage: a ${TOKENS}-token run traced at every token (20 candidates, 7 stages,\n` +
			`vocabulary 32,000), saved every ${PER_SAVE} tokens, in Node over fake-indexeddb.\n`
	);
	printTable(
		['bytes per traced token', 'stored', 'export (v2)', 'export v1 JSON'],
		[
			[
				'',
				formatNumber(bytes / TOKENS, 0),
				formatNumber((exported - empty) / TOKENS, 0),
				formatNumber(v1 / TOKENS, 0)
			]
		]
	);
	const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
	console.log('');
	printTable(
		['save', 'first (ms)', 'last (ms)', 'all saves (ms)', 'ms per token'],
		(
			[
				['append chunk', appendMs],
				['whole session (before, 128 traced)', wholeMs],
				['whole session, every token traced', wholeTracedMs]
			] as const
		).map(([name, times]) => {
			return [
				name,
				formatNumber(times[0], 2),
				formatNumber(times.at(-1)!, 2),
				formatNumber(sum(times), 1),
				formatNumber(sum(times) / TOKENS, 3)
			];
		})
	);
	return true;
}
