import type { WebLlmModel } from '#lib/core/model';
import { featuresForQuantization, quantizationOf } from './webllm-catalogue';

export interface CustomModelInput {
	id: string;
	modelUrl: string;
	modelLibUrl: string;
}

export type CustomModelResult =
	| { ok: true; model: WebLlmModel }
	| { ok: false; errors: Partial<Record<keyof CustomModelInput, string>> };

function absoluteHttpUrl(text: string): URL | null {
	try {
		const url = new URL(text.trim());
		return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
	} catch {
		return null;
	}
}

/**
 * Checks a user's WebLLM model before it is offered: an id of plain characters not already
 * taken, an absolute http(s) URL for the weights, and an http(s) URL of a `.wasm` library.
 */
export function parseCustomModel(
	input: CustomModelInput,
	takenIds: readonly string[]
): CustomModelResult {
	const errors: Partial<Record<keyof CustomModelInput, string>> = {};
	const id = input.id.trim();
	if (!/^[\w.-]+$/.test(id)) {
		errors.id = 'Model id: use letters, digits, dots, dashes and underscores only.';
	} else if (takenIds.includes(id)) {
		errors.id = `Model id: “${id}” is already in the list.`;
	}
	const modelUrl = absoluteHttpUrl(input.modelUrl);
	if (!modelUrl) {
		errors.modelUrl = `Model URL: “${input.modelUrl.trim()}” is not an absolute http(s) URL.`;
	}
	const libraryUrl = absoluteHttpUrl(input.modelLibUrl);
	if (!libraryUrl || !libraryUrl.pathname.endsWith('.wasm')) {
		errors.modelLibUrl = `Model library URL: “${input.modelLibUrl.trim()}” must be an absolute http(s) URL of a .wasm file.`;
	}
	if (Object.keys(errors).length > 0 || !modelUrl || !libraryUrl) return { ok: false, errors };
	return {
		ok: true,
		model: {
			id,
			name: id,
			modelUrl: modelUrl.href.replace(/\/$/, ''),
			modelLibUrl: libraryUrl.href,
			requiredFeatures: featuresForQuantization(quantizationOf(id)),
			vramRequiredMB: null
		}
	};
}

/** Custom models kept between visits, as stored; anything unreadable is dropped, never thrown. */
export function readStoredCustomModels(stored: unknown): WebLlmModel[] {
	if (!Array.isArray(stored)) return [];
	const models: WebLlmModel[] = [];
	for (const item of stored as { id?: unknown; modelUrl?: unknown; modelLibUrl?: unknown }[]) {
		const result = parseCustomModel(
			{
				id: String(item?.id ?? ''),
				modelUrl: String(item?.modelUrl ?? ''),
				modelLibUrl: String(item?.modelLibUrl ?? '')
			},
			models.map((m) => m.id)
		);
		if (result.ok) models.push(result.model);
	}
	return models;
}
