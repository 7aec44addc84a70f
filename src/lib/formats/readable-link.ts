import { engineOfModelId } from '#lib/core/model-id';
import { CONTEXT_LENGTH_SPEC, MAX_NEW_TOKENS_SPEC } from '#lib/params/fields';
import {
	DEFAULT_SAMPLING_PARAMS,
	paramSpecsOf,
	STAGE_DEFINITIONS,
	switchOnSetStages,
	type SamplingParams,
	type StageRegistry
} from '#lib/sampling';
import { experimentReader } from './experiment';
import { LINK_LIMITS, type SharedExperiment } from './share-link-format';

/**
 * The readable form of a link, for people and demo scripts writing one by hand:
 * `#?model=stories260K&prompt=Once%20upon%20a%20time&temperature=0.2&seed=42`. It sits beside
 * the compact `#x=` link (share-link.ts) and opens the same experiment: every field it leaves
 * out takes the app's default, and the experiment reader the sessions file and links use checks
 * the rest, so a bad value is named by its path (`params.topK: …`). The page opens both forms.
 *
 * Fields: `model` (the picker's id), `prompt` (completion), or `system` and one `user` per
 * message (chat), `seed` (an integer, or `random`), every sampling parameter by its
 * `SamplingParams` name (`temperature`, `topK`, `dryMultiplier`, …), `order` (stage names,
 * comma-separated), `maxNewTokens`, `contextLength`, `stop` (one per stop sequence), `sweep`
 * (`param:values`, one per axis, as the compare view takes them) and `view` (`single` or
 * `compare`; compare when there is a sweep). Setting a parameter of a stage that is off by
 * default (`dryMultiplier=0.8`) switches the stage on, unless the link gives its own `order`.
 */
export const READABLE_FRAGMENT_PREFIX = '#?';

/** Fields of the readable form besides the sampling parameters. */
const FIELDS = [
	'model',
	'prompt',
	'system',
	'user',
	'seed',
	'order',
	'maxNewTokens',
	'contextLength',
	'stop',
	'sweep',
	'view'
] as const;

export type ReadableLinkResult =
	{ ok: true; value: SharedExperiment } | { ok: false; problems: string[] };

/** Whether a URL fragment is a readable link. */
export function isReadableFragment(fragment: string): boolean {
	return fragment.startsWith(READABLE_FRAGMENT_PREFIX);
}

/** A readable link's fields as a script writes them: sampling parameters by name, beside the rest. */
export type ReadableLinkFields = {
	model?: string;
	prompt?: string;
	system?: string;
	user?: readonly string[];
	seed?: number | 'random';
	order?: readonly string[];
	maxNewTokens?: number;
	contextLength?: number;
	stop?: readonly string[];
	/** One `param:values` per axis, as the compare view's sweep fields take them. */
	sweep?: readonly string[];
	view?: 'single' | 'compare';
} & Partial<Record<Exclude<keyof SamplingParams, 'seed' | 'order'>, number | boolean | string>>;

/** Writes a readable link's fragment (with its `#?`); `readReadableLink` reads it back. */
export function writeReadableLink(fields: ReadableLinkFields): string {
	const query = new URLSearchParams();
	for (const [key, value] of Object.entries(fields)) {
		if (value === undefined) continue;
		if (key === 'order') query.append(key, (value as readonly string[]).join(','));
		else if (Array.isArray(value)) for (const item of value) query.append(key, String(item));
		else query.append(key, String(value));
	}
	return READABLE_FRAGMENT_PREFIX + query.toString().replaceAll('+', '%20');
}

/** Reads a readable link's fragment (with its `#?`) into an experiment and the view it opens. */
export function readReadableLink(
	fragment: string,
	registry: StageRegistry = STAGE_DEFINITIONS
): ReadableLinkResult {
	const query = new URLSearchParams(fragment.slice(READABLE_FRAGMENT_PREFIX.length));
	const problems: string[] = [];
	const paramKeys = new Set(paramSpecsOf(registry).map((spec) => spec.key));
	const known = new Set<string>([...FIELDS, ...paramKeys]);
	for (const key of new Set(query.keys())) {
		if (!known.has(key)) problems.push(`${key}: is not a known field (remove it)`);
		else if (query.getAll(key).length > 1 && !['user', 'stop', 'sweep'].includes(key)) {
			problems.push(`${key}: is given ${query.getAll(key).length} times (give it once)`);
		}
	}
	const modelId = query.get('model') ?? '';
	const params: Record<string, unknown> = { ...DEFAULT_SAMPLING_PARAMS };
	for (const key of paramKeys) {
		const text = query.get(key);
		if (text !== null) params[key] = numberOrText(text);
	}
	const seed = query.get('seed');
	if (seed !== null) params.seed = seed === 'random' ? null : numberOrText(seed);
	const order = query.get('order');
	if (order !== null) params.order = order.split(',').map((name) => name.trim());
	const sweep = query.getAll('sweep').map((axis) => {
		const colon = axis.indexOf(':');
		return colon < 0 ? axis : { param: axis.slice(0, colon), text: axis.slice(colon + 1) };
	});
	const experiment: Record<string, unknown> = {
		model: { id: modelId, name: modelId, engine: engineOfModelId(modelId), sha256: null },
		input: inputOf(query, problems),
		params,
		maxNewTokens: numberOrDefault(query.get('maxNewTokens'), MAX_NEW_TOKENS_SPEC.default),
		contextLength: numberOrDefault(query.get('contextLength'), CONTEXT_LENGTH_SPEC.default),
		stopSequences: query.getAll('stop'),
		banEndOfText: false,
		sampling: 'exact'
	};
	if (sweep.length > 0) experiment.sweep = sweep;
	const read = experimentReader({ registry, limits: LINK_LIMITS })(experiment, '', problems);
	const view = query.get('view') ?? (sweep.length > 0 ? 'compare' : 'single');
	if (view !== 'single' && view !== 'compare') {
		problems.push(`view: must be "single" or "compare", got ${JSON.stringify(view)}`);
	}
	if (problems.length > 0) return { ok: false, problems };
	// A stage that is off by default joins the chain when the link sets its parameter, as a preset
	// or an import does; a link that gives `order` says which stages run itself.
	const chain = order === null ? switchOnSetStages(read.params, registry) : read.params;
	return {
		ok: true,
		value: { experiment: { ...read, params: chain }, view: view as SharedExperiment['view'] }
	};
}

/** A completion prompt, or a chat when the link has `user` messages (and perhaps `system`). */
function inputOf(query: URLSearchParams, problems: string[]): unknown {
	const users = query.getAll('user');
	const system = query.get('system');
	if (users.length === 0) {
		if (system !== null) problems.push('system: goes with `user` messages (a chat); add one');
		return { mode: 'completion', prompt: query.get('prompt') ?? '' };
	}
	if (query.has('prompt')) problems.push('prompt: give a prompt or `user` messages, not both');
	return {
		mode: 'chat',
		messages: users.map((content) => ({ role: 'user', content })),
		...(system !== null ? { systemPrompt: system } : {})
	};
}

/** A field's number, or `fallback` when the link leaves the field out. */
function numberOrDefault(text: string | null, fallback: number): number | string {
	return text === null ? fallback : numberOrText(text);
}

/** A number when the text is one, else the text itself, for the reader to name. */
function numberOrText(text: string): number | string {
	const value = Number(text);
	return text.trim() !== '' && Number.isFinite(value) ? value : text;
}
