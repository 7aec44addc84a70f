/**
 * Which inputs hold text that is not a valid value now, with each one's message. Inputs report
 * here (through the components); the loader, the single run and compare refuse to start while
 * any is invalid.
 */
export class FieldValidity {
	/** Messages of inputs that do not hold a valid value now, by field. */
	invalidFields = $state<Record<string, string>>({});

	set(field: string, message: string | null): void {
		const next = { ...this.invalidFields };
		if (message) next[field] = message;
		else delete next[field];
		this.invalidFields = next;
	}

	/** The message of one field, or undefined when it is valid. */
	of(field: string): string | undefined {
		return this.invalidFields[field];
	}

	/** Messages of fields that hold invalid text now, or null when all are valid. */
	message(): string | null {
		const invalid = Object.values(this.invalidFields);
		return invalid.length > 0 ? invalid.join(' ') : null;
	}

	/** Messages of those of `fields` that hold invalid text now, or null when all are valid. */
	messageOf(fields: readonly string[]): string | null {
		const invalid = fields.flatMap((field) => this.invalidFields[field] ?? []);
		return invalid.length > 0 ? invalid.join(' ') : null;
	}

	clear(): void {
		this.invalidFields = {};
	}
}

/**
 * An error message that can belong to the fields that caused it: set as text, it stays until it
 * is replaced or cleared; set by {@link blockedBy}, it reads the messages of the fields that
 * blocked the work while they are still invalid, and is empty once they all are valid again.
 */
export class CausedError {
	#text = $state('');
	#cause = $state.raw<{ validity: FieldValidity; fields: string[] } | null>(null);

	get text(): string {
		const cause = this.#cause;
		return cause ? (cause.validity.messageOf(cause.fields) ?? '') : this.#text;
	}

	set text(text: string) {
		this.#text = text;
		this.#cause = null;
	}

	/** The work was refused because of the fields that are invalid in `validity` now. */
	blockedBy(validity: FieldValidity): void {
		this.#text = '';
		this.#cause = { validity, fields: Object.keys(validity.invalidFields) };
	}
}
