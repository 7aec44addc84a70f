/**
 * A count with its noun in the right form: `plural(1, 'candidate')` is "1 candidate",
 * `plural(3, 'candidate')` is "3 candidates". `many` is the plural form when it is not the
 * singular plus "s".
 */
export function plural(count: number, one: string, many = `${one}s`): string {
	return `${count} ${count === 1 ? one : many}`;
}
