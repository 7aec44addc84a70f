import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '#lib/models/catalogue';
import { modelChoices } from '#lib/models/local-models';
import { catalogueFileNote, catalogueSizeLabel } from './catalogue-notes';

const remote = modelChoices(CATALOGUE, [], '/models/');
const byId = (id: string) => remote.find((c) => c.id === id)!;

describe('catalogue notes', () => {
	it('marks a size no source gives exactly as not verified, in the list and the note', () => {
		const smol = byId('smollm2-135m-instruct-q8');
		expect(catalogueSizeLabel(smol)).toBe('~145 MB, size not verified');
		expect(catalogueFileNote(smol)).toBe(
			'Size not verified (about 145 MB): no source could be cited for the exact size of smollm2-135m-instruct-q8_0.gguf. No sha256 is known for it, so a download is not checked against a checksum.'
		);
	});

	it('gives a cited size in bytes with its source, and says no checksum is checked without one', () => {
		const llama = byId('llama-3.2-1b-instruct-q4km');
		expect(catalogueSizeLabel(llama)).toBe('808 MB');
		expect(catalogueFileNote(llama)).toMatch(
			/^llama-3\.2-1b-instruct-q4_k_m\.gguf: 807,690,656 bytes, from wllama's example model list .*No sha256 is known for it, so a download is not checked against a checksum\.$/
		);
	});

	it('says a download is checked when the sha256 is known, and where it comes from', () => {
		expect(catalogueFileNote(byId('stories260k'))).toContain(
			'A download is checked against sha256 270cba1bd510… and refused if it differs.'
		);
		expect(catalogueFileNote(byId('qwen3-0.6b-q8'))).toMatch(
			/^Qwen3-0\.6B-Q8_0\.gguf: 639,447,744 bytes, from the Git LFS sha256 and size of this file in unsloth\/Qwen3-0\.6B-GGUF at revision 50968a4468ef, .* A download is checked against sha256 e150ed544dfe… and refused if it differs\.$/
		);
	});

	it('takes the size of a file in the local models folder as measured', () => {
		const [local] = modelChoices(
			CATALOGUE,
			[{ file: 'Qwen3-0.6B-Q8_0.gguf', sizeBytes: 639_447_000, modified: 'x' }],
			'/models/'
		).filter((c) => c.isLocal);
		expect(catalogueSizeLabel(local)).toBe('639 MB');
		expect(catalogueFileNote(local)).toMatch(
			/^Qwen3-0\.6B-Q8_0\.gguf: 639,447,000 bytes, from the local models folder/
		);
	});
});
