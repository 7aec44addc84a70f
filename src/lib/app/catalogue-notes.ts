/**
 * What the model picker says of a CPU model's file: its size in the list ("size not verified"
 * when no source gives the exact one) and a line on where the size and checksum come from and
 * what a download is checked against. Read by components/ModelPicker.svelte.
 */
import type { ModelChoice } from '#lib/models/local-models';
import { formatBytes } from './download-rate';

export const SIZE_NOT_VERIFIED = 'size not verified';

/** The size shown after the model's name in the list, or '' when unknown. */
export function catalogueSizeLabel(choice: ModelChoice): string {
	if (choice.sizeBytes === null) return '';
	const size = formatBytes(choice.sizeBytes);
	return choice.sizeExact ? size : `~${size}, ${SIZE_NOT_VERIFIED}`;
}

/** Where the size and sha256 come from, and what the download is checked against. */
export function catalogueFileNote(choice: ModelChoice): string {
	const checksum = choice.sha256
		? `A download is checked against sha256 ${choice.sha256.slice(0, 12)}… and refused if it differs.`
		: 'No sha256 is known for it, so a download is not checked against a checksum.';
	if (!choice.sizeExact || choice.sizeBytes === null || !choice.source) {
		const about = choice.sizeBytes === null ? '' : ` (about ${formatBytes(choice.sizeBytes)})`;
		return `Size not verified${about}: no source could be cited for the exact size of ${choice.file}. ${checksum}`;
	}
	return `${choice.file}: ${choice.sizeBytes.toLocaleString('en-US')} bytes, from ${choice.source}. ${checksum}`;
}
