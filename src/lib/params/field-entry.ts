import type { ParamSpec } from '#lib/sampling';
import { SEED_SPEC, parseNumberInput } from './fields';

/**
 * What a settings text field shows (its text and error message), kept in step with the value it
 * edits. Owns the rules the panel's number fields and the seed field share; the NumberSetting and
 * SeedSetting components call it on their own (reactive) entry and pass how to take a value and
 * where to report the field's validity.
 */

export type Reading<V> = { ok: true; value: V } | { ok: false; message: string };

/** How a field reads its text into a value, and writes a value as text. */
export interface EntryFormat<V> {
	read(text: string): Reading<V>;
	write(value: V): string;
}

export interface FieldEntry {
	text: string;
	/** Why the text is not a valid value; `null` when it is. */
	message: string | null;
}

/** Receives the field's message (`null` when valid), e.g. to block runs while a field is wrong. */
export type ReportValidity = (message: string | null) => void;

export function blankEntry(): FieldEntry {
	return { text: '', message: null };
}

/**
 * After the value changed from outside (a preset, a reset): show it, unless the text already
 * reads as that value (such as "0.50" while typing). A message it clears is reported.
 */
export function followValue<V>(
	format: EntryFormat<V>,
	entry: FieldEntry,
	value: V,
	report: ReportValidity
): void {
	const reading = format.read(entry.text);
	if (reading.ok && reading.value === value) return;
	entry.text = format.write(value);
	// A value the field cannot hold (a share link's top-k beyond the vocabulary) shows why.
	const written = format.read(entry.text);
	const message = written.ok ? null : written.message;
	if (entry.message !== message) {
		entry.message = message;
		report(message);
	}
}

/**
 * After the field's rules changed (a model with another vocabulary was loaded): read the text
 * again, showing and reporting a message that appeared or went away. The text is kept.
 */
export function followFormat<V>(
	format: EntryFormat<V>,
	entry: FieldEntry,
	report: ReportValidity
): void {
	const reading = format.read(entry.text);
	const message = reading.ok ? null : reading.message;
	if (entry.message !== message) {
		entry.message = message;
		report(message);
	}
}

/** After the user typed into the entry: take the value its text reads as, or show why not. */
export function takeTyped<V>(
	format: EntryFormat<V>,
	entry: FieldEntry,
	take: (value: V) => void,
	report: ReportValidity
): void {
	const reading = format.read(entry.text);
	entry.message = reading.ok ? null : reading.message;
	if (reading.ok) take(reading.value);
	report(entry.message);
}

/** After the user picked `value` on a slider, whose every position is a valid value. */
export function takePicked<V>(
	format: EntryFormat<V>,
	entry: FieldEntry,
	value: V,
	take: (value: V) => void,
	report: ReportValidity
): void {
	entry.text = format.write(value);
	entry.message = null;
	take(value);
	report(null);
}

/** A number field of `spec`; `vocabSize` bounds parameters whose maximum is the vocabulary. */
export function numberFormat(spec: ParamSpec, vocabSize?: number): EntryFormat<number> {
	return { read: (text) => parseNumberInput(text, spec, vocabSize), write: String };
}

/** The seed field: empty means random (`null`); anything else must read as a seed. */
export const SEED_FORMAT: EntryFormat<number | null> = {
	read: (text) =>
		text.trim() === '' ? { ok: true, value: null } : parseNumberInput(text, SEED_SPEC),
	write: (seed) => (seed === null ? '' : String(seed))
};
