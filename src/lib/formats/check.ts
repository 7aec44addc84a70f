/**
 * Small readers for untrusted JSON. Each one checks a value at a path, adds every problem it
 * finds to `problems` (as `path: must be …, got …`) and returns the value typed. A returned value
 * may only be used when no problem was added: readers keep going past the first problem so that
 * a file's every problem is reported at once.
 */
export type Reader<T> = (value: unknown, path: string, problems: string[]) => T;

/** Longest value a problem message quotes (longer ones end in `…`). */
const SHOWN_CHARS = 60;

/**
 * A value as a problem message shows it: JSON, shortened. Only the part shown is written, so
 * that a huge value costs nothing and a deeply nested one (JSON.parse reads far deeper lists than
 * JSON.stringify can write) cannot overflow the stack.
 */
export function describeValue(value: unknown): string {
	if (value === undefined) return 'nothing';
	if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
	let text = '';
	// Each level writes at least one character, so recursion stops within SHOWN_CHARS levels.
	const write = (item: unknown): boolean => {
		if (text.length > SHOWN_CHARS) return false;
		if (Array.isArray(item)) {
			text += '[';
			for (let i = 0; i < item.length; i++) {
				if (i > 0) text += ',';
				if (!write(item[i] ?? null)) return false;
			}
			text += ']';
		} else if (typeof item === 'object' && item !== null) {
			text += '{';
			let first = true;
			for (const [key, entry] of Object.entries(item)) {
				if (entry === undefined) continue;
				text += `${first ? '' : ','}${JSON.stringify(key)}:`;
				first = false;
				if (!write(entry)) return false;
			}
			text += '}';
		} else if (typeof item === 'string') {
			text += JSON.stringify(item.slice(0, SHOWN_CHARS + 1));
		} else {
			text += JSON.stringify(item) ?? String(item);
		}
		return text.length <= SHOWN_CHARS;
	};
	write(value);
	return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 3)}…` : text;
}

export function must(problems: string[], path: string, expected: string, value: unknown): void {
	problems.push(`${path}: must be ${expected}, got ${describeValue(value)}`);
}

export function string(
	options: { nonEmpty?: boolean; maxLength?: number; pattern?: RegExp; what?: string } = {}
) {
	const most = options.maxLength === undefined ? '' : ` of at most ${options.maxLength} characters`;
	const expected = options.what ?? `${options.nonEmpty ? 'a non-empty string' : 'a string'}${most}`;
	return ((value, path, problems) => {
		if (
			typeof value !== 'string' ||
			(options.nonEmpty && value.trim().length === 0) ||
			(options.maxLength !== undefined && value.length > options.maxLength) ||
			(options.pattern && !options.pattern.test(value))
		) {
			must(problems, path, expected, value);
		}
		return value as string;
	}) satisfies Reader<string>;
}

export const boolean: Reader<boolean> = (value, path, problems) => {
	if (typeof value !== 'boolean') must(problems, path, 'true or false', value);
	return value as boolean;
};

/** JSON has no Infinity: the format writes these strings for non-finite numbers. */
const NON_FINITE: Record<string, number> = { Infinity: Infinity, '-Infinity': -Infinity };

export interface NumberOptions {
	integer?: boolean;
	min?: number;
	max?: number;
	/** Also accept "Infinity" / "-Infinity" (and the numbers themselves). */
	infinite?: boolean;
}

export function number(options: NumberOptions = {}): Reader<number> {
	const kind = options.integer ? 'an integer' : 'a number';
	const range =
		options.min !== undefined && options.max !== undefined
			? ` in [${options.min}, ${options.max}]`
			: options.min !== undefined
				? ` ≥ ${options.min}`
				: options.max !== undefined
					? ` ≤ ${options.max}`
					: '';
	const infinities = options.min === undefined ? ', "Infinity" or "-Infinity"' : ' or "Infinity"';
	const expected = `${kind}${range}${options.infinite ? infinities : ''}`;
	return (value, path, problems) => {
		const n =
			options.infinite && typeof value === 'string' && value in NON_FINITE
				? NON_FINITE[value]
				: value;
		const ok =
			typeof n === 'number' &&
			!Number.isNaN(n) &&
			(Number.isFinite(n) ? !options.integer || Number.isInteger(n) : !!options.infinite) &&
			(options.min === undefined || n >= options.min) &&
			(options.max === undefined || n <= options.max);
		if (!ok) must(problems, path, expected, value);
		return n as number;
	};
}

export function oneOf<const T extends readonly (string | number | boolean | null)[]>(
	values: T
): Reader<T[number]> {
	const expected = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
	return (value, path, problems) => {
		if (!values.includes(value as T[number])) must(problems, path, expected, value);
		return value as T[number];
	};
}

export function nullable<T>(read: Reader<T>): Reader<T | null> {
	return (value, path, problems) => (value === null ? null : read(value, path, problems));
}

export function array<T>(item: Reader<T>, options: { min?: number; max?: number } = {}) {
	return ((value, path, problems) => {
		if (!Array.isArray(value)) {
			must(problems, path, 'a list', value);
			return [] as T[];
		}
		if (options.min !== undefined && value.length < options.min) {
			must(problems, path, `a list of at least ${options.min}`, `${value.length} entries`);
		}
		if (options.max !== undefined && value.length > options.max) {
			must(problems, path, `a list of at most ${options.max}`, `${value.length} entries`);
		}
		return value.map((entry, i) => item(entry, `${path}[${i}]`, problems));
	}) satisfies Reader<T[]>;
}

/** `path.key`, or `key` at the top. */
export function at(path: string, key: string): string {
	return path ? `${path}.${key}` : key;
}

/**
 * The path of a field a file named, as {@link at} gives it when its name is a plain word, and
 * quoted otherwise (`sessions[0][" "]`), so that an empty or blank name still shows.
 */
export function keyPath(path: string, key: string): string {
	return /^[A-Za-z_$][\w$]*$/.test(key) ? at(path, key) : `${path}[${JSON.stringify(key)}]`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Fields<T> = { [K in keyof T]-?: Reader<T[K]> };

/**
 * An object with exactly these fields: `optional` ones may be absent, every other one is
 * required, and a field not listed is a problem (a typo or a file from elsewhere).
 */
export function object<T extends object>(
	fields: Fields<T>,
	options: { optional?: readonly (keyof T & string)[]; what?: string } = {}
): Reader<T> {
	const optional = new Set<string>(options.optional ?? []);
	return (value, path, problems) => {
		if (!isPlainObject(value)) {
			must(problems, path, options.what ?? 'an object', value);
			return value as T;
		}
		const out: Record<string, unknown> = {};
		// Own keys only: `in` would take `__proto__` or `constructor` (which JSON.parse makes own
		// keys) for known fields.
		for (const key of Object.keys(value)) {
			if (!Object.hasOwn(fields, key)) {
				problems.push(`${keyPath(path, key)}: is not a known field (remove it)`);
			}
		}
		for (const [key, read] of Object.entries(fields) as [string, Reader<unknown>][]) {
			if (!Object.hasOwn(value, key)) {
				if (!optional.has(key)) problems.push(`${at(path, key)}: is missing`);
				continue;
			}
			out[key] = read(value[key], at(path, key), problems);
		}
		return out as T;
	};
}
