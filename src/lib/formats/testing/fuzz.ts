import fc from 'fast-check';

/**
 * Tools of the format fuzz tests (share links, session files), in Node and in the browser
 * suite: the fixed seed and run counts, and mutations of valid inputs (extreme JSON values put
 * anywhere in a tree, changed characters and bytes). Generic over the JSON, so they follow the
 * formats when these change.
 */

/**
 * fast-check options: a fixed seed so CI always runs the same cases, unless `FUZZ_SEED` (a
 * number, or `random`) or `FUZZ_RUNS` (runs of every property) ask to explore more.
 */
export function fuzzOptions(numRuns: number): { seed: number; numRuns: number } {
	const env = globalThis.process?.env ?? {};
	const seedText = env.FUZZ_SEED;
	const seed =
		seedText === 'random'
			? Math.floor(Math.random() * 2 ** 31)
			: seedText
				? Number(seedText)
				: 20_261_129;
	const runs = env.FUZZ_RUNS ? Number(env.FUZZ_RUNS) : numRuns;
	if (!Number.isInteger(seed) || !Number.isInteger(runs) || runs < 1) {
		throw new Error(`FUZZ_SEED must be an integer or "random" and FUZZ_RUNS an integer ≥ 1`);
	}
	return { seed, numRuns: runs };
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const DEPTH = 10_000;
const LONG = 100_000;

/**
 * Values, as JSON text, that readers get wrong: numbers past every range (and past what a
 * double or a Date holds), strings where numbers go, empty and blank strings, lone surrogates,
 * long strings (including ones that make backtracking regular expressions slow), wrong types,
 * prototype keys, deep nesting and long lists.
 */
export const EXTREME_JSON: readonly string[] = [
	'1e308',
	'-1e308',
	'1e309',
	'-0',
	'0',
	'-1',
	'0.5',
	'1.5',
	'5e-324',
	'8640000000000000',
	'8640000000000001',
	'9007199254740993',
	'4294967296',
	'2147483648',
	'123456789012345678901234567890',
	'"NaN"',
	'"Infinity"',
	'"-Infinity"',
	'"1"',
	'""',
	'" "',
	'"\\n"',
	'"\\u0000"',
	'"\\ud800"',
	'"<script>alert(1)</script>"',
	JSON.stringify('x'.repeat(LONG)),
	JSON.stringify('.'.repeat(LONG)),
	JSON.stringify('1'.repeat(LONG) + 'x'),
	JSON.stringify('1, '.repeat(LONG / 3) + '1'),
	'true',
	'false',
	'null',
	'[]',
	'{}',
	'[1,2,3]',
	'{"__proto__":{"polluted":1}}',
	'{"constructor":{"prototype":{"polluted":1}}}',
	'['.repeat(DEPTH) + ']'.repeat(DEPTH),
	'{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH),
	'[' + '0,'.repeat(LONG / 5) + '0]'
];

/** Keys added to objects: prototype names, empty and blank keys, an unknown field. */
export const EXTRA_KEYS: readonly string[] = [
	'__proto__',
	'constructor',
	'prototype',
	'toString',
	'hasOwnProperty',
	'',
	' ',
	'x'
];

type Path = (string | number)[];

/** Every node of a JSON tree, by its path from the root (the root first). */
export function jsonPaths(value: Json, path: Path = []): Path[] {
	const paths: Path[] = [path];
	if (Array.isArray(value))
		value.forEach((item, i) => paths.push(...jsonPaths(item, [...path, i])));
	else if (value !== null && typeof value === 'object') {
		for (const key of Object.keys(value)) paths.push(...jsonPaths(value[key], [...path, key]));
	}
	return paths;
}

export type Mutation =
	| { op: 'replace'; at: number; value: number }
	| { op: 'delete'; at: number }
	| { op: 'add'; at: number; key: number; value: number }
	| { op: 'duplicate'; at: number }
	| { op: 'as-string'; at: number };

/** A few changes to a JSON tree, each at a node picked by `at` (taken modulo the node count). */
export const mutationsArbitrary: fc.Arbitrary<Mutation[]> = fc.array(
	fc.oneof(
		{
			weight: 4,
			arbitrary: fc.record({
				op: fc.constant('replace' as const),
				at: fc.nat(),
				value: fc.nat({ max: EXTREME_JSON.length - 1 })
			})
		},
		{ weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
		{
			weight: 2,
			arbitrary: fc.record({
				op: fc.constant('add' as const),
				at: fc.nat(),
				key: fc.nat({ max: EXTRA_KEYS.length - 1 }),
				value: fc.nat({ max: EXTREME_JSON.length - 1 })
			})
		},
		{ weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }) },
		{ weight: 1, arbitrary: fc.record({ op: fc.constant('as-string' as const), at: fc.nat() }) }
	),
	{ minLength: 1, maxLength: 3 }
);

const RAW = (i: number) => `@@fuzz-raw-${i}@@`;

/** Sets an own property, even `__proto__` (as JSON.parse does). */
function define(target: Record<string, Json>, key: string, value: Json): void {
	Object.defineProperty(target, key, {
		value,
		enumerable: true,
		writable: true,
		configurable: true
	});
}

/**
 * `value` with `mutations` applied, as JSON text. Extreme values go in as raw text, so that
 * `-0`, `1e309` and deep nesting reach the reader as a file would carry them.
 */
export function mutateJson(value: Json, mutations: readonly Mutation[]): string {
	let root: Json = structuredClone(value);
	const raws: string[] = [];
	const raw = (index: number): Json => {
		raws.push(EXTREME_JSON[index]);
		return RAW(raws.length - 1);
	};
	for (const mutation of mutations) {
		const paths = jsonPaths(root);
		const path = paths[mutation.at % paths.length];
		const parent = path.length === 0 ? null : nodeAt(root, path.slice(0, -1));
		const last = path[path.length - 1];
		const node = nodeAt(root, path);
		const set = (next: Json) => {
			if (parent === null) root = next;
			else if (Array.isArray(parent)) parent[last as number] = next;
			else define(parent as Record<string, Json>, last as string, next);
		};
		switch (mutation.op) {
			case 'replace':
				set(raw(mutation.value));
				break;
			case 'delete':
				if (Array.isArray(parent)) parent.splice(last as number, 1);
				else if (parent !== null) delete (parent as Record<string, Json>)[last as string];
				else root = null;
				break;
			case 'add':
				if (Array.isArray(node)) node.push(raw(mutation.value));
				else if (node !== null && typeof node === 'object') {
					define(node, EXTRA_KEYS[mutation.key], raw(mutation.value));
				} else set(raw(mutation.value));
				break;
			case 'duplicate':
				if (Array.isArray(parent)) parent.splice(last as number, 0, structuredClone(node));
				else set([node, structuredClone(node)]);
				break;
			case 'as-string':
				set(typeof node === 'string' ? Number(node) || 0 : JSON.stringify(node));
				break;
		}
	}
	let text = JSON.stringify(root);
	raws.forEach((rawText, i) => {
		text = text.replace(JSON.stringify(RAW(i)), () => rawText);
	});
	return text;
}

function nodeAt(root: Json, path: Path): Json {
	let node = root;
	for (const key of path) node = (node as Record<string | number, Json>)[key];
	return node;
}

export type TextMutation =
	| { op: 'flip'; at: number; bit: number }
	| { op: 'truncate'; at: number }
	| { op: 'insert'; at: number; text: string }
	| { op: 'delete'; at: number; length: number };

/** Changes to a text: a flipped bit, a cut, inserted or deleted characters. */
export const textMutationsArbitrary: fc.Arbitrary<TextMutation[]> = fc.array(
	fc.oneof(
		fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
		fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
		fc.record({
			op: fc.constant('insert' as const),
			at: fc.nat(),
			text: fc.oneof(
				fc.string({ minLength: 1, maxLength: 4 }),
				fc.constantFrom('{', '}', '"', ',', '\\', '\n', '%0A', ' ', '=', '+', '/', '\u0000')
			)
		}),
		fc.record({
			op: fc.constant('delete' as const),
			at: fc.nat(),
			length: fc.integer({ min: 1, max: 8 })
		})
	),
	{ minLength: 1, maxLength: 3 }
);

/** `text` with `mutations` applied; positions are taken modulo its length. */
export function mutateText(text: string, mutations: readonly TextMutation[]): string {
	let out = text;
	for (const m of mutations) {
		const at = out.length === 0 ? 0 : m.at % out.length;
		if (m.op === 'flip') {
			out =
				out.slice(0, at) +
				String.fromCharCode(out.charCodeAt(at) ^ (1 << m.bit)) +
				out.slice(at + 1);
		} else if (m.op === 'truncate') out = out.slice(0, at);
		else if (m.op === 'insert') out = out.slice(0, at) + m.text + out.slice(at);
		else out = out.slice(0, at) + out.slice(at + m.length);
	}
	return out;
}

/** `bytes` with one bit flipped, cut, or a byte inserted or deleted at `at` (modulo the length). */
export function mutateBytes(bytes: Uint8Array, mutations: readonly TextMutation[]): Uint8Array {
	let out = Array.from(bytes);
	for (const m of mutations) {
		const at = out.length === 0 ? 0 : m.at % out.length;
		if (m.op === 'flip') {
			if (out.length > 0) out[at] ^= 1 << m.bit;
		} else if (m.op === 'truncate') out = out.slice(0, at);
		else if (m.op === 'insert') out.splice(at, 0, m.text.charCodeAt(0) & 0xff);
		else out.splice(at, m.length);
	}
	return Uint8Array.from(out);
}

/** A deep copy with every −0 as 0: JSON writes −0 as 0, and the app treats them alike. */
export function withoutNegativeZero<T>(value: T): T {
	if (typeof value === 'number') return (Object.is(value, -0) ? 0 : value) as T;
	if (Array.isArray(value)) return value.map(withoutNegativeZero) as T;
	if (value !== null && typeof value === 'object') {
		const out: Record<string, unknown> = {};
		for (const [key, item] of Object.entries(value)) {
			Object.defineProperty(out, key, {
				value: withoutNegativeZero(item),
				enumerable: true,
				writable: true,
				configurable: true
			});
		}
		return out as T;
	}
	return value;
}
