import type { AppConfig, ChatOptions, ModelRecord } from '@mlc-ai/web-llm';
import type { WebLlmModel } from '#lib/core/model';

/** WebLLM's model record for one of our WebLLM models. */
export function webLlmModelRecord(model: WebLlmModel): ModelRecord {
	return {
		model: model.modelUrl,
		model_id: model.id,
		model_lib: model.modelLibUrl,
		required_features: [...model.requiredFeatures],
		...(model.vramRequiredMB !== null ? { vram_required_MB: model.vramRequiredMB } : {})
	};
}

/**
 * The app config the engine loads `model` with. Pass the same config to WebLLM's
 * `hasModelInCache` / `deleteModelAllInfoInCache` so they look at the same cache.
 */
export function webLlmAppConfig(model: WebLlmModel): AppConfig {
	return { model_list: [webLlmModelRecord(model)], cacheBackend: 'indexeddb' };
}

/**
 * The folder WebLLM resolves a model's files against (its own rule: a trailing slash, and
 * Hugging Face's `resolve/main/` unless the URL already names a revision). Our cache lookups
 * must use the very same URLs as WebLLM's.
 */
export function webLlmModelBaseUrl(modelUrl: string): string {
	let url = modelUrl.endsWith('/') ? modelUrl : `${modelUrl}/`;
	if (!/.+\/resolve\/.+\//.test(url)) url += 'resolve/main/';
	return new URL(url).href;
}

/**
 * Chat options for exact mode: WebLLM's own sampling stages become no-ops. They apply to the
 * requests that carry no generation config of their own, which is the case for
 * `forwardTokensAndSample`; native-mode requests always pass every value explicitly.
 */
export function exactModeChatOptions(contextLength: number | undefined): ChatOptions {
	return {
		temperature: 1,
		top_p: 1,
		repetition_penalty: 1,
		frequency_penalty: 0,
		presence_penalty: 0,
		...(contextLength !== undefined ? { context_window_size: contextLength } : {})
	};
}

/** The fields of `mlc-chat-config.json` the engine reads. */
export interface MlcChatConfig {
	vocab_size: number;
	context_window_size: number;
	sliding_window_size?: number;
	bos_token_id?: number;
	eos_token_id?: number | number[];
	tokenizer_files: string[];
	tokenizer_info?: { token_postproc_method?: string };
	token_table_postproc_method?: string;
	conv_template: ConvTemplate;
	conv_config?: Partial<ConvTemplate>;
	model_config?: Record<string, unknown>;
}

/** WebLLM's conversation template, as `mlc-chat-config.json` spells it. */
export interface ConvTemplate {
	system_template: string;
	system_message: string;
	roles: Record<string, string>;
	role_templates?: Record<string, string>;
	seps: string[];
	role_content_sep?: string | null;
	role_empty_sep?: string | null;
	stop_str: string[];
	system_prefix_token_ids?: number[] | null;
	stop_token_ids: number[];
	add_role_after_system_message?: boolean;
	render_empty_system_message?: boolean;
}

export class ChatConfigError extends Error {
	override name = 'ChatConfigError';
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses `mlc-chat-config.json`, checking the fields the engine relies on. */
export function parseChatConfig(bytes: ArrayBuffer): MlcChatConfig {
	let value: unknown;
	try {
		value = JSON.parse(new TextDecoder().decode(bytes));
	} catch {
		throw new ChatConfigError("The model's mlc-chat-config.json is not valid JSON");
	}
	if (!isObject(value))
		throw new ChatConfigError("The model's mlc-chat-config.json is not an object");
	const fail = (field: string) => {
		throw new ChatConfigError(`The model's mlc-chat-config.json lacks a valid "${field}"`);
	};
	if (!Number.isInteger(value.vocab_size) || (value.vocab_size as number) <= 0) fail('vocab_size');
	if (!Number.isInteger(value.context_window_size)) fail('context_window_size');
	if (!Array.isArray(value.tokenizer_files)) fail('tokenizer_files');
	const template = value.conv_template;
	if (!isObject(template) || !isObject(template.roles) || !Array.isArray(template.seps)) {
		fail('conv_template');
	}
	// The checks above cover every field the engine reads without a fallback.
	return value as unknown as MlcChatConfig;
}

/** The conversation template with the config's overrides applied, as WebLLM does. */
export function effectiveTemplate(config: MlcChatConfig): ConvTemplate {
	return { ...config.conv_template, ...config.conv_config };
}
