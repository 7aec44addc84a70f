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

	clear(): void {
		this.invalidFields = {};
	}
}
