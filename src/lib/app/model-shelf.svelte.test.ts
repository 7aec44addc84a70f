import { describe, expect, it } from 'vitest';
import { webLlmModelId } from '#lib/core/model-id';
import { hubFileChoice } from '#lib/models/hub';
import { ModelShelf } from './model-shelf.svelte';
import { Notices } from './notices.svelte';
import { MemoryShelfSources, MODELS_URL } from './testing/test-app';

const CUSTOM = {
	id: 'Mine-q4f32_1-MLC',
	modelUrl: 'https://example.org/mine',
	modelLibUrl: 'https://example.org/mine.wasm'
};

async function setup() {
	const sources = new MemoryShelfSources();
	const notices = new Notices();
	const shelf = new ModelShelf(sources, notices);
	await shelf.discover(MODELS_URL);
	return { sources, notices, shelf };
}

describe('ModelShelf', () => {
	it('offers the catalogue with the local test model first, selected with its context window', async () => {
		const { shelf } = await setup();
		expect(shelf.selectedChoice?.isLocal).toBe(true);
		expect(shelf.selectedChoice?.url).toBe(`${MODELS_URL}stories260K.gguf`);
		expect(shelf.contextLength).toBe(shelf.selectedChoice?.contextLength);
		expect(shelf.offers('stories260k')).toBe(true);
		expect(shelf.offers('nowhere')).toBe(false);
		expect(shelf.modelName('stories260k')).toBe('TinyStories 260K');
	});

	it('adds a custom WebLLM model, saves it and selects it; removing it goes back', async () => {
		const { shelf, sources } = await setup();
		expect(shelf.addCustomModel(CUSTOM)).toEqual({});
		expect(shelf.modelId).toBe(webLlmModelId(CUSTOM.id));
		expect(shelf.modelIds()).toContain(webLlmModelId(CUSTOM.id));
		await Promise.resolve();
		expect(sources.customModels).toEqual([expect.objectContaining({ id: CUSTOM.id })]);
		shelf.removeCustomModel(CUSTOM.id);
		expect(shelf.modelId).toBe('stories260k');
		expect(shelf.customModels).toEqual([]);
	});

	it('keeps a custom model from a host outside the policy and says it will not load', async () => {
		const { shelf, sources, notices } = await setup();
		sources.modelHosts = ['https://huggingface.co', 'https://cdn.example.org'];
		expect(shelf.addCustomModel(CUSTOM)).toEqual({});
		expect(shelf.customModels).toEqual([expect.objectContaining({ id: CUSTOM.id })]);
		expect(notices.notice).toBe(
			"Mine-q4f32_1-MLC was added, but it will not load here: this app's Content-Security-Policy " +
				'does not allow downloads from example.org. Whoever serves the app can allow a host ' +
				'with MODEL_HOSTS (see the README).'
		);
	});

	it('says nothing more when the policy allows the custom model', async () => {
		const { shelf, sources, notices } = await setup();
		sources.modelHosts = ['https://example.org'];
		shelf.addCustomModel(CUSTOM);
		expect(notices.notice).toBe('');
	});

	it('refuses a custom model with problems, by field', async () => {
		const { shelf } = await setup();
		const errors = shelf.addCustomModel({ ...CUSTOM, modelUrl: 'not a url' });
		expect(Object.keys(errors)).toContain('modelUrl');
		expect(shelf.customModels).toEqual([]);
	});

	it('says when the saved models cannot be read, and lists the rest', async () => {
		const sources = new MemoryShelfSources();
		sources.readCustomModels = async () => {
			throw new Error('storage is blocked');
		};
		const notices = new Notices();
		const shelf = new ModelShelf(sources, notices);
		await shelf.discover(MODELS_URL);
		expect(notices.notice).toContain('storage is blocked');
		expect(shelf.choices.length).toBeGreaterThan(0);
	});

	it('offers stored files the catalogue and the local folder do not, once each', async () => {
		const sources = new MemoryShelfSources();
		const hubFile = hubFileChoice({
			url: 'https://huggingface.co/org/repo/resolve/main/m.gguf',
			name: 'm.gguf',
			sizeBytes: 10,
			sha256: null
		});
		const localCopy = hubFileChoice({
			url: `${MODELS_URL}stories260K.gguf`,
			name: 'stories260K.gguf',
			sizeBytes: 1,
			sha256: null
		});
		sources.storedChoices = async () => [hubFile, localCopy];
		const shelf = new ModelShelf(sources, new Notices());
		await shelf.discover(MODELS_URL);
		expect(shelf.offers('hub:org/repo/m.gguf')).toBe(true);
		expect(shelf.choices.filter((c) => c.url === localCopy.url)).toHaveLength(1);
		shelf.offerChoice(hubFile);
		expect(shelf.choices.filter((c) => c.id === hubFile.id)).toHaveLength(1);
		expect(shelf.modelName('hub:org/repo/m.gguf')).toBe('m (org/repo)');
	});
});
