/**
 * Reads an HTTP Range request header for one file (RFC 9110 §14): the models folder
 * (`models-folder.ts`) answers a single byte range with 206, so the page can read a model's
 * header without downloading it. Several ranges, or a header it cannot read, get the whole file.
 */

export type RangeAnswer =
	{ kind: 'whole' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

export function parseRange(header: string | undefined, size: number): RangeAnswer {
	const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
	if (!match || (match[1] === '' && match[2] === '')) return { kind: 'whole' };
	const [, first, last] = match;
	if (first === '') {
		// A suffix: the last N bytes.
		const length = Number(last);
		if (length === 0) return { kind: 'unsatisfiable' };
		return { kind: 'range', start: Math.max(size - length, 0), end: size - 1 };
	}
	const start = Number(first);
	const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
	if (last !== '' && Number(last) < start) return { kind: 'whole' };
	if (start >= size) return { kind: 'unsatisfiable' };
	return { kind: 'range', start, end };
}
