import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING_PARAMS } from '#lib/sampling';
import { FieldValidity } from './field-validity.svelte';
import { RunSettings } from './run-settings.svelte';
import { SettingsTransfer } from './settings-transfer.svelte';

function transferWith(options: { clipboard?: boolean; vocabSize?: number } = {}) {
	const copied: string[] = [];
	const validity = new FieldValidity();
	const settings = new RunSettings(validity);
	const transfer = new SettingsTransfer({
		settings,
		validity,
		vocabSize: () => options.vocabSize,
		clipboard:
			options.clipboard === false ? null : { writeText: async (text) => void copied.push(text) }
	});
	return { transfer, settings, validity, copied };
}

const TEXTGEN = 'temperature: 1.2\nmin_p: 0.1\ntop_k: 0\nguidance_scale: 1.5\npenalty_alpha: 0\n';

describe('SettingsTransfer', () => {
	it('imports pasted settings onto the panel and reports what it did', () => {
		const { transfer, settings, validity } = transferWith();
		validity.set('topK', 'Top-k must be …');
		transfer.text = TEXTGEN;
		expect(transfer.importText()).toBe(true);
		expect(settings.params).toMatchObject({ temperature: 1.2, minP: 0.1, topK: 0 });
		// Fields the preset does not name keep the panel's values.
		expect(settings.params.topP).toBe(DEFAULT_SAMPLING_PARAMS.topP);
		expect(validity.message()).toBeNull();
		expect(transfer.problems).toEqual([]);
		expect(transfer.report[0]).toMatch(/text-generation-webui preset: temperature, top_k, min_p/);
		expect(transfer.report.join('\n')).toMatch(/Not supported here: guidance_scale \(1\.5\)/);
		expect(transfer.report.join('\n')).toMatch(/off anyway: penalty_alpha/);
	});

	it('refuses bad values naming the field, and leaves the panel as it was', () => {
		const { transfer, settings } = transferWith({ vocabSize: 100 });
		const before = $state.snapshot(settings.params);
		expect(transfer.importText('{"temperature": 0.5, "top_k": 1000, "min_p": -1}')).toBe(false);
		expect(transfer.problems).toEqual([
			'top_k (Top-k) must be an integer in [0, 100]; got 1000',
			'min_p (Min-p) must be a number in [0, 1); got -1'
		]);
		expect(transfer.report).toEqual([]);
		expect($state.snapshot(settings.params)).toEqual(before);
	});

	it('asks for text when there is none', () => {
		const { transfer } = transferWith();
		expect(transfer.importText('  ')).toBe(false);
		expect(transfer.problems[0]).toMatch(/Paste settings or choose a file/);
	});

	it('imports a file, length and stop strings included, in the chosen format', async () => {
		const { transfer, settings } = transferWith();
		transfer.format = 'llamaCpp';
		const file = new Blob([JSON.stringify({ n_predict: 64, stop: ['User:'], temp: 9 })]);
		expect(await transfer.importFile(file)).toBe(true);
		expect(settings.maxNewTokens).toBe(64);
		expect(settings.stopSequences).toBe('User:');
		// `temp` is SillyTavern's name: in a llama.cpp request it is not a field we know.
		expect(transfer.report.join('\n')).toMatch(/Not supported here: temp \(9\)/);
		expect(transfer.text).toContain('n_predict');
	});

	it('copies the panel as a llama.cpp request that imports back to the same settings', async () => {
		const { transfer, settings, copied } = transferWith();
		settings.params.temperature = 0.3;
		settings.params.seed = 7;
		settings.params.order = settings.params.order.filter((s) => s !== 'top-k');
		settings.stopSequences = 'END';
		await transfer.copyRequest();
		expect(transfer.status).toBe('Copied');
		const request = JSON.parse(copied[0]);
		expect(request).toMatchObject({ temperature: 0.3, seed: 7, stop: ['END'] });
		expect(request.samplers).not.toContain('top_k');

		const other = transferWith();
		expect(other.transfer.importText(copied[0])).toBe(true);
		expect($state.snapshot(other.settings.params)).toEqual($state.snapshot(settings.params));
	});

	it('says so when there is no clipboard', async () => {
		const { transfer } = transferWith({ clipboard: false });
		await transfer.copyRequest();
		expect(transfer.status).toMatch(/not available/);
	});
});
