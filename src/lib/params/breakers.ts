import { SamplingValidationError, validateSequenceBreakers } from '#lib/sampling';

/**
 * DRY's sequence breakers as one line of text: quoted texts separated by commas, with JSON's
 * escapes (`"\n", ":", "\"", "*"`), which is also how text-generation-webui writes them. The
 * parameter panel's field and the settings import read it with {@link parseBreakerList}.
 */
export function formatBreakerList(breakers: readonly string[]): string {
	return breakers.map((breaker) => JSON.stringify(breaker)).join(', ');
}

export type ParsedBreakers = { ok: true; value: string[] } | { ok: false; message: string };

/**
 * Reads a breaker list written as {@link formatBreakerList} writes it (an empty line is no
 * breakers). The message names the setting and says what is wrong.
 */
export function parseBreakerList(text: string, label = 'DRY sequence breakers'): ParsedBreakers {
	const trimmed = text.trim();
	const expected = 'quoted texts separated by commas, such as "\\n", ":"';
	let value: unknown;
	try {
		value = JSON.parse(`[${trimmed}]`);
	} catch {
		return { ok: false, message: `${label}: “${trimmed}” is not a list; write ${expected}.` };
	}
	if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
		return { ok: false, message: `${label}: write ${expected} (texts in double quotes).` };
	}
	try {
		validateSequenceBreakers(value);
	} catch (error) {
		if (!(error instanceof SamplingValidationError)) throw error;
		return { ok: false, message: `${label}: ${error.message}.` };
	}
	return { ok: true, value };
}
